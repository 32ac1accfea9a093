"""The outbox: one path out, consent decided in one place, every email sent at most once."""

import email
import itertools
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clients.models import Contact, ContactEmail
from notifications.models import OutboundEmail
from notifications.services import email_enqueue, email_send, outbox_sweep
from tests.clients.factories import ContactEmailFactory, ContactFactory
from tests.notifications import backends

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status


def enqueue(contact=None, key="k1", kind=Kind.SHARE, **kwargs):
    return email_enqueue(
        kind=kind,
        template="portal_invitation",
        context={
            "agent_name": "Dana",
            "contact_first_name": "Ann",
            "invitation_url": "http://testserver/x",
            "login_email": "a@example.com",
        },
        idempotency_key=key,
        to_contact=contact,
        **kwargs,
    )


def parsed(message) -> email.message.Message:
    return email.message_from_bytes(message.message().as_bytes())


def test_email_to_a_client_is_multipart_branded_and_unsubscribable(
    client_contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = enqueue(client_contact)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1 and row.sent_at
    (sent,) = mail.outbox
    message = parsed(sent)
    assert message["To"] == client_contact.user.email
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    unsubscribe = "".join(message["List-Unsubscribe"].split()).strip("<>")
    assert unsubscribe.startswith("http://testserver/email/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in parts["text/plain"] and unsubscribe in parts["text/html"]
    # Branded with the agent, with the brokerage's details in the footer.
    agent = client_contact.agent
    assert agent.display_name in parts["text/html"] and agent.brand_color in parts["text/html"]
    assert agent.brokerage_name in parts["text/plain"]
    # The address never appears in the link.
    assert client_contact.user.email.split("@")[0] not in unsubscribe


def test_the_same_idempotency_key_never_sends_twice(
    client_contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue(client_contact, key="invite-1")
        second = enqueue(client_contact, key="invite-1")
    assert [r.pk for r in first] == [r.pk for r in second]
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_row_is_sent_once_however_often_the_task_runs(
    client_contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = enqueue(client_contact)
    assert email_send(email_id=row.pk) == "skipped"
    assert email_send(email_id=row.pk) == "skipped"
    assert len(mail.outbox) == 1


STATUSES = list(Contact.Status.values)
VALIDITIES = list(ContactEmail.Validity.values)
CLIENT_KINDS = [Kind.INVITATION, Kind.ALERT, Kind.SHARE, Kind.MESSAGE]


@pytest.mark.parametrize(
    "status,opted_out,validity,kind",
    list(itertools.product(STATUSES, [False, True], VALIDITIES, CLIENT_KINDS)),
)
def test_suppression_cannot_be_bypassed(
    agent, status, opted_out, validity, kind, django_capture_on_commit_callbacks
):
    """Every combination of status, opt-out and validity, for every kind a caller may use."""
    contact = ContactFactory(
        agent=agent, status=status, email_opted_out_at=timezone.now() if opted_out else None
    )
    ContactEmailFactory(contact=contact, validity=validity)
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = enqueue(contact, kind=kind)
    may_send = status != Contact.Status.INACTIVE and not opted_out and validity != "invalid"
    row.refresh_from_db()
    if may_send:
        assert row.status == Status.SENT and len(mail.outbox) == 1
    else:
        assert row.status == Status.SUPPRESSED and row.suppressed_reason
        assert mail.outbox == []
        # Even a direct call of the sender cannot push it out.
        assert email_send(email_id=row.pk) == "skipped"
        assert mail.outbox == []


def test_suppression_reasons_are_recorded(agent):
    opted = ContactFactory(agent=agent, status="inactive", email_opted_out_at=timezone.now())
    ContactEmailFactory(contact=opted)
    inactive = ContactFactory(agent=agent, status="inactive")
    ContactEmailFactory(contact=inactive)
    invalid = ContactFactory(agent=agent)
    ContactEmailFactory(contact=invalid, validity="invalid")
    no_email = ContactFactory(agent=agent)
    malformed = ContactFactory(agent=agent)
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=malformed, address="bob@localhost", is_primary=True)]
    )
    reasons = {
        name: enqueue(contact, key=name)[0].suppressed_reason
        for name, contact in [
            ("opted", opted),
            ("inactive", inactive),
            ("invalid", invalid),
            ("none", no_email),
            ("malformed", malformed),
        ]
    }
    assert reasons == {
        "opted": "opted_out",
        "inactive": "contact_inactive",
        "invalid": "address_invalid",
        "none": "no_address",
        "malformed": "address_malformed",
    }


def test_consent_is_checked_again_when_sending(client_contact):
    (row,) = enqueue(client_contact)  # not committed in this test: nothing dispatched yet
    Contact.objects.filter(pk=client_contact.pk).update(email_opted_out_at=timezone.now())
    assert email_send(email_id=row.pk) == "suppressed"
    row.refresh_from_db()
    assert row.status == Status.SUPPRESSED and row.suppressed_reason == "opted_out"
    assert mail.outbox == []


def test_primary_always_and_secondaries_only_with_notify(agent, django_capture_on_commit_callbacks):
    contact = ContactFactory(agent=agent)
    ContactEmailFactory(contact=contact, address="main@example.com", is_primary=True, notify=False)
    ContactEmailFactory(contact=contact, address="work@example.com", is_primary=False, notify=True)
    ContactEmailFactory(contact=contact, address="old@example.com", is_primary=False, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = enqueue(contact)
    assert sorted(r.to_address for r in rows) == ["main@example.com", "work@example.com"]
    assert sorted(m.to[0] for m in mail.outbox) == ["main@example.com", "work@example.com"]
    # Addressed explicitly, a secondary without Notify is still refused.
    (row,) = enqueue(contact, key="explicit", to_address="old@example.com")
    assert row.suppressed_reason == "not_notify"


def test_agent_notices_ignore_the_clients_consent(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = email_enqueue(
            kind=Kind.AGENT_NOTICE,
            template="agent_client_opted_out",
            context={
                "agent_name": "Dana",
                "contact_name": "Ann",
                "restore_url": "x",
                "contact_url": "y",
            },
            idempotency_key="notice-1",
            agent=agent,
            to_user=agent.user,
        )
    row.refresh_from_db()
    assert row.status == Status.SENT
    message = parsed(mail.outbox[0])
    assert message["List-Unsubscribe"] is None  # not a marketing email to a client


@pytest.fixture
def scripted_backend(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.ScriptedFailureBackend"
    backends.FAILURES.clear()
    yield backends.FAILURES
    backends.FAILURES.clear()


def test_provider_errors_are_retried_with_backoff_then_sent(client_contact, scripted_backend):
    scripted_backend.extend([backends.transient_error(), backends.transient_error()])
    (row,) = enqueue(client_contact)
    assert email_send(email_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.attempts == 1 and "503" in row.last_error
    first_delay = row.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < first_delay <= timedelta(seconds=30)
    assert email_send(email_id=row.pk) == "not_due"

    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert email_send(email_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.next_attempt_at - timezone.now() > timedelta(seconds=50)  # doubled

    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert email_send(email_id=row.pk) == "sent"
    assert len(mail.outbox) == 1


def test_permanent_provider_errors_fail_without_retrying(client_contact, scripted_backend):
    scripted_backend.append(backends.permanent_error())
    (row,) = enqueue(client_contact)
    assert email_send(email_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == Status.FAILED and "rejected" in row.last_error


def test_retries_stop_after_the_cap(client_contact, scripted_backend):
    scripted_backend.extend(backends.transient_error() for _ in range(20))
    (row,) = enqueue(client_contact)
    outcomes = []
    for _ in range(10):
        OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        outcomes.append(email_send(email_id=row.pk))
    assert outcomes.count("retry") == 7 and "failed" in outcomes
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 8


def test_sweeper_resends_rows_whose_broker_message_was_lost(client_contact):
    (row,) = enqueue(client_contact)  # on_commit never ran: as if the broker publish failed
    OutboundEmail.objects.filter(pk=row.pk).update(dispatched_at=None)
    assert outbox_sweep() == 1  # eager in unit tests: the sweep sends it in-process
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert outbox_sweep() == 0
    assert len(mail.outbox) == 1


def test_sweeper_leaves_recently_dispatched_and_future_rows(client_contact):
    (row,) = enqueue(client_contact)
    OutboundEmail.objects.filter(pk=row.pk).update(dispatched_at=timezone.now())
    assert outbox_sweep() == 0
    OutboundEmail.objects.filter(pk=row.pk).update(
        dispatched_at=None, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert outbox_sweep() == 0
    assert mail.outbox == []


def test_a_malformed_address_is_flagged_for_the_agent(agent):
    contact = ContactFactory(agent=agent)
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=contact, address="ann@@example", is_primary=True)]
    )
    (row,) = enqueue(contact)
    assert row.suppressed_reason == "address_malformed"
    address = contact.emails.get()
    assert address.validity == "invalid" and address.invalid_reason == "Not a valid email address"
    assert contact.consent_events.get().via == "address_check"
