"""The agent's email to contacts: the recipient picker offers only those who may receive email."""

import uuid

from django.core import mail
from django.urls import reverse

from notifications.models import OutboundEmail
from tests.clients.factories import ContactEmailFactory, ContactFactory

URL = reverse("agent:compose_email")


def contact(agent, name, **kwargs):
    person = ContactFactory(agent=agent, first_name=name, last_name="Test", **kwargs)
    ContactEmailFactory(contact=person, address=f"{name.lower()}@example.com")
    return person


def test_inactive_and_opted_out_contacts_are_not_offered(agent_client, agent):
    from django.utils import timezone

    contact(agent, "Active")
    contact(agent, "Sleeping", status="inactive")
    contact(agent, "Gone", status="inactive", email_opted_out_at=timezone.now())
    page = agent_client.get(URL).content.decode()
    assert "Active Test" in page
    assert "Sleeping Test" not in page and "Gone Test" not in page


def test_send_to_chosen_contacts(agent_client, agent, django_capture_on_commit_callbacks):
    ann, bob = contact(agent, "Ann"), contact(agent, "Bob")
    data = {
        "recipients": [ann.pk, bob.pk],
        "subject": "Open house Sunday",
        "body": "Come by at 2.",
        "send_key": str(uuid.uuid4()),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(URL, data, follow=True)
    assert "Email sent to 2 contacts" in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    assert all(m.subject == "Open house Sunday" for m in mail.outbox)
    # A double submit of the same form sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(URL, data)
    assert len(mail.outbox) == 2 and OutboundEmail.objects.count() == 2


def test_an_inactive_or_foreign_contact_id_is_refused(agent_client, agent, other_agents_contact):
    sleeping = contact(agent, "Sleeping", status="inactive")
    for pk in [sleeping.pk, other_agents_contact.pk, 999999, "abc"]:
        response = agent_client.post(
            URL, {"recipients": [pk], "subject": "Hi", "body": "x", "send_key": str(uuid.uuid4())}
        )
        assert response.status_code == 200
        assert (
            "cannot receive email" in response.content.decode() or response.context["form"].errors
        )
    assert not OutboundEmail.objects.exists()


def test_empty_and_huge_input_keeps_what_was_typed(agent_client, agent):
    ann = contact(agent, "Ann")
    response = agent_client.post(
        URL,
        {"recipients": [], "subject": "Kept subject", "body": "", "send_key": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert "Choose at least one recipient" in response.content.decode()
    assert "Kept subject" in response.content.decode()
    response = agent_client.post(
        URL,
        {"recipients": [ann.pk], "subject": "x" * 500, "body": "y", "send_key": str(uuid.uuid4())},
    )
    assert "subject" in response.context["form"].errors
    assert not OutboundEmail.objects.exists()


def test_prefilled_recipient_from_the_contact_page(agent_client, agent):
    ann = contact(agent, "Ann")
    page = agent_client.get(reverse("agent:contact_detail", args=[ann.pk])).content.decode()
    assert f"{URL}?to={ann.pk}" in page
    form = agent_client.get(URL, {"to": ann.pk}).context["form"]
    assert form.initial["recipients"] == [ann.pk]
