"""Create Portal Accounts (temporary passwords, changed at first login), with Invite, and the
invitation acceptance page."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from clients.models import AgentPreferences, Contact, User
from notifications.models import OutboundEmail
from tests.clients.factories import ContactEmailFactory, ContactFactory

pytestmark = pytest.mark.django_db


def contact_with_email(agent, address, **kwargs):
    contact = ContactFactory(agent=agent, **kwargs)
    ContactEmailFactory(contact=contact, address=address)
    return contact


def test_create_portal_accounts_shows_passwords_once_and_downloads_once(
    agent_client, agent, client
):
    ann = contact_with_email(agent, "ann.new@example.com", first_name="Ann")
    ContactFactory(agent=agent, first_name="NoEmail")
    response = agent_client.post(reverse("agent:portal_accounts"), {"scope": "all"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    created = response.context["created"]
    assert [r.username for r in created] == ["ann.new@example.com"]
    password = created[0].password
    assert password in response.content.decode()
    assert "needs an email address" in response.content.decode()
    ann.refresh_from_db()
    assert ann.user.must_change_password and ann.user.check_password(password)

    url = reverse("agent:portal_accounts_download", args=[response.context["token"]])
    download = agent_client.get(url)
    assert password in download.content.decode("utf-8-sig")
    assert agent_client.get(url).status_code == 410
    assert not mail.outbox

    # The client signs in with it and may only change their password.
    client.post(reverse("account_login"), {"login": "ann.new@example.com", "password": password})
    assert client.get(reverse("portal:dashboard"))["Location"] == reverse("account_change_password")
    changed = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": "a-new-long-passphrase",
            "password2": "a-new-long-passphrase",
        },
    )
    assert changed["Location"] == reverse("portal:dashboard")
    ann.user.refresh_from_db()
    assert not ann.user.must_change_password
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_create_portal_accounts_with_invite_sends_no_passwords(
    agent_client, agent, django_capture_on_commit_callbacks
):
    AgentPreferences.objects.create(
        agent=agent, invitation_message="Hi from Dana — your portal is ready."
    )
    contact_with_email(agent, "one@example.com", first_name="One")
    contact_with_email(agent, "two@example.com", first_name="Two")
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(reverse("agent:portal_accounts"), {"scope": "all", "invite": "1"})
    assert (
        User.objects.filter(role="client", email__in=["one@example.com", "two@example.com"]).count()
        == 2
    )
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "/portal/invitation/" in message.body
        assert "temporary password" not in message.body.lower()
    assert not User.objects.filter(must_change_password=True).exists()


def test_selected_scope_with_a_foreign_id_is_404(agent_client, agent, other_agents_contact):
    mine = contact_with_email(agent, "mine@example.com")
    response = agent_client.post(
        reverse("agent:portal_accounts"),
        {"scope": "selected", "ids": [mine.pk, other_agents_contact.pk]},
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.user is None


def invitation_link(contact) -> str:
    row = OutboundEmail.objects.filter(to_contact=contact, kind="invitation").latest("created_at")
    return re.search(r"http://testserver(/portal/invitation/\S+/)", row.body_text).group(1)


def test_invitation_link_sets_the_password_and_lands_on_the_portal(agent_client, agent, client):
    contact = contact_with_email(agent, "invitee@example.com", first_name="Ivy")
    agent_client.post(reverse("agent:contact_invite", args=[contact.pk]))
    link = invitation_link(contact)
    page = client.get(link)
    assert page.status_code == 200
    assert agent.display_name in page.content.decode()
    response = client.post(
        link, {"new_password1": "a-long-new-secret-1", "new_password2": "a-long-new-secret-1"}
    )
    assert response["Location"] == reverse("portal:dashboard")
    assert client.get(reverse("portal:dashboard")).status_code == 200
    contact.refresh_from_db()
    assert contact.user.check_password("a-long-new-secret-1")

    # Used once: the same link now explains itself and offers to ask the agent.
    client.logout()
    used = client.get(link)
    assert used.status_code == 410
    body = used.content.decode()
    assert "no longer works" in body and f"Ask {agent.display_name}" in body
    ask = client.post(link + "request/")
    assert ask.status_code == 200
    notice = OutboundEmail.objects.get(
        kind=OutboundEmail.Kind.AGENT_NOTICE, template="agent_invitation_request"
    )
    assert notice.to_address == agent.user.email and contact.full_name in notice.subject


def test_forged_invitation_link_is_a_clear_page(client, client_contact):
    from allauth.account.utils import user_pk_to_url_str

    uid = user_pk_to_url_str(client_contact.user)
    assert client.get(f"/portal/invitation/{uid}/abc-forged/").status_code == 410
    assert client.get("/portal/invitation/zzzzzz/abc-forged/").status_code == 404
    assert client.post("/portal/invitation/zzzzzz/abc-forged/request/").status_code == 404
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.AGENT_NOTICE).exists()


def test_invitation_request_is_sent_once_per_hour(client, client_contact):
    from allauth.account.utils import user_pk_to_url_str

    url = f"/portal/invitation/{user_pk_to_url_str(client_contact.user)}/bad-key/request/"
    client.post(url)
    client.post(url)
    assert OutboundEmail.objects.filter(template="agent_invitation_request").count() == 1


def test_invitation_page_mismatched_password_keeps_the_page(client, agent):
    contact = contact_with_email(agent, "mismatch@example.com")
    from clients.services import client_account_create, password_set_url

    client_account_create(contact=contact)
    link = password_set_url(contact.user).replace("http://testserver", "")
    response = client.post(
        link, {"new_password1": "a-long-new-secret-1", "new_password2": "different-secret-2"}
    )
    assert response.status_code == 200
    assert Contact.objects.get(pk=contact.pk).user.has_usable_password() is False


def test_create_portal_accounts_for_selected_contacts_from_the_list(agent_client, agent):
    chosen = contact_with_email(agent, "chosen@example.com")
    contact_with_email(agent, "not.chosen@example.com")
    response = agent_client.post(
        reverse("agent:contacts_bulk"), {"action": "accounts", "ids": [chosen.pk]}
    )
    page = agent_client.get(response["Location"])
    assert "Create for 1 selected" in page.content.decode()
    result = agent_client.post(
        reverse("agent:portal_accounts"), {"scope": "selected", "ids": [chosen.pk]}
    )
    assert [r.username for r in result.context["created"]] == ["chosen@example.com"]
    assert User.objects.filter(role="client").count() == 1


def test_invitations_carry_the_default_message_from_portal_preferences(
    agent_client, agent, django_capture_on_commit_callbacks
):
    from clients.views.contacts import _INVITE_TAKES_MESSAGE

    AgentPreferences.objects.create(
        agent=agent, invitation_message="Coffee on me at the first showing!"
    )
    contact = contact_with_email(agent, "msg@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(reverse("agent:contact_invite", args=[contact.pk]))
    body = OutboundEmail.objects.get(to_contact=contact, kind="invitation").body_text
    if not _INVITE_TAKES_MESSAGE:
        pytest.xfail("messaging.services.portal_invite(message=...) is not in the tree yet")
    assert "Coffee on me at the first showing!" in body
