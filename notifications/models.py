"""The email outbox: every email the product sends is a row here first."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"

    class Kind(models.TextChoices):
        ACCOUNT = "account", "Account (password, welcome)"
        INVITATION = "invitation", "Portal invitation"
        ALERT = "alert", "Saved-search alert"
        SHARE = "share", "Something the agent sent"
        MESSAGE = "message", "Message"
        AGENT_NOTICE = "agent_notice", "Notice to the agent"

    class SuppressedReason(models.TextChoices):
        CONTACT_INACTIVE = "contact_inactive", "Contact is Inactive"
        OPTED_OUT = "opted_out", "Contact opted out"
        ADDRESS_INVALID = "address_invalid", "Address is marked invalid"
        ADDRESS_MALFORMED = "address_malformed", "Address is not a valid email address"
        NO_ADDRESS = "no_address", "Contact has no email address"
        NOT_NOTIFY = "not_notify", "Secondary address without Notify"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    agent = models.ForeignKey(
        "clients.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbound_emails",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_address = models.CharField(max_length=254, blank=True)
    template = models.CharField(max_length=100)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    suppressed_reason = models.CharField(
        max_length=20, choices=SuppressedReason.choices, blank=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the row may next be tried (backoff after a provider error is kept here, not in an ETA).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Last hand-off to the broker; the sweeper re-dispatches rows whose hand-off is stale.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="outbox_queued_due_idx",
            ),
            models.Index(fields=["to_contact", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_address or '—'} ({self.status})"


class DeliveryEvent(models.Model):
    """A provider's tracking event (delivered, bounced, complained…), applied once."""

    event_key = models.CharField(max_length=255, unique=True)
    esp_name = models.CharField(max_length=50)
    event_type = models.CharField(max_length=30)
    recipient = models.CharField(max_length=254, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    reject_reason = models.CharField(max_length=30, blank=True)
    description = models.TextField(blank=True)
    outbound_email = models.ForeignKey(
        OutboundEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.esp_name} {self.event_type} {self.recipient}"


class AgentNotification(models.Model):
    """One entry in the agent's notification centre (the bell): something a client did."""

    class Kind(models.TextChoices):
        FAVORITED = "favorited", "Favorited a listing"
        COMMENTED = "commented", "Commented on a listing"
        SAVED_SEARCH = "saved_search", "Saved a search"
        MESSAGE = "message", "Sent a message"
        INVITATION_ACCEPTED = "invitation_accepted", "Accepted the portal invitation"
        INVITATION_REQUESTED = "invitation_requested", "Asked for a new invitation"
        OPTED_OUT = "opted_out", "Unsubscribed from email"
        ALERTS_OFF = "alerts_off", "Switched off alerts for a search"
        SEARCH_SLOWED = "search_slowed", "Alerts slowed to a weekly digest"
        SEARCH_ASKED = "search_asked", "Client asked whether to keep sending alerts"
        SEARCH_PAUSED = "search_paused", "Alerts paused after no reply"
        SEARCH_STALE = "search_stale", "Search without matches for 90 days"
        SEARCH_BROAD = "search_broad", "Search matching more than 500 homes"
        MATCHES_TO_SCREEN = "matches_to_screen", "Matches waiting for your review"

    agent = models.ForeignKey(
        "clients.Agent", on_delete=models.CASCADE, related_name="notifications"
    )
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agent", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.text
