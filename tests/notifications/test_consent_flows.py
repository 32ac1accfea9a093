"""Opt-out and opt-in exactly as the help page says, end to end through the emails' own links."""

import email
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from clients.models import ConsentEvent, Contact
from messaging.services import portal_invite
from notifications.models import OutboundEmail
from notifications.services import email_enqueue
from notifications.tokens import make_contact_token
from tests.clients.factories import ContactEmailFactory, ContactFactory


def send_listing_email(contact, key):
    return email_enqueue(
        kind=OutboundEmail.Kind.SHARE,
        template="portal_invitation",
        context={
            "agent_name": "D",
            "contact_first_name": "A",
            "invitation_url": "x",
            "login_email": "y",
        },
        idempotency_key=key,
        to_contact=contact,
    )


def links_in(message) -> list[str]:
    return re.findall(r"https?://testserver(/[^\s\"<>]+)", message.body)


@pytest.fixture
def emailed_contact(agent, django_capture_on_commit_callbacks):
    """A prospect who received a portal invitation; returns (contact, parsed email)."""
    contact = ContactFactory(agent=agent, first_name="Ann", last_name="O'Neil", status="prospect")
    ContactEmailFactory(contact=contact, address="ann@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        portal_invite(contact=contact)
    (message,) = mail.outbox
    mail.outbox.clear()
    return contact, email.message_from_bytes(message.message().as_bytes()), message


def unsubscribe_path(parsed_message) -> str:
    header = "".join(parsed_message["List-Unsubscribe"].split()).strip("<>")
    return header.removeprefix("http://testserver")


def test_unsubscribe_link_confirms_then_opts_out_and_tells_the_agent(
    client, emailed_contact, django_capture_on_commit_callbacks
):
    contact, parsed, message = emailed_contact
    path = unsubscribe_path(parsed)
    assert path in links_in(message)  # the visible link is the same as the header's

    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Confirm Opt-Out" in body and "Click here if you want to Opt-In instead" in body
    contact.refresh_from_db()
    assert contact.email_opted_out_at is None  # a GET changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path)
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    contact.refresh_from_db()
    assert contact.email_opted_out_at is not None
    assert contact.status == Contact.Status.INACTIVE
    kinds = list(contact.consent_events.values_list("kind", "via"))
    assert ("opted_out", "email_link") in kinds and ("status_changed", "email_link") in kinds

    (notice,) = mail.outbox
    assert notice.to == [contact.agent.user.email]
    assert "Ann O'Neil" in notice.subject
    restore_path = reverse("agent:contact_restore", args=[contact.pk])
    assert restore_path in links_in(notice)

    # Confirming twice does not notify the agent twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    assert len(mail.outbox) == 1


def test_one_click_post_opts_out_without_login_or_csrf(
    emailed_contact, django_capture_on_commit_callbacks
):
    contact, parsed, _ = emailed_contact
    strict = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = strict.post(unsubscribe_path(parsed), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.is_opted_out and contact.status == Contact.Status.INACTIVE
    assert contact.consent_events.filter(kind="opted_out", via="one_click").exists()
    assert len(mail.outbox) == 1  # the agent's notice and nothing else


def test_client_opts_back_in_but_stays_inactive_until_the_agent_activates(
    client, agent_client, emailed_contact, django_capture_on_commit_callbacks
):
    contact, parsed, _ = emailed_contact
    path = unsubscribe_path(parsed)
    client.post(path)
    mail.outbox.clear()

    opt_in_path = re.search(
        r'href="(?:http://testserver)?(/email/opt-in/[^"]+)"', client.get(path).content.decode()
    ).group(1)
    page = client.get(opt_in_path)
    assert "Confirm Opt-In" in page.content.decode()
    done = client.post(opt_in_path)
    assert "opted back in" in done.content.decode()
    contact.refresh_from_db()
    assert contact.email_opted_out_at is None
    assert contact.status == Contact.Status.INACTIVE  # the help page's rule

    # Still no email until the agent sets the status.
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send_listing_email(contact, key="after-opt-in")
    assert row.status == "suppressed" and row.suppressed_reason == "contact_inactive"
    detail = agent_client.get(reverse("agent:contact_detail", args=[contact.pk])).content.decode()
    assert "Inactive" in detail

    agent_client.post(reverse("agent:contact_status", args=[contact.pk]), {"status": "active"})
    contact.refresh_from_db()
    assert contact.status == Contact.Status.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send_listing_email(contact, key="after-activation")
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1


def test_agent_restores_from_the_notice_link(
    client, agent_client, emailed_contact, django_capture_on_commit_callbacks
):
    contact, parsed, _ = emailed_contact
    with django_capture_on_commit_callbacks(execute=True):
        client.post(unsubscribe_path(parsed))
    (notice,) = mail.outbox
    restore_path = next(p for p in links_in(notice) if p.endswith("/restore/"))

    detail = agent_client.get(reverse("agent:contact_detail", args=[contact.pk])).content.decode()
    assert "opted out" in detail.lower() and restore_path in detail

    confirm = agent_client.get(restore_path)
    assert confirm.status_code == 200
    contact.refresh_from_db()
    assert contact.is_opted_out  # GET shows, POST acts
    response = agent_client.post(restore_path, follow=True)
    assert "still Inactive" in response.content.decode()
    contact.refresh_from_db()
    assert not contact.is_opted_out and contact.status == Contact.Status.INACTIVE
    event = contact.consent_events.get(kind="restored")
    assert event.actor == contact.agent.user and event.via == "agent"


def test_another_agent_cannot_restore_or_change_my_contact(client, other_agent, emailed_contact):
    contact, parsed, _ = emailed_contact
    client.post(unsubscribe_path(parsed))
    client.force_login(other_agent.user)
    assert client.get(reverse("agent:contact_restore", args=[contact.pk])).status_code == 404
    assert client.post(reverse("agent:contact_restore", args=[contact.pk])).status_code == 404
    assert (
        client.post(
            reverse("agent:contact_status", args=[contact.pk]), {"status": "active"}
        ).status_code
        == 404
    )
    contact.refresh_from_db()
    assert contact.is_opted_out and contact.status == "inactive"


def test_invalid_status_is_refused(agent_client, client_contact):
    url = reverse("agent:contact_status", args=[client_contact.pk])
    response = agent_client.post(url, {"status": "superstar"}, follow=True)
    assert response.status_code == 200
    client_contact.refresh_from_db()
    assert client_contact.status == "active"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "eyJjIjoxfQ",  # payload without a signature
        "eyJjIjoxfQ:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # forged signature
        "x" * 5000,
        "%00",
    ],
)
def test_forged_tokens_get_a_clear_page_and_change_nothing(client, client_contact, token):
    for name in ["notifications:unsubscribe", "notifications:opt_in"]:
        url = reverse(name, args=["PLACEHOLDER"]).replace("PLACEHOLDER", token)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (400, 404)
            if response.status_code == 400:
                assert "not valid" in response.content.decode()
    client_contact.refresh_from_db()
    assert not client_contact.is_opted_out
    assert not ConsentEvent.objects.exists()


