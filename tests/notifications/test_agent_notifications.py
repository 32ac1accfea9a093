"""The agent's notification centre: what clients did, newest first, with an unread count."""

from django.urls import reverse

from notifications.models import AgentNotification


def test_client_message_and_opt_out_reach_the_bell(
    portal_client, agent_client, agent, client_contact
):
    portal_client.post(reverse("portal:messages"), {"body": "Hello!"})
    from notifications.services import consent_opt_out

    consent_opt_out(contact=client_contact, via="email_link")
    notes = list(AgentNotification.objects.filter(agent=agent))
    assert {n.kind for n in notes} == {"message", "opted_out"}
    page = agent_client.get(reverse("agent:notifications"))
    assert page.status_code == 200
    assert "sent you a message" in page.content.decode()
    assert page.context["bell_count"] == 2
    agent_client.post(reverse("agent:notifications_mark_read"))
    assert not AgentNotification.objects.filter(read_at=None).exists()


def test_other_agents_never_see_my_notifications(
    client, other_agent, agent, client_contact, portal_client
):
    portal_client.post(reverse("portal:messages"), {"body": "Hello!"})
    client.force_login(other_agent.user)
    page = client.get(reverse("agent:notifications"))
    assert "sent you a message" not in page.content.decode()
    client.post(reverse("agent:notifications_mark_read"))
    assert AgentNotification.objects.filter(agent=agent, read_at=None).count() == 1


def test_clients_cannot_open_the_notification_centre(portal_client):
    assert portal_client.get(reverse("agent:notifications")).status_code == 403


def test_accepting_an_invitation_rings_the_bell(client, agent, django_capture_on_commit_callbacks):
    import re

    from django.core import mail

    from messaging.services import portal_invite
    from tests.clients.factories import ContactEmailFactory, ContactFactory

    contact = ContactFactory(agent=agent, first_name="Ivy")
    ContactEmailFactory(contact=contact, address="ivy@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        portal_invite(contact=contact)
    link = re.search(r"http://testserver(/portal/invitation/\S+)", mail.outbox[0].body).group(1)
    client.post(
        link, {"new_password1": "ivy-portal-pass-77", "new_password2": "ivy-portal-pass-77"}
    )
    note = AgentNotification.objects.get(kind="invitation_accepted")
    assert note.contact == contact and "accepted" in note.text
