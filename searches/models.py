"""Searches: saved ones (the alerts issue adds frequency, change types and matching) and the
searches a client ran (Previous Searches)."""

from django.conf import settings
from django.db import models


class SavedSearch(models.Model):
    class Kind(models.TextChoices):
        SAVED = "saved", "Saved (run on demand)"
        AUTOMATIC = "automatic", "Automatic (emails new matches)"

    agent = models.ForeignKey("clients.Agent", on_delete=models.CASCADE, related_name="searches")
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_searches",
    )
    name = models.CharField(max_length=150)
    # The Search Listings form's cleaned values, as its query string would carry them.
    criteria = models.JSONField(default=dict)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SAVED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_paused = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent", "contact"])]

    def __str__(self) -> str:
        return self.name


class PreviousSearch(models.Model):
    """One run of Search Listings by a client (their Previous Searches)."""

    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="previous_searches"
    )
    criteria = models.JSONField(default=dict)
    query_string = models.CharField(max_length=2000)
    result_count = models.PositiveIntegerField(null=True)
    run_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-run_at"]
        indexes = [models.Index(fields=["contact", "-run_at"])]

    def __str__(self) -> str:
        return self.query_string or "All listings"