def test_truncated_and_other_purpose_tokens_are_refused(client, client_contact):
    good = make_contact_token(client_contact.pk, "unsubscribe")
    assert client.post(reverse("notifications:unsubscribe", args=[good[:-3]])).status_code == 400
    opt_in_token = make_contact_token(client_contact.pk, "opt_in")
    assert client.post(reverse("notifications:unsubscribe", args=[opt_in_token])).status_code == 400
    client_contact.refresh_from_db()
    assert not client_contact.is_opted_out


def test_unsubscribe_token_for_a_deleted_contact_is_a_clear_page(client, client_contact):
    token = make_contact_token(client_contact.pk, "unsubscribe")
    Contact.objects.filter(pk=client_contact.pk).delete()
    assert client.get(reverse("notifications:unsubscribe", args=[token])).status_code == 400


def test_tokens_do_not_expire_and_do_not_reveal_the_address(client_contact):
    token = make_contact_token(client_contact.pk, "unsubscribe")
    assert "@" not in token and client_contact.user.email.split("@")[0] not in token
    # Signed without a timestamp: the same token is valid however old it is.
    assert token == make_contact_token(client_contact.pk, "unsubscribe")


def test_inactive_and_opted_out_contacts_are_not_offered_as_recipients(agent):
    from clients.selectors import emailable_contacts_for_agent

    active = ContactFactory(agent=agent)
    ContactEmailFactory(contact=active)
    inactive = ContactFactory(agent=agent, status="inactive")
    ContactEmailFactory(contact=inactive)
    opted_back_in_but_inactive = ContactFactory(agent=agent, status="inactive")
    ContactEmailFactory(contact=opted_back_in_but_inactive)
    no_address = ContactFactory(agent=agent)
    assert list(emailable_contacts_for_agent(agent)) == [active]
    assert no_address not in emailable_contacts_for_agent(agent)


def test_consent_history_is_shown_on_the_contact_page(client, agent_client, emailed_contact):
    contact, parsed, _ = emailed_contact
    client.post(unsubscribe_path(parsed))
    page = agent_client.get(reverse("agent:contact_detail", args=[contact.pk])).content.decode()
    assert "Unsubscribe page" in page and "Opted out" in page


def test_invitation_email_and_portal_account(
    agent_client, agent, django_capture_on_commit_callbacks
):
    contact = ContactFactory(agent=agent, first_name="Cy")
    ContactEmailFactory(contact=contact, address="cy@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            reverse("agent:contact_invite", args=[contact.pk]), follow=True
        )
    assert "Invitation sent to" in response.content.decode()
    contact.refresh_from_db()
    assert contact.user.email == "cy@example.com"
    (message,) = mail.outbox
    assert message.to == ["cy@example.com"]
    assert OutboundEmail.objects.get().kind == "invitation"


def test_invitation_without_an_email_is_refused_with_a_message(agent_client, agent):
    contact = ContactFactory(agent=agent)
    response = agent_client.post(reverse("agent:contact_invite", args=[contact.pk]), follow=True)
    assert "needs an email address" in response.content.decode()
    contact.refresh_from_db()
    assert contact.user is None
