"""Writes for agents, contacts and portal accounts. Each runs in a transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from . import portal_version
from .columns import clean_columns
from .models import (
    Agent,
    AgentPreferences,
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactGroup,
    PortalLogin,
    User,
)


def password_set_url(user: User) -> str:
    """An absolute link to choose a password; valid until the password changes or they log in.

    Clients get the branded invitation page; agents and staff allauth's set-password page.
    """
    uid, key = user_pk_to_url_str(user), default_token_generator.make_token(user)
    if user.role == User.Role.CLIENT:
        path = reverse("portal:invitation_accept", kwargs={"uidb36": uid, "key": key})
    else:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key})
    return f"{settings.SITE_URL}{path}"


def invitation_user(*, uidb36: str, key: str) -> tuple[User | None, bool]:
    """The client an invitation link is for, and whether its token is still good."""
    from allauth.account.utils import url_str_to_user_pk

    try:
        pk = url_str_to_user_pk(uidb36)
        user = User.objects.filter(pk=pk, role=User.Role.CLIENT, is_active=True).first()
    except (ValueError, TypeError, OverflowError, ValidationError):
        user = None
    if user is None:
        return None, False
    return user, default_token_generator.check_token(user, key)


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> User:
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    return user


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


# --- Contact Management -----------------------------------------------------------------------

CONTACT_FIELDS = [
    "first_name",
    "last_name",
    "organization",
    "phone_mobile",
    "phone_home",
    "phone_work",
    "mailing_street",
    "mailing_city",
    "mailing_state",
    "mailing_postal_code",
    "reverse_prospecting",
    "notes",
]


@dataclass
class EmailEntry:
    address: str
    notify: bool = False


def _normalized_entries(emails: list[EmailEntry]) -> list[EmailEntry]:
    seen: set[str] = set()
    entries = []
    for entry in emails:
        address = (entry.address or "").strip().lower()
        if not address:
            continue
        if address in seen:
            raise ValidationError({"emails": f"{address} is listed twice."})
        seen.add(address)
        entries.append(EmailEntry(address=address, notify=entry.notify))
    return entries


def _emails_replace(contact: Contact, entries: list[EmailEntry]) -> None:
    """The contact's addresses become ``entries``: the first is primary and always notified.

    An address that stays keeps its validity (a known-bad address stays in Action Required).
    """
    existing = {email.address: email for email in contact.emails.all()}
    wanted = {entry.address for entry in entries}
    contact.emails.exclude(address__in=wanted).delete()
    # The one-primary constraint is checked per row: clear it before choosing the new one.
    contact.emails.filter(is_primary=True).update(is_primary=False)
    for position, entry in enumerate(entries):
        email = existing.get(entry.address) or ContactEmail(contact=contact, address=entry.address)
        email.is_primary = position == 0
        email.notify = True if position == 0 else entry.notify
        email.full_clean(exclude=["contact"], validate_constraints=False)
        email.save()


@transaction.atomic
def contact_save(
    *,
    agent: Agent,
    actor: User,
    fields: dict,
    emails: list[EmailEntry],
    groups: list[ContactGroup],
    status: str | None = None,
    contact: Contact | None = None,
) -> Contact:
    """Creates or edits a contact with its addresses and groups; status changes are audited."""
    entries = _normalized_entries(emails)
    if any(group.agent_id != agent.pk for group in groups):
        raise ValidationError({"groups": "Choose groups from your own list."})
    if contact is None:
        contact = Contact(agent=agent)
    elif contact.agent_id != agent.pk:
        raise ValidationError("This is not your contact.")
    for name in CONTACT_FIELDS:
        if name in fields:
            setattr(contact, name, fields[name])
    contact.full_clean(exclude=["status"])
    contact.save()
    _emails_replace(contact, entries)
    contact.groups.set(groups)
    if status and status != contact.status:
        contact_set_status(contact=contact, status=status, actor=actor, via=ConsentEvent.Via.AGENT)
    return contact


@transaction.atomic
def contact_quick_add(
    *, agent: Agent, actor: User, first_name: str, last_name: str, email: str
) -> Contact:
    entries = [EmailEntry(address=email)] if email else []
    return contact_save(
        agent=agent,
        actor=actor,
        fields={"first_name": first_name, "last_name": last_name},
        emails=entries,
        groups=[],
    )


def contact_delete_summary(contact: Contact) -> list[str]:
    """What deleting the contact removes, in words, for the confirmation page."""
    lines = [f"{contact.full_name}’s contact record and notes"]
    emails = contact.emails.count()
    if emails:
        lines.append(f"{emails} email address{'es' if emails != 1 else ''}")
    if contact.user_id:
        lines.append(f"their portal login ({contact.user.email}); they can no longer sign in")
    for relation, noun in [
        ("saved_searches", "saved search"),
        ("listing_reactions", "favorite / reaction"),
        ("listing_comments", "comment"),
        ("listing_views", "viewed-listing record"),
        ("consent_events", "consent history entry"),
    ]:
        count = getattr(contact, relation).count()
        if count:
            lines.append(f"{count} {noun}{'s' if count != 1 else ''}")
    return lines


@transaction.atomic
def contact_delete(*, contact: Contact) -> str:
    """Deletes the contact, what hangs off it and their portal login. Sent emails stay logged."""
    name = contact.full_name
    user = contact.user
    contact.delete()
    if user is not None and user.role == User.Role.CLIENT:
        user.delete()
    return name


# --- Groups ------------------------------------------------------------------------------------


def _group_name_taken(agent: Agent, name: str, exclude_pk: int | None = None) -> bool:
    groups = ContactGroup.objects.filter(agent=agent, name__iexact=name)
    if exclude_pk:
        groups = groups.exclude(pk=exclude_pk)
    return groups.exists()


@transaction.atomic
def group_create(*, agent: Agent, name: str) -> ContactGroup:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the group a name."})
    if _group_name_taken(agent, name):
        raise ValidationError({"name": f"You already have a group called “{name}”."})
    group = ContactGroup(agent=agent, name=name)
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def group_rename(*, group: ContactGroup, name: str) -> ContactGroup:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the group a name."})
    if _group_name_taken(group.agent, name, exclude_pk=group.pk):
        raise ValidationError({"name": f"You already have a group called “{name}”."})
    group.name = name
    group.full_clean()
    group.save(update_fields=["name"])
    return group


@transaction.atomic
def group_delete(*, group: ContactGroup) -> None:
    """Removes the group; its contacts stay, just without it."""
    group.delete()


@transaction.atomic
def contacts_group_add(*, contacts, group: ContactGroup) -> int:
    through = Contact.groups.through
    rows = [through(contact_id=c.pk, contactgroup_id=group.pk) for c in contacts]
    before = through.objects.filter(contactgroup=group).count()
    through.objects.bulk_create(rows, ignore_conflicts=True)
    return through.objects.filter(contactgroup=group).count() - before


@transaction.atomic
def contacts_group_remove(*, contacts, group: ContactGroup) -> int:
    through = Contact.groups.through
    deleted, _ = through.objects.filter(
        contactgroup=group, contact_id__in=[c.pk for c in contacts]
    ).delete()
    return deleted


@transaction.atomic
def contacts_set_status(*, contacts, status: str, actor: User) -> int:
    return sum(
        contact_set_status(contact=contact, status=status, actor=actor, via=ConsentEvent.Via.AGENT)
        for contact in contacts
    )


# --- Preferences -------------------------------------------------------------------------------


def _preferences_locked(agent: Agent) -> AgentPreferences:
    preferences, _ = AgentPreferences.objects.select_for_update().get_or_create(agent=agent)
    return preferences


@transaction.atomic
def preferences_update(*, agent: Agent, **fields) -> AgentPreferences:
    preferences = _preferences_locked(agent)
    for name, value in fields.items():
        setattr(preferences, name, value)
    if "contact_list_columns" in fields:
        preferences.contact_list_columns = clean_columns(fields["contact_list_columns"])
    preferences.full_clean()
    preferences.save()
    return preferences


# --- Portal accounts ---------------------------------------------------------------------------

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    # Unambiguous characters (no 0/O, 1/l/I): read aloud or copied from a printout.
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


@dataclass
class PortalAccountResult:
    contact: Contact
    username: str = ""
    password: str = ""
    skipped: str = ""


@transaction.atomic
def portal_accounts_create(*, contacts, with_password: bool) -> list[PortalAccountResult]:
    """A portal login for each contact without one, on their primary email.

    With a password: a temporary one the client must change at first login (returned here and
    nowhere stored in clear). Without: no usable password, the invitation link sets it.
    """
    results: list[PortalAccountResult] = []
    for contact in contacts:
        if contact.user_id:
            results.append(PortalAccountResult(contact, skipped="already has a portal account"))
            continue
        password = temporary_password() if with_password else None
        try:
            with transaction.atomic():
                user = client_account_create(contact=contact, password=password)
        except ValidationError as error:
            results.append(PortalAccountResult(contact, skipped=" ".join(error.messages)))
            continue
        if password:
            user.must_change_password = True
            user.save(update_fields=["must_change_password"])
        results.append(PortalAccountResult(contact, username=user.email, password=password or ""))
    return results


def password_changed(*, user: User) -> None:
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


def portal_login_record(*, user: User) -> None:
    contact = Contact.objects.filter(user=user).only("pk").first()
    if contact is not None:
        PortalLogin.objects.create(contact=contact)


# --- Import ------------------------------------------------------------------------------------

PREVIEW_SAMPLE = 50
MERGE_FIELDS = [name for name in CONTACT_FIELDS if name != "reverse_prospecting"]


@dataclass
class ImportPlan:
    creates: list  # ParsedRow, with rows merged into it from later lines of the same file
    merges: dict  # existing contact id → list of ParsedRow
    errors: list  # ParsedRow with errors
    duplicates_in_file: int = 0

    @property
    def merge_count(self) -> int:
        return sum(len(rows) for rows in self.merges.values()) + self.duplicates_in_file


def _fill_blanks(target, row) -> None:
    for name in MERGE_FIELDS:
        if not getattr(target, name) and getattr(row, name):
            setattr(target, name, getattr(row, name))


def import_plan(*, agent: Agent, rows) -> ImportPlan:
    """Which rows create a contact, which merge into one (same email, or same name when there is
    no email) and which are refused. Two rows of the same person in one file become one."""
    by_email: dict[str, int] = {}
    for address, contact_id in ContactEmail.objects.filter(contact__agent=agent).values_list(
        "address", "contact_id"
    ):
        by_email.setdefault(address.lower(), contact_id)
    by_name: dict[tuple[str, str], int] = {}
    for first, last, contact_id in Contact.objects.filter(agent=agent).values_list(
        "first_name", "last_name", "id"
    ):
        by_name.setdefault((first.lower(), last.lower()), contact_id)
    plan = ImportPlan(creates=[], merges={}, errors=[])
    pending_by_email: dict[str, object] = {}
    pending_by_name: dict[tuple[str, str], object] = {}
    for row in rows:
        if row.errors:
            plan.errors.append(row)
            continue
        name_key = (row.first_name.lower(), row.last_name.lower())
        existing = next((by_email[e] for e in row.emails if e in by_email), None)
        if existing is None and not row.emails:
            existing = by_name.get(name_key)
        if existing is not None:
            plan.merges.setdefault(existing, []).append(row)
            continue
        pending = next((pending_by_email[e] for e in row.emails if e in pending_by_email), None)
        if pending is None and not row.emails:
            pending = pending_by_name.get(name_key)
        if pending is not None:
            _fill_blanks(pending, row)
            pending.emails += [e for e in row.emails if e not in pending.emails]
            pending.groups += [g for g in row.groups if g not in pending.groups]
            plan.duplicates_in_file += 1
        else:
            pending = row
            plan.creates.append(row)
        for address in row.emails:
            pending_by_email.setdefault(address, pending)
        pending_by_name.setdefault(name_key, pending)
    return plan


def _row_brief(row) -> dict:
    return {
        "line": row.number,
        "name": row.display_name[:120],
        "email": (row.emails or [""])[0][:120],
        "errors": row.errors[:3],
    }


def import_preview(*, agent: Agent, book) -> dict:
    plan = import_plan(agent=agent, rows=book.rows)
    merged_rows = [row for rows in plan.merges.values() for row in rows]
    return {
        "format": book.format,
        "total": len(book.rows),
        "creates": len(plan.creates),
        "merges": plan.merge_count,
        "errors": len(plan.errors),
        "create_sample": [_row_brief(r) for r in plan.creates[:PREVIEW_SAMPLE]],
        "merge_sample": [_row_brief(r) for r in merged_rows[:PREVIEW_SAMPLE]],
        "error_sample": [_row_brief(r) for r in plan.errors[:200]],
        "mapping": [list(pair) for pair in book.mapping],
    }


@transaction.atomic
def contact_import_upload(*, agent: Agent, upload, delimiter: str):
    """Keeps the uploaded file (for confirm) and records its preview. Nothing else is written.

    Raises ImportFileError when the file is not an address book: then nothing is kept.
    """
    from .importing import parse_address_book
    from .models import ContactImport

    _stale_previews_remove(agent=agent)
    data = upload.read()
    book = parse_address_book(data, delimiter=None if delimiter == "auto" else delimiter)
    contact_import = ContactImport(
        agent=agent,
        original_name=(getattr(upload, "name", "") or "")[:255],
        delimiter=delimiter,
        detected_format=book.format,
        status=ContactImport.Status.PREVIEWED,
        total_rows=len(book.rows),
        summary=import_preview(agent=agent, book=book),
    )
    from django.core.files.base import ContentFile

    contact_import.file.save("upload", ContentFile(data), save=False)
    contact_import.save()
    return contact_import


def _stale_previews_remove(*, agent: Agent) -> None:
    """Uploads previewed but never confirmed are dropped after a day (files and rows)."""
    from datetime import timedelta

    from .models import ContactImport

    stale = ContactImport.objects.filter(
        agent=agent,
        status=ContactImport.Status.PREVIEWED,
        created_at__lt=timezone.now() - timedelta(days=1),
    )
    for contact_import in stale:
        contact_import.file.delete(save=False)
        contact_import.delete()


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def contacts_import_rows(*, agent: Agent, rows, progress=None) -> tuple[int, int]:
    """Writes the valid rows (the caller holds the transaction). Returns (created, merged)."""
    plan = import_plan(agent=agent, rows=rows)
    done = 0
    group_names = {g for row in plan.creates for g in row.groups} | {
        g for rows_ in plan.merges.values() for row in rows_ for g in row.groups
    }
    groups = {g.name.lower(): g for g in ContactGroup.objects.filter(agent=agent)}
    for name in sorted(group_names):
        if name.lower() not in groups:
            groups[name.lower()] = ContactGroup.objects.create(agent=agent, name=name)
    through = Contact.groups.through
    for batch in _chunks(plan.creates, 1000):
        contacts = [
            Contact(
                agent=agent,
                status=row.status or Contact.Status.ACTIVE,
                reverse_prospecting=row.reverse_prospecting,
                **{name: getattr(row, name) for name in MERGE_FIELDS},
            )
            for row in batch
        ]
        Contact.objects.bulk_create(contacts)
        ContactEmail.objects.bulk_create(
            [
                ContactEmail(contact=contact, address=address, is_primary=i == 0, notify=i == 0)
                for contact, row in zip(contacts, batch, strict=True)
                for i, address in enumerate(row.emails)
            ]
        )
        through.objects.bulk_create(
            [
                through(contact_id=contact.pk, contactgroup_id=groups[g.lower()].pk)
                for contact, row in zip(contacts, batch, strict=True)
                for g in row.groups
            ],
            ignore_conflicts=True,
        )
        done += len(batch)
        if progress:
            progress(done)
    merge_ids = list(plan.merges)
    for id_batch in _chunks(merge_ids, 1000):
        contacts = Contact.objects.in_bulk(id_batch)
        addresses: dict[int, set[str]] = {}
        primaries: set[int] = set()
        for contact_id, address, is_primary in ContactEmail.objects.filter(
            contact_id__in=id_batch
        ).values_list("contact_id", "address", "is_primary"):
            addresses.setdefault(contact_id, set()).add(address.lower())
            if is_primary:
                primaries.add(contact_id)
        new_emails, new_links = [], []
        for contact_id in id_batch:
            contact = contacts[contact_id]
            for row in plan.merges[contact_id]:
                _fill_blanks(contact, row)
                for address in row.emails:
                    if address in addresses.setdefault(contact_id, set()):
                        continue
                    addresses[contact_id].add(address)
                    first = contact_id not in primaries
                    primaries.add(contact_id)
                    new_emails.append(
                        ContactEmail(
                            contact=contact, address=address, is_primary=first, notify=first
                        )
                    )
                new_links += [
                    through(contact_id=contact_id, contactgroup_id=groups[g.lower()].pk)
                    for g in row.groups
                ]
        Contact.objects.bulk_update(list(contacts.values()), MERGE_FIELDS)
        ContactEmail.objects.bulk_create(new_emails)
        through.objects.bulk_create(new_links, ignore_conflicts=True)
        done += sum(len(plan.merges[i]) for i in id_batch)
        if progress:
            progress(done)
    return len(plan.creates), plan.merge_count


def contact_import_run(*, import_id: int) -> str:
    """Imports a previewed file in one transaction. Idempotent: a claimed import is skipped."""
    from django.core.cache import cache

    from .importing import ImportFileError, parse_address_book
    from .models import ContactImport

    claimed = ContactImport.objects.filter(
        pk=import_id, status__in=[ContactImport.Status.PREVIEWED, ContactImport.Status.QUEUED]
    ).update(status=ContactImport.Status.RUNNING)
    if not claimed:
        return "skipped"
    contact_import = ContactImport.objects.select_related("agent").get(pk=import_id)
    progress_key = f"contact-import-progress:{contact_import.pk}"

    def progress(done: int) -> None:
        # The rows are written in one transaction, invisible to other connections until the
        # end: progress goes through the cache so the page can show it meanwhile.
        cache.set(progress_key, done, 3600)

    try:
        with contact_import.file.open("rb") as handle:
            data = handle.read()
        delimiter = None if contact_import.delimiter == "auto" else contact_import.delimiter
        book = parse_address_book(data, delimiter=delimiter)
        with transaction.atomic():
            created, merged = contacts_import_rows(
                agent=contact_import.agent, rows=book.rows, progress=progress
            )
    except (ImportFileError, OSError, ValidationError) as error:
        ContactImport.objects.filter(pk=import_id).update(
            status=ContactImport.Status.FAILED,
            failure=str(error)[:500],
            finished_at=timezone.now(),
        )
        return "failed"
    ContactImport.objects.filter(pk=import_id).update(
        status=ContactImport.Status.DONE,
        processed_rows=len(book.rows),
        created_count=created,
        merged_count=merged,
        error_count=sum(1 for row in book.rows if row.errors),
        finished_at=timezone.now(),
    )
    contact_import.file.delete(save=False)
    ContactImport.objects.filter(pk=import_id).update(file="")
    cache.delete(progress_key)
    return "done"


def contact_import_progress(contact_import) -> int:
    from django.core.cache import cache

    if contact_import.status == contact_import.Status.RUNNING:
        return int(cache.get(f"contact-import-progress:{contact_import.pk}") or 0)
    return contact_import.processed_rows


def portal_versions_prune() -> int:
    """Drops the superseded rows of ``PortalVersion`` (all but each client's latest), which
    the triggers add on every write to a client's feed, messages, reactions and comments. A
    client's version is their largest row, so this never changes one. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(portal_version.PRUNE)
        return cursor.rowcount
