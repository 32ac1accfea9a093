"""Writes for agents, contacts and portal accounts. Each runs in a transaction."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Agent, ConsentEvent, Contact, ContactEmail, User


def password_set_url(user: User) -> str:
    """An absolute link to allauth's set-password page; valid until the password changes."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def agent_create(
    *, email: str, display_name: str, password: str | None = None, **profile_fields
) -> Agent:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("too long")
    except ValidationError as exc:
        raise ValidationError({"email": f"“{email}” is not a valid email address."}) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"There is already an account for {email}."})
    first, _, last = display_name.partition(" ")
    user = User.objects.create_user(
        email=email, password=password, role=User.Role.AGENT, first_name=first, last_name=last
    )
    agent = Agent(user=user, display_name=display_name, **profile_fields)
    agent.full_clean()
    agent.save()
    return agent


@transaction.atomic
def contact_create(
    *, agent: Agent, first_name: str, last_name: str = "", emails: list[str] | None = None, **fields
) -> Contact:
    groups = fields.pop("groups", None)
    contact = Contact(agent=agent, first_name=first_name, last_name=last_name, **fields)
    contact.full_clean()
    contact.save()
    for position, address in enumerate(emails or []):
        ContactEmail.objects.create(
            contact=contact, address=address, is_primary=position == 0, notify=position == 0
        )
    if groups:
        contact.groups.set(groups)
    return contact


@transaction.atomic
def client_account_create(*, contact: Contact, password: str | None = None) -> User:
    """Gives a contact a portal login on their primary email (no password: they set one)."""
    if contact.user_id:
        return contact.user
    primary = contact.emails.filter(is_primary=True).first()
    if primary is None:
        raise ValidationError("This contact needs an email address before they can have a portal.")
    if User.objects.filter(email__iexact=primary.address).exists():
        raise ValidationError(f"{primary.address} already has an account.")
    user = User.objects.create_user(
        email=primary.address,
        password=password,
        role=User.Role.CLIENT,
        first_name=contact.first_name,
        last_name=contact.last_name,
    )
    contact.user = user
    contact.save(update_fields=["user", "updated_at"])
    return user


# --- Consent: the only writers of a contact's opt-out state and status -----------------------


def _lock_contact(contact: Contact) -> Contact:
    return Contact.objects.select_for_update().get(pk=contact.pk)


@transaction.atomic
def contact_opt_out(
    *,
    contact: Contact,
    via: str,
    actor: User | None = None,
    kind: str = ConsentEvent.Kind.OPTED_OUT,
    detail: str = "",
) -> bool:
    """Stops all email to the contact and makes them Inactive. False if already opted out."""
    locked = _lock_contact(contact)
    if locked.email_opted_out_at is not None:
        return False
    previous_status = locked.get_status_display()
    locked.email_opted_out_at = timezone.now()
    locked.status = Contact.Status.INACTIVE
    locked.save(update_fields=["email_opted_out_at", "status", "updated_at"])
    ConsentEvent.objects.create(contact=locked, kind=kind, via=via, actor=actor, detail=detail)
    if previous_status != Contact.Status.INACTIVE.label:
        ConsentEvent.objects.create(
            contact=locked,
            kind=ConsentEvent.Kind.STATUS_CHANGED,
            via=via,
            actor=actor,
            detail=f"{previous_status} → Inactive (automatic on opt-out)",
        )
    contact.email_opted_out_at, contact.status = locked.email_opted_out_at, locked.status
    return True


@transaction.atomic
def contact_opt_in(
    *, contact: Contact, via: str, actor: User | None = None, kind: str = ConsentEvent.Kind.OPTED_IN
) -> bool:
    """Clears the opt-out. The status stays Inactive until the agent sets it: the help page's rule."""
    locked = _lock_contact(contact)
    if locked.email_opted_out_at is None:
        return False
    locked.email_opted_out_at = None
    locked.save(update_fields=["email_opted_out_at", "updated_at"])
    ConsentEvent.objects.create(contact=locked, kind=kind, via=via, actor=actor)
    contact.email_opted_out_at = None
    return True


def contact_restore(*, contact: Contact, actor: User) -> bool:
    """The agent opts their client back in ("Click here to restore")."""
    return contact_opt_in(
        contact=contact, via=ConsentEvent.Via.AGENT, actor=actor, kind=ConsentEvent.Kind.RESTORED
    )


@transaction.atomic
def contact_set_status(*, contact: Contact, status: str, actor: User | None, via: str) -> bool:
    if status not in Contact.Status.values:
        raise ValidationError({"status": "Choose a status from the list."})
    locked = _lock_contact(contact)
    if locked.status == status:
        return False
    detail = f"{locked.get_status_display()} → {Contact.Status(status).label}"
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    ConsentEvent.objects.create(
        contact=locked, kind=ConsentEvent.Kind.STATUS_CHANGED, via=via, actor=actor, detail=detail
    )
    contact.status = status
    return True


@transaction.atomic
def contact_email_mark_invalid(
    *,
    address: str,
    reason: str,
    contact: Contact | None = None,
    via: str = ConsentEvent.Via.WEBHOOK,
) -> int:
    """Marks an address invalid (a bounce, a rejection, a failed check). Returns how many changed."""
    emails = ContactEmail.objects.filter(address__iexact=address.strip())
    if contact is not None:
        emails = emails.filter(contact=contact)
    changed = 0
    for email in emails.select_for_update().exclude(validity=ContactEmail.Validity.INVALID):
        email.validity = ContactEmail.Validity.INVALID
        email.invalid_reason = reason[:255]
        email.save(update_fields=["validity", "invalid_reason"])
        ConsentEvent.objects.create(
            contact_id=email.contact_id,
            kind=ConsentEvent.Kind.ADDRESS_INVALID,
            via=via,
            detail=f"{email.address}: {reason}"[:255],
        )
        changed += 1
    return changed


def contact_email_mark_delivered(*, address: str, contact: Contact | None = None) -> int:
    """A delivery the provider confirmed proves an unchecked address works."""
    emails = ContactEmail.objects.filter(
        address__iexact=address.strip(), validity=ContactEmail.Validity.UNKNOWN
    )
    if contact is not None:
        emails = emails.filter(contact=contact)
    return emails.update(validity=ContactEmail.Validity.VALID)


@transaction.atomic
def contact_email_update(*, contact_email: ContactEmail, address: str) -> ContactEmail:
    """A corrected address is unchecked again, so it may receive email."""
    contact_email.address = address
    contact_email.validity = ContactEmail.Validity.UNKNOWN
    contact_email.invalid_reason = ""
    contact_email.full_clean(exclude=["contact"])
    contact_email.save()
    return contact_email


@transaction.atomic
def contact_email_remove(*, contact_email: ContactEmail) -> None:
    if contact_email.is_primary:
        raise ValidationError("The primary address can be corrected but not removed.")
    contact_email.delete()
