"""People: users and their roles, agents with their branding, contacts and their emails and groups."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .validators import hex_color_validator, validate_image_upload


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=User.Role.STAFF)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in. The role says which face of the product they see."""

    class Role(models.TextChoices):
        AGENT = "agent", "Agent"
        CLIENT = "client", "Client"
        STAFF = "staff", "MLS staff"

    email = models.EmailField("email address", max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("MLS staff (admin access)", default=False)
    # Set when the agent hands out a temporary password; cleared by the first password change.
    must_change_password = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_agent(self) -> bool:
        return self.role == self.Role.AGENT

    @property
    def is_client(self) -> bool:
        return self.role == self.Role.CLIENT


def agent_upload_path(instance: Agent, filename: str) -> str:
    return f"agents/{instance.user_id}/{filename}"


class Agent(models.Model):
    """An agent's profile and the branding their clients' portals and emails carry."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    display_name = models.CharField("name", max_length=150)
    title = models.CharField(
        max_length=150, blank=True, help_text="e.g. REALTOR®, Broker Associate"
    )
    brokerage_name = models.CharField("brokerage / office", max_length=200, blank=True)
    office_street = models.CharField("street address", max_length=200, blank=True)
    office_city = models.CharField("city", max_length=100, blank=True)
    office_state = models.CharField("state", max_length=50, blank=True)
    office_postal_code = models.CharField("ZIP code", max_length=20, blank=True)
    phone_mobile = models.CharField("mobile phone", max_length=40, blank=True)
    phone_office = models.CharField("office phone", max_length=40, blank=True)
    public_email = models.EmailField(
        "contact email", blank=True, help_text="Shown to clients; your login email if left blank."
    )
    website = models.URLField(blank=True)
    photo = models.ImageField(
        upload_to=agent_upload_path, blank=True, validators=[validate_image_upload]
    )
    logo = models.ImageField(
        upload_to=agent_upload_path, blank=True, validators=[validate_image_upload]
    )
    bio = models.TextField("short bio", max_length=1000, blank=True)
    brand_color = models.CharField(
        "brand colour", max_length=7, default="#1f5fa8", validators=[hex_color_validator]
    )
    time_zone = models.CharField(max_length=64, default="America/New_York")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def contact_email(self) -> str:
        return self.public_email or self.user.email

    @property
    def office_address_lines(self) -> list[str]:
        locality = " ".join(
            part
            for part in [
                f"{self.office_city}," if self.office_city else "",
                self.office_state,
                self.office_postal_code,
            ]
            if part
        ).strip(", ")
        return [line for line in [self.brokerage_name, self.office_street, locality] if line]

    @property
    def brand_text_color(self) -> str:
        """Black or white text on the brand colour, whichever keeps contrast readable."""
        return readable_text_color(self.brand_color)


def _relative_luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def readable_text_color(hex_color: str) -> str:
    try:
        luminance = _relative_luminance(hex_color)
    except (ValueError, TypeError, IndexError):
        return "#ffffff"
    contrast_white = 1.05 / (luminance + 0.05)
    contrast_black = (luminance + 0.05) / 0.05
    return "#ffffff" if contrast_white >= contrast_black else "#111827"


class ContactGroup(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="contact_groups")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "agent", Lower("name"), name="contactgroup_agent_name_ci_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person an agent works with; a client when they also have a portal account."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PROSPECT = "prospect", "Prospect"
        UNDER_CONTRACT = "under_contract", "Under contract"
        PAST_CLIENT = "past_client", "Past client"
        # Inactive contacts receive no email at all (set automatically on opt-out).
        INACTIVE = "inactive", "Inactive"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="contacts")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_contact",
        help_text="The client's portal account, if they have one.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    organization = models.CharField(max_length=200, blank=True)
    phone_mobile = models.CharField("mobile phone", max_length=40, blank=True)
    phone_home = models.CharField("home phone", max_length=40, blank=True)
    phone_work = models.CharField("work phone", max_length=40, blank=True)
    mailing_street = models.CharField("street address", max_length=200, blank=True)
    mailing_city = models.CharField("city", max_length=100, blank=True)
    mailing_state = models.CharField("state", max_length=50, blank=True)
    mailing_postal_code = models.CharField("ZIP code", max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    reverse_prospecting = models.BooleanField(
        default=False,
        help_text="Use this contact's searches in reverse prospecting (only you are revealed).",
    )
    # Set when the contact unsubscribes; cleared when they (or the agent) opt back in.
    email_opted_out_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=10_000)
    groups = models.ManyToManyField(ContactGroup, blank=True, related_name="contacts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["agent", "last_name", "first_name"]),
            models.Index(fields=["agent", "status"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_opted_out(self) -> bool:
        return self.email_opted_out_at is not None

    @property
    def has_portal_account(self) -> bool:
        return self.user_id is not None


class ContactEmail(models.Model):
    class Validity(models.TextChoices):
        UNKNOWN = "unknown", "Not checked"
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(max_length=254)
    # The primary address receives subscription notifications; others only when notify is on.
    is_primary = models.BooleanField(default=False)
    notify = models.BooleanField(default=False)
    validity = models.CharField(max_length=10, choices=Validity.choices, default=Validity.UNKNOWN)
    invalid_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                "contact", Lower("address"), name="contactemail_contact_address_ci_unique"
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(is_primary=True),
                name="contactemail_one_primary_per_contact",
            ),
        ]
        indexes = [models.Index(Lower("address"), name="contactemail_address_ci_idx")]

    def __str__(self) -> str:
        return self.address

    def save(self, *args, **kwargs):
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)


class ConsentEvent(models.Model):
    """Audit log of every change to whether a contact may be emailed: who, when, how."""

    class Kind(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out"
        OPTED_IN = "opted_in", "Opted back in"
        RESTORED = "restored", "Restored by agent"
        COMPLAINED = "complained", "Marked an email as spam"
        STATUS_CHANGED = "status_changed", "Status changed"
        ADDRESS_INVALID = "address_invalid", "Address marked invalid"

    class Via(models.TextChoices):
        EMAIL_LINK = "email_link", "Unsubscribe page"
        ONE_CLICK = "one_click", "One-click unsubscribe"
        OPT_IN_PAGE = "opt_in_page", "Opt-in page"
        AGENT = "agent", "Agent"
        WEBHOOK = "webhook", "Email provider"
        ADDRESS_CHECK = "address_check", "Address check"
        ADMIN = "admin", "MLS staff"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    via = models.CharField(max_length=20, choices=Via.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} via {self.get_via_display()}"


class AgentPreferences(models.Model):
    """An agent's choices about their back office and their clients' portals."""

    class CardField(models.TextChoices):
        PHOTO = "photo", "Photo"
        TITLE = "title", "Title"
        BROKERAGE = "brokerage", "Brokerage / office"
        OFFICE_ADDRESS = "office_address", "Office address"
        PHONE_MOBILE = "phone_mobile", "Mobile phone"
        PHONE_OFFICE = "phone_office", "Office phone"
        EMAIL = "email", "Contact email"
        WEBSITE = "website", "Website"
        BIO = "bio", "Short bio"

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="preferences")
    # Column keys of clients.columns.COLUMNS, in the order the agent chose.
    contact_list_columns = models.JSONField(default=list, blank=True)
    quick_add_collapsed = models.BooleanField(default=False)
    invitation_message = models.TextField(
        "default invitation message",
        max_length=2000,
        blank=True,
        help_text="Sent with every portal invitation. Your login link is added below it.",
    )
    portal_card_fields = models.JSONField(default=list, blank=True)
    notify_on_favorite = models.BooleanField("a client favorites a listing", default=True)
    notify_on_comment = models.BooleanField("a client comments on a listing", default=True)
    notify_on_saved_search = models.BooleanField("a client saves a search", default=True)
    notify_on_message = models.BooleanField("a client sends you a message", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "agent preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.agent}"


class PrivateUploadStorage(FileSystemStorage):
    """Uploads only the app reads back (address books): beside MEDIA_ROOT, never served."""

    @property
    def base_location(self):
        return str(Path(settings.MEDIA_ROOT).parent / "private-uploads")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def private_upload_storage() -> PrivateUploadStorage:
    return PrivateUploadStorage()


def contact_import_path(instance: ContactImport, filename: str) -> str:
    # Never the uploaded name: it is the agent's, kept only for display.
    return f"contact-imports/{instance.agent_id}/{instance.token}.upload"


class ContactImport(models.Model):
    """An uploaded address book, kept server-side between preview and confirm."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PREVIEWED = "previewed", "Ready to import"
        QUEUED = "queued", "Waiting to import"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    class Delimiter(models.TextChoices):
        AUTO = "auto", "Detect automatically"
        COMMA = ",", "Comma ( , )"
        SEMICOLON = ";", "Semicolon ( ; )"
        TAB = "\t", "Tab"
        PIPE = "|", "Pipe ( | )"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="contact_imports")
    file = models.FileField(
        upload_to=contact_import_path, storage=private_upload_storage, max_length=300
    )
    original_name = models.CharField(max_length=255, blank=True)
    delimiter = models.CharField(max_length=4, choices=Delimiter.choices, default=Delimiter.AUTO)
    detected_format = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    merged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The preview: counts and the first rows of each kind, never the whole file.
    summary = models.JSONField(default=dict, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class PortalLogin(models.Model):
    """One sign-in of a client to their portal (Contact Summary: logins per period)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="portal_logins")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["contact", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.contact_id} signed in {self.created_at:%Y-%m-%d %H:%M}"


class PortalVersion(models.Model):
    """A version of what a client's portal pages show of their own (feed, messages, reactions,
    comments), moved by PostgreSQL on every write to those tables (``clients.portal_version``),
    never by the application: the key of the client's cached pages (``listings.page_cache``).

    Append-only: each write adds a row with the next value of a sequence and the client's
    version is the largest. Writers never update a shared row, so they never wait for each
    other or deadlock; ``portal_versions_prune`` drops the superseded rows. No foreign-key
    constraint: a contact's rows are deleted before the contact, and those deletes write here."""

    version = models.BigIntegerField(primary_key=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["contact", "-version"], name="portal_version_latest")]

    def __str__(self) -> str:
        return f"Portal of contact {self.contact_id} at version {self.version}"


class UserSession(AbstractBaseSession):
    """Django's database session, plus the id of the user it logs in, copied from the session's
    own (signed) data when it is saved. With it, the read every logged-in request makes fetches
    the session, its user and a client's portal state in one statement (``clients.sessions``).
    The column is a hint for that read, never a credential: who is logged in is what the
    session data says, checked as Django checks it."""

    user_id = models.BigIntegerField(null=True, blank=True)

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore  # noqa: PLC0415 — the store imports this model

        return SessionStore
