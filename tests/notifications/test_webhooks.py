"""Provider tracking webhooks (anymail): bounces mark addresses invalid, complaints opt out."""

import base64
import json

import pytest
from django.core import mail
from django.urls import reverse

from clients.models import ConsentEvent, ContactEmail
from notifications.models import DeliveryEvent, OutboundEmail
from notifications.services import email_enqueue
from tests.clients.factories import ContactEmailFactory, ContactFactory

URL = "/webhooks/anymail/postmark/tracking/"
SECRET = "hook-user:hook-pass-123"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def auth(secret=SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def sent_row(agent):
    contact = ContactFactory(agent=agent, first_name="Ann", last_name="Bounce")
    ContactEmailFactory(contact=contact, address="ann@example.com")
    ContactEmailFactory(
        contact=contact, address="ann.work@example.com", is_primary=False, notify=True
    )
    (row, _) = email_enqueue(
        kind=OutboundEmail.Kind.SHARE,
        template="portal_invitation",
        context={
            "agent_name": "D",
            "contact_first_name": "A",
            "invitation_url": "x",
            "login_email": "y",
        },
        idempotency_key="share-1",
        to_contact=contact,
    )
    OutboundEmail.objects.filter(pk=row.pk).update(status="sent", provider_message_id="pm-msg-1")
    return row


def bounce(event_id=4323372036854775807, email="ann@example.com", kind="HardBounce"):
    return {
        "RecordType": "Bounce",
        "ID": event_id,
        "Type": kind,
        "MessageID": "pm-msg-1",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "BouncedAt": "2026-11-20T16:33:54.9070259Z",
    }


def post(client, payload, **extra):
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **extra)


def test_hard_bounce_marks_the_address_invalid_once(
    client, sent_row, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, bounce(), **auth()).status_code == 200
    address = ContactEmail.objects.get(address="ann@example.com")
    assert address.validity == "invalid"
    assert "unable to deliver" in address.invalid_reason
    # The secondary address is untouched: a bounce is about one address.
    assert ContactEmail.objects.get(address="ann.work@example.com").validity == "unknown"
    event = DeliveryEvent.objects.get()
    assert event.outbound_email == sent_row and event.processed_at

    # The same event replayed is applied once.
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, bounce(), **auth()).status_code == 200
    assert DeliveryEvent.objects.count() == 1
    assert ConsentEvent.objects.filter(kind="address_invalid").count() == 1

    # And the next email to that address is suppressed at the door.
    (row, _) = email_enqueue(
        kind=OutboundEmail.Kind.SHARE,
        template="portal_invitation",
        context={
            "agent_name": "D",
            "contact_first_name": "A",
            "invitation_url": "x",
            "login_email": "y",
        },
        idempotency_key="share-2",
        to_contact=sent_row.to_contact,
    )
    assert row.to_address == "ann@example.com" and row.suppressed_reason == "address_invalid"


def test_soft_bounce_does_not_mark_invalid(client, sent_row, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, bounce(kind="Transient"), **auth())
    assert ContactEmail.objects.get(address="ann@example.com").validity == "unknown"


def test_spam_complaint_opts_out_and_tells_the_agent(
    client, sent_row, django_capture_on_commit_callbacks
):
    complaint = {
        "RecordType": "SpamComplaint",
        "ID": 42,
        "Type": "SpamComplaint",
        "MessageID": "pm-msg-1",
        "Email": "ann@example.com",
        "BouncedAt": "2026-11-20T16:33:54Z",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, complaint, **auth()).status_code == 200
    contact = sent_row.to_contact
    contact.refresh_from_db()
    assert contact.is_opted_out and contact.status == "inactive"
    event = contact.consent_events.get(kind="complained")
    assert event.via == ConsentEvent.Via.WEBHOOK
    (notice,) = mail.outbox
    assert notice.to == [contact.agent.user.email] and "spam" in notice.subject
    assert reverse("agent:contact_restore", args=[contact.pk]) in notice.body


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("hook-user:wrong"),
        {"HTTP_AUTHORIZATION": "Basic !!!not-base64"},
        {"HTTP_AUTHORIZATION": "Bearer " + SECRET},
    ],
)
def test_webhook_without_valid_credentials_changes_nothing(client, sent_row, headers):
    response = post(client, bounce(), **headers)
    assert response.status_code in (400, 401, 403)
    assert not DeliveryEvent.objects.exists()
    assert ContactEmail.objects.get(address="ann@example.com").validity == "unknown"


@pytest.mark.parametrize(
    "body", ["", "not json", "[]", json.dumps({"RecordType": "Bounce"}), "{" * 10000]
)
def test_malformed_webhook_bodies_do_not_500(client, sent_row, body):
    response = client.post(URL, data=body, content_type="application/json", **auth())
    assert response.status_code < 500 or response.status_code == 400
    assert ContactEmail.objects.get(address="ann@example.com").validity == "unknown"


def test_delivery_confirms_an_unchecked_address(
    client, sent_row, django_capture_on_commit_callbacks
):
    delivered = {
        "RecordType": "Delivery",
        "MessageID": "pm-msg-1",
        "Recipient": "ann@example.com",
        "DeliveredAt": "2026-11-20T16:33:54Z",
        "Details": "Test delivery webhook details",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, delivered, **auth()).status_code == 200
    assert ContactEmail.objects.get(address="ann@example.com").validity == "valid"
