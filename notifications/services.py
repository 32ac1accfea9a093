"""The outbox. ``email_enqueue`` is the only way an email leaves the product; it decides whether
the email may go (consent, address validity) and the send task delivers it exactly once."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from clients.models import Agent, ConsentEvent, Contact, ContactEmail, User
from clients.services import (
    contact_email_mark_delivered,
    contact_email_mark_invalid,
    contact_opt_in,
    contact_opt_out,
    password_set_url,
)

from .emails import RenderedEmail, absolute_url, render_email
from .models import DeliveryEvent, OutboundEmail

logger = logging.getLogger(__name__)
# What publishing raises when Redis is unreachable; anything else is a real bug and propagates.
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)

Reason = OutboundEmail.SuppressedReason
# Kinds that are the agent's own business, or that the person asked for themselves: a client's
# opt-out does not stop them. Everything else to a contact obeys consent.
CONSENT_EXEMPT_KINDS = {OutboundEmail.Kind.AGENT_NOTICE, OutboundEmail.Kind.ACCOUNT}
MAX_ATTEMPTS = 8
# A dispatched row still queued after this long lost its broker message: the sweeper resends it.
STALE_DISPATCH = timedelta(minutes=3)


def address_is_well_formed(address: str) -> bool:
    """Syntax and domain form (a dotted domain of valid labels); no DNS lookups."""
    try:
        validate_email(address)
    except ValidationError:
        return False
    domain = address.rsplit("@", 1)[-1]
    return "." in domain and len(address) <= 254


def suppression_reason(
    *, kind: str, address: str, contact: Contact | None, contact_email: ContactEmail | None
) -> str:
    """Why this email must not go, or "" if it may. The single place consent is decided."""
    if not address:
        return Reason.NO_ADDRESS
    if not address_is_well_formed(address):
        return Reason.ADDRESS_MALFORMED
    if contact_email is not None and contact_email.validity == ContactEmail.Validity.INVALID:
        return Reason.ADDRESS_INVALID
    if contact is None or kind in CONSENT_EXEMPT_KINDS:
        return ""
    if contact.email_opted_out_at is not None:
        return Reason.OPTED_OUT
    if contact.status == Contact.Status.INACTIVE:
        return Reason.CONTACT_INACTIVE
    if contact_email is not None and not (contact_email.is_primary or contact_email.notify):
        return Reason.NOT_NOTIFY
    return ""


def _contact_recipients(contact: Contact, to_address: str | None) -> list[ContactEmail | None]:
    emails = list(contact.emails.all())
    if to_address:
        wanted = to_address.strip().lower()
        return [e for e in emails if e.address == wanted] or [None]
    # The primary always receives; secondaries only with Notify on.
    chosen = [e for e in emails if e.is_primary or e.notify]
    return chosen or [None]


@transaction.atomic
def email_enqueue(
    *,
    kind: str,
    template: str,
    context: dict | None = None,
    idempotency_key: str,
    agent: Agent | None = None,
    to_contact: Contact | None = None,
    to_address: str | None = None,
    to_user: User | None = None,
    rendered: RenderedEmail | None = None,
) -> list[OutboundEmail]:
    """Writes outbox rows in the caller's transaction; sending starts after commit.

    To a contact: one row per receiving address (primary, and secondaries with Notify on),
    or just ``to_address`` if it is one of theirs. To a user or a bare address otherwise.
    A repeated ``idempotency_key`` returns the rows already written and sends nothing new.
    """
    if to_contact is None and to_user is None and not to_address:
        raise ValueError("email_enqueue needs a contact, a user or an address")
    if agent is None and to_contact is not None:
        agent = to_contact.agent
    if to_contact is not None:
        recipients = [
            (e.address if e else (to_address or "").strip().lower(), e)
            for e in _contact_recipients(to_contact, to_address)
        ]
    else:
        address = (to_address or to_user.email).strip().lower()
        recipients = [(address, None)]

    if rendered is None:
        rendered = render_email(
            template=template,
            context=context or {},
            agent=agent,
            contact_id=to_contact.pk if to_contact is not None else None,
        )
    rows = []
    for address, contact_email in recipients:
        key = f"{idempotency_key}:{address or 'none'}"[:255]
        existing = OutboundEmail.objects.filter(idempotency_key=key).first()
        if existing is not None:
            rows.append(existing)
            continue
        reason = suppression_reason(
            kind=kind, address=address, contact=to_contact, contact_email=contact_email
        )
        if reason == Reason.ADDRESS_MALFORMED and contact_email is not None:
            # Show it to the agent in the Action Required banner, like a bounce.
            contact_email_mark_invalid(
                address=address,
                reason="Not a valid email address",
                contact=to_contact,
                via=ConsentEvent.Via.ADDRESS_CHECK,
            )
        row = OutboundEmail(
            kind=kind,
            agent=agent,
            to_contact=to_contact,
            to_user=to_user,
            to_address=address,
            template=template,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            headers=rendered.headers,
            idempotency_key=key,
            status=OutboundEmail.Status.SUPPRESSED if reason else OutboundEmail.Status.QUEUED,
            suppressed_reason=reason,
        )
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            # Another request wrote the same key first: that row is the email.
            rows.append(OutboundEmail.objects.get(idempotency_key=key))
            continue
        if not reason:
            transaction.on_commit(lambda pk=row.pk: dispatch_send(pk))
        rows.append(row)
    return rows


def dispatch_send(email_id: int) -> bool:
    """Hands the row to the broker. If the broker is down the row stays queued for the sweeper."""
    from .tasks import send_email

    # Marked before publishing, never after: an UPDATE after the publish can hold the row's lock
    # at the moment a fast worker claims it with SKIP LOCKED, and that worker would skip the row
    # (docs/reliability.md, the scale-out run: 1 email in 1,000 waited for the sweeper).
    queued = OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.QUEUED)
    queued.update(dispatched_at=timezone.now())
    try:
        send_email.delay(email_id)
    except BROKER_ERRORS:
        queued.update(dispatched_at=None)
        logger.warning("Broker unreachable; email %s waits for the outbox sweeper", email_id)
        return False
    return True


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _is_permanent(error: Exception) -> bool:
    from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused

    return isinstance(
        error, (AnymailRecipientsRefused, AnymailInvalidAddress, smtplib.SMTPRecipientsRefused)
    )


def email_send(*, email_id: int) -> str:
    """Sends one queued row, at most once. Returns what happened (for logs and tests).

    The row is claimed with SELECT … FOR UPDATE SKIP LOCKED inside the transaction that records
    the result, so two workers racing on one row send it once, and a worker that dies mid-send
    leaves the row queued for the sweeper.
    """
    with transaction.atomic():
        row = (
            OutboundEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("to_contact")
            .filter(pk=email_id, status=OutboundEmail.Status.QUEUED)
            .first()
        )
        if row is None:
            return "skipped"
        now = timezone.now()
        if row.next_attempt_at > now:
            return "not_due"
        # Consent is checked again at the door: the contact may have opted out since queueing.
        contact_email = None
        if row.to_contact_id:
            contact_email = ContactEmail.objects.filter(
                contact_id=row.to_contact_id, address=row.to_address
            ).first()
        reason = suppression_reason(
            kind=row.kind,
            address=row.to_address,
            contact=row.to_contact,
            contact_email=contact_email,
        )
        if reason:
            row.status, row.suppressed_reason = OutboundEmail.Status.SUPPRESSED, reason
            row.save(update_fields=["status", "suppressed_reason", "updated_at"])
            return "suppressed"

        message = EmailMultiAlternatives(
            subject=row.subject,
            body=row.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.to_address],
            headers={**row.headers, "X-Outbox-Id": str(row.pk)},
        )
        if row.body_html:
            message.attach_alternative(row.body_html, "text/html")
        row.attempts += 1
        try:
            message.send()
        except Exception as error:
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            if _is_permanent(error) or row.attempts >= MAX_ATTEMPTS:
                row.status = OutboundEmail.Status.FAILED
                outcome = "failed"
            else:
                row.next_attempt_at = now + _backoff(row.attempts)
                row.dispatched_at = None
                outcome = "retry"
            row.save()
            logger.warning("Email %s %s: %s", row.pk, outcome, row.last_error)
            return outcome
        anymail_status = getattr(message, "anymail_status", None)
        row.provider_message_id = (getattr(anymail_status, "message_id", None) or "")[:255]
        row.status, row.sent_at, row.last_error = OutboundEmail.Status.SENT, timezone.now(), ""
        row.save()
        return "sent"


def outbox_sweep(*, limit: int = 500) -> int:
    """Re-dispatches queued rows that are due and whose broker hand-off is missing or stale."""
    now = timezone.now()
    due = (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now)
        .exclude(dispatched_at__gt=now - STALE_DISPATCH)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for email_id in list(due):
        if not dispatch_send(email_id):
            break  # broker still down: try again on the next sweep
        count += 1
    return count


# --- Consent flows that also send email ----------------------------------------------------


@transaction.atomic
def consent_opt_out(
    *, contact: Contact, via: str, kind: str = ConsentEvent.Kind.OPTED_OUT, detail: str = ""
) -> bool:
    """Opts the contact out (status Inactive) and tells their agent, with a link to restore."""
    changed = contact_opt_out(contact=contact, via=via, kind=kind, detail=detail)
    if changed:
        agent = contact.agent
        agent_notify(
            agent=agent,
            kind="opted_out",
            contact=contact,
            text=f"{contact.full_name} unsubscribed from your emails"
            + (" (spam complaint)" if kind == ConsentEvent.Kind.COMPLAINED else ""),
            link=reverse("agent:contact_detail", args=[contact.pk]),
        )
        email_enqueue(
            kind=OutboundEmail.Kind.AGENT_NOTICE,
            template="agent_client_opted_out",
            context={
                "agent_name": agent.display_name,
                "contact_name": contact.full_name,
                "complained": kind == ConsentEvent.Kind.COMPLAINED,
                "contact_url": absolute_url(reverse("agent:contact_detail", args=[contact.pk])),
                "restore_url": absolute_url(reverse("agent:contact_restore", args=[contact.pk])),
            },
            idempotency_key=f"opted-out-notice:{contact.pk}:{contact.email_opted_out_at.isoformat()}",
            agent=agent,
            to_user=agent.user,
        )
    return changed


def consent_opt_in_from_link(*, contact: Contact) -> bool:
    return contact_opt_in(contact=contact, via=ConsentEvent.Via.OPT_IN_PAGE)


# --- Provider tracking events ----------------------------------------------------------------

HARD_FAILURE_EVENTS = {"bounced", "rejected"}
TRANSIENT_REJECT_REASONS = {"timed_out"}


def delivery_event_record(
    *,
    esp_name: str,
    event_id: str | None,
    event_type: str,
    recipient: str | None,
    message_id: str | None,
    reject_reason: str | None,
    description: str | None,
    occurred_at,
) -> DeliveryEvent | None:
    """Stores a webhook event once (replays are ignored) and processes it after commit."""
    recipient = (recipient or "").strip().lower()[:254]
    message_id = (message_id or "")[:255]
    key = (
        event_id
        or f"{message_id}:{event_type}:{recipient}:{occurred_at.isoformat() if occurred_at else ''}"
    )
    outbound = (
        OutboundEmail.objects.filter(provider_message_id=message_id).first() if message_id else None
    )
    with transaction.atomic():
        event, created = DeliveryEvent.objects.get_or_create(
            event_key=f"{esp_name}:{key}"[:255],
            defaults={
                "esp_name": esp_name,
                "event_type": event_type,
                "recipient": recipient,
                "provider_message_id": message_id,
                "reject_reason": reject_reason or "",
                "description": (description or "")[:2000],
                "outbound_email": outbound,
                "occurred_at": occurred_at,
            },
        )
        if not created:
            return None
        from .tasks import process_delivery_event

        transaction.on_commit(lambda: _dispatch_safely(process_delivery_event, event.pk))
    return event


def _dispatch_safely(task, *args) -> None:
    try:
        task.delay(*args)
    except BROKER_ERRORS:
        logger.warning("Broker unreachable; %s(%s) left for the sweeper", task.name, args)


@transaction.atomic
def delivery_event_process(*, event_id: int) -> str:
    event = DeliveryEvent.objects.select_for_update().filter(pk=event_id, processed_at=None).first()
    if event is None:
        return "done"
    outcome = "recorded"
    contact = event.outbound_email.to_contact if event.outbound_email_id else None
    if (
        event.event_type in HARD_FAILURE_EVENTS
        and event.reject_reason not in TRANSIENT_REJECT_REASONS
    ):
        reason = event.description or event.reject_reason or event.event_type
        contact_email_mark_invalid(
            address=event.recipient, reason=f"{event.event_type}: {reason}", contact=contact
        )
        outcome = "address_invalid"
    elif event.event_type == "delivered":
        contact_email_mark_delivered(address=event.recipient, contact=contact)
        outcome = "address_valid"
    elif event.event_type == "complained":
        contacts = (
            [contact]
            if contact
            else list(
                Contact.objects.filter(emails__address__iexact=event.recipient).select_related(
                    "agent"
                )
            )
        )
        for complaining in contacts:
            consent_opt_out(
                contact=complaining,
                via=ConsentEvent.Via.WEBHOOK,
                kind=ConsentEvent.Kind.COMPLAINED,
                detail=f"Spam complaint reported by {event.esp_name}",
            )
        outcome = "opted_out"
    event.processed_at = timezone.now()
    event.save(update_fields=["processed_at"])
    return outcome


def delivery_events_sweep() -> int:
    """Processes events whose task never ran (broker down when they arrived)."""
    from .tasks import process_delivery_event

    stale = DeliveryEvent.objects.filter(
        processed_at=None, received_at__lt=timezone.now() - timedelta(minutes=2)
    ).values_list("pk", flat=True)[:500]
    for event_id in list(stale):
        process_delivery_event.delay(event_id)
    return len(stale)


# --- Account emails --------------------------------------------------------------------------


def account_email_send(
    *, user: User, template: str, context: dict, key: str
) -> list[OutboundEmail]:
    agent = getattr(user, "agent", None) if user.role == User.Role.AGENT else None
    return email_enqueue(
        kind=OutboundEmail.Kind.ACCOUNT,
        template=template,
        context=context,
        idempotency_key=key,
        agent=agent,
        to_user=user,
    )


def agent_welcome_send(*, agent: Agent) -> list[OutboundEmail]:
    """Emails a new agent a link to choose their password (each call is a new email)."""
    return account_email_send(
        user=agent.user,
        template="agent_welcome",
        context={
            "agent_name": agent.display_name,
            "set_password_url": password_set_url(agent.user),
            "login_url": absolute_url(reverse("account_login")),
        },
        key=f"agent-welcome:{agent.user_id}:{timezone.now().isoformat()}",
    )


# --- The agent's notification centre ---------------------------------------------------------


def agent_notify(
    *, agent: Agent, kind: str, text: str, contact: Contact | None = None, link: str = ""
):
    """Records something a client did for the agent's bell (emails, if any, are the caller's)."""
    from .models import AgentNotification

    return AgentNotification.objects.create(
        agent=agent, contact=contact, kind=kind, text=text[:300], link=link[:500]
    )


def agent_notifications_mark_read(*, agent: Agent) -> int:
    from .models import AgentNotification

    return AgentNotification.objects.filter(agent=agent, read_at=None).update(
        read_at=timezone.now()
    )
