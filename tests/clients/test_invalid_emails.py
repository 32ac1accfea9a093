"""The Action Required banner and the page that fixes invalid addresses (help page: contacts)."""

from django.urls import reverse

from clients.models import ContactEmail
from tests.clients.factories import ContactEmailFactory, ContactFactory


def make_bounced(agent):
    contact = ContactFactory(agent=agent, first_name="Bo", last_name="Unce")
    primary = ContactEmailFactory(
        contact=contact,
        address="bo@example.com",
        validity="invalid",
        invalid_reason="bounced: mailbox does not exist",
    )
    secondary = ContactEmailFactory(
        contact=contact,
        address="bo.old@example.com",
        is_primary=False,
        validity="invalid",
        invalid_reason="bounced",
    )
    return contact, primary, secondary


def test_banner_shows_only_while_an_address_is_invalid(agent_client, agent):
    list_url = reverse("agent:contact_list")
    assert "Action Required" not in agent_client.get(list_url).content.decode()
    make_bounced(agent)
    page = agent_client.get(list_url).content.decode()
    assert "Action Required" in page and "View Email Addresses" in page
    assert reverse("agent:invalid_emails") in page


def test_other_agents_invalid_addresses_do_not_raise_my_banner(agent_client, other_agent):
    make_bounced(other_agent)
    assert "Action Required" not in agent_client.get(reverse("agent:contact_list")).content.decode()
    page = agent_client.get(reverse("agent:invalid_emails")).content.decode()
    assert "bo@example.com" not in page


def test_edit_an_invalid_primary_address(agent_client, agent):
    contact, primary, _ = make_bounced(agent)
    page = agent_client.get(reverse("agent:invalid_emails")).content.decode()
    assert "bo@example.com" in page and "mailbox does not exist" in page
    url = reverse("agent:contact_email_edit", args=[primary.pk])
    assert agent_client.get(url).status_code == 200
    response = agent_client.post(url, {"address": "Bo.New@Example.com"})
    assert response.status_code == 302
    primary.refresh_from_db()
    assert primary.address == "bo.new@example.com"
    assert primary.validity == "unknown" and primary.invalid_reason == ""


def test_edit_refuses_bad_and_duplicate_addresses(agent_client, agent):
    contact, primary, secondary = make_bounced(agent)
    url = reverse("agent:contact_email_edit", args=[primary.pk])
    for bad in ["", "not-an-email", "x" * 300 + "@example.com", "bo.old@example.com"]:
        response = agent_client.post(url, {"address": bad})
        assert response.status_code == 200, bad
        assert response.context["form"].errors
    primary.refresh_from_db()
    assert primary.address == "bo@example.com"


def test_remove_a_secondary_but_not_the_primary(agent_client, agent):
    contact, primary, secondary = make_bounced(agent)
    agent_client.post(reverse("agent:contact_email_remove", args=[secondary.pk]))
    assert not ContactEmail.objects.filter(pk=secondary.pk).exists()
    response = agent_client.post(
        reverse("agent:contact_email_remove", args=[primary.pk]), follow=True
    )
    assert "can be corrected but not removed" in response.content.decode()
    assert ContactEmail.objects.filter(pk=primary.pk).exists()


def test_someone_elses_address_is_404(client, other_agent, agent):
    _, primary, secondary = make_bounced(agent)
    client.force_login(other_agent.user)
    assert client.get(reverse("agent:contact_email_edit", args=[primary.pk])).status_code == 404
    assert (
        client.post(
            reverse("agent:contact_email_edit", args=[primary.pk]), {"address": "evil@example.com"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("agent:contact_email_remove", args=[secondary.pk])).status_code == 404
    )
    primary.refresh_from_db()
    assert primary.address == "bo@example.com"
    assert ContactEmail.objects.filter(pk=secondary.pk).exists()


def test_removal_needs_post(agent_client, agent):
    _, _, secondary = make_bounced(agent)
    assert (
        agent_client.get(reverse("agent:contact_email_remove", args=[secondary.pk])).status_code
        == 405
    )
    assert ContactEmail.objects.filter(pk=secondary.pk).exists()
