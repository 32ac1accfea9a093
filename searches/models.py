"""Searches: saved ones (the alerts issue adds frequency, change types and matching) and the
searches a client ran (Previous Searches)."""

from django.conf import settings
from django.db import connection, models


class ChangeType(models.IntegerChoices):
    """Which listing changes an automatic search alerts on: bits of ``SavedSearch.change_types``,
    so the matcher tests ``change_types & bit`` in SQL."""

    NEW = 1, "New listing"
    PRICE_DECREASE = 2, "Price decrease"
    PRICE_INCREASE = 4, "Price increase"
    BACK_ON_MARKET = 8, "Back on market"
    PENDING = 16, "Pending / under contract"
    SOLD = 32, "Sold / closed"


DEFAULT_CHANGE_TYPES = ChangeType.NEW | ChangeType.PRICE_DECREASE | ChangeType.BACK_ON_MARKET
ALL_CHANGE_TYPES = sum(ChangeType.values)


class SavedSearch(models.Model):
    class Kind(models.TextChoices):
        SAVED = "saved", "Saved (run on demand)"
        AUTOMATIC = "automatic", "Automatic (emails new matches)"

    class Frequency(models.TextChoices):
        ASAP = "asap", "As soon as possible"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    class FirstSend(models.TextChoices):
        ALL = "all", "All current matches, then new ones"
        NEW_ONLY = "new_only", "Only new matches from now on"

    class PausedBy(models.TextChoices):
        NONE = "", "Not paused"
        AGENT = "agent", "The agent"
        CLIENT = "client", "The client"
        SYSTEM = "system", "Paused after no reply"

    class AreaKind(models.TextChoices):
        CITY = "city", "City"
        ZIP = "zip", "ZIP code"
        BOX = "box", "Map area"
        ANY = "any", "Anywhere"

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
    paused_by = models.CharField(max_length=8, choices=PausedBy.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # --- Alerts (automatic searches) ---
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    send_hour = models.PositiveSmallIntegerField(default=8)  # 0–23, in time_zone
    send_weekday = models.PositiveSmallIntegerField(default=0)  # Monday = 0, for weekly
    time_zone = models.CharField(max_length=64, blank=True)  # blank: the agent's
    change_types = models.PositiveIntegerField(default=DEFAULT_CHANGE_TYPES)
    first_send = models.CharField(max_length=8, choices=FirstSend.choices, default=FirstSend.ALL)
    requires_screening = models.BooleanField(
        default=False,
        help_text="Matches wait for the agent's approval before the client sees them.",
    )
    # The client switched off alerts of a search the agent made (it stays, silently).
    client_alerts_off = models.BooleanField(default=False)

    # --- Slowing down instead of going silent ---
    slowed_from = models.CharField(max_length=8, choices=Frequency.choices, blank=True)
    slowed_at = models.DateTimeField(null=True, blank=True)
    keep_asked_at = models.DateTimeField(null=True, blank=True)
    kept_at = models.DateTimeField(null=True, blank=True)  # "Keep sending these?" answered yes
    flagged_stale_at = models.DateTimeField(null=True, blank=True)
    flagged_broad_at = models.DateTimeField(null=True, blank=True)

    # --- What the agent sees per search (the match counters live in SearchTally) ---
    last_alert_at = models.DateTimeField(null=True, blank=True)
    emails_sent = models.PositiveIntegerField(default=0)

    # --- Criteria columns: ``criteria`` flattened by searches.criteria.criteria_columns() on every
    # save, so the matcher joins changed listings against all searches in one statement. The area
    # (city, ZIP or box) is the selective key; c_needs_check marks criteria checked afterwards on
    # the few candidates (drawn shape, keywords, address text, open houses, "new in N days").
    c_area_kind = models.CharField(max_length=4, choices=AreaKind.choices, default=AreaKind.ANY)
    c_city = models.CharField(max_length=100, blank=True)
    c_postal = models.CharField(max_length=5, blank=True)
    c_text = models.CharField(max_length=200, blank=True)  # an address or MLS number typed
    c_south = models.FloatField(null=True, blank=True)
    c_west = models.FloatField(null=True, blank=True)
    c_north = models.FloatField(null=True, blank=True)
    c_east = models.FloatField(null=True, blank=True)
    c_status = models.CharField(max_length=32, blank=True)  # blank: the on-market statuses
    c_type = models.CharField(max_length=32, blank=True)
    c_min_price = models.BigIntegerField(null=True, blank=True)
    c_max_price = models.BigIntegerField(null=True, blank=True)
    c_min_beds = models.PositiveSmallIntegerField(null=True, blank=True)
    c_min_baths = models.PositiveSmallIntegerField(null=True, blank=True)
    c_min_sqft = models.PositiveIntegerField(null=True, blank=True)
    c_max_sqft = models.PositiveIntegerField(null=True, blank=True)
    c_min_lot = models.FloatField(null=True, blank=True)
    c_max_lot = models.FloatField(null=True, blank=True)
    c_min_year = models.PositiveSmallIntegerField(null=True, blank=True)
    c_max_year = models.PositiveSmallIntegerField(null=True, blank=True)
    c_min_garage = models.PositiveSmallIntegerField(null=True, blank=True)
    c_max_dom = models.PositiveIntegerField(null=True, blank=True)
    c_reduced = models.BooleanField(default=False)
    c_needs_check = models.BooleanField(default=False)
    # The contact's reverse-prospecting flag, copied here so reverse prospecting reads a small
    # partial index of just these searches. On PostgreSQL two triggers keep it equal to the
    # contact's flag whatever writes the rows (migration 0008); on SQLite save() and
    # searches.signals copy it, and the statement also checks the contact itself.
    c_prospecting = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agent", "contact"]),
            models.Index(fields=["c_city"], name="search_area_city"),
            models.Index(fields=["c_postal"], name="search_area_zip"),
            models.Index(fields=["c_area_kind"], name="search_area_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from .criteria import criteria_columns

        for field, value in criteria_columns(self.criteria).items():
            setattr(self, field, value)
        if kwargs.get("update_fields") is None and connection.vendor != "postgresql":
            # PostgreSQL's trigger sets it (migration 0008); this is SQLite's copy.
            self.c_prospecting = bool(self.contact_id and self.contact.reverse_prospecting)
        if kwargs.get("update_fields") is not None and "criteria" in kwargs["update_fields"]:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | set(
                criteria_columns(self.criteria)
            )
        super().save(*args, **kwargs)

    def slow_down_clear(self) -> None:
        """Forget any slowing down (a frequency chosen now replaces it). Does not save."""
        self.slowed_from, self.slowed_at, self.keep_asked_at = "", None, None

    def slow_down_undo(self) -> None:
        """Back to how it was before slowing down: its own frequency, and unpaused if only the
        slow-down paused it. Does not save."""
        if self.slowed_from:
            self.frequency = self.slowed_from
        self.slow_down_clear()
        if self.paused_by == self.PausedBy.SYSTEM:
            self.is_paused, self.paused_by = False, self.PausedBy.NONE

    # The matcher bumps these counters for ~27,000 searches per batch at 100,000 searches; on
    # this wide, heavily indexed row that cost 1.1–1.4 s a batch, on SearchTally's narrow one
    # 0.12 s (docs/benchmarks.md). Read with select_related("tally") in lists.
    @property
    def match_count(self) -> int:
        tally = getattr(self, "tally", None)
        return tally.match_count if tally else 0

    @property
    def last_match_at(self):
        tally = getattr(self, "tally", None)
        return tally.last_match_at if tally else None

    @property
    def alerts_on(self) -> bool:
        return (
            self.kind == self.Kind.AUTOMATIC and not self.is_paused and not self.client_alerts_off
        )

    def change_type_labels(self) -> list[str]:
        return [label for bit, label in ChangeType.choices if self.change_types & bit]


class SearchMatch(models.Model):
    """A listing that matched a search, because of one listing event (or, for "all current
    matches", because it matched when the search was made). Unique per (search, event), so
    re-running a batch creates nothing."""

    class State(models.TextChoices):
        SCREENING = "screening", "Waiting for the agent's review"
        READY = "ready", "Ready for the next alert"
        SENT = "sent", "Sent"
        DISCARDED = "discarded", "Discarded by the agent"
        SKIPPED = "skipped", "Not sent (alerts off)"

    # No database constraints and as few indexes as the reads need: a batch writes ~160,000
    # matches at 100,000 searches, and every index or foreign-key check per row cost 0.2–0.8 s
    # a batch (docs/benchmarks.md). The rows come from a join on those very tables; deleting a
    # search or a listing still cascades here through the ORM. Lookups by search use the
    # unique (search, event) index below; listings are never deleted by the product (they
    # change status), so an admin deleting one pays a scan instead of every batch an index.
    search = models.ForeignKey(
        SavedSearch,
        on_delete=models.CASCADE,
        related_name="matches",
        db_constraint=False,
        db_index=False,
    )
    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    event = models.ForeignKey(
        "listings.ListingEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,  # never looked up by event; one index less to write per match
    )
    # The event's kind ("new", "price_decrease", …) or "current" for a first-send match.
    reason = models.CharField(max_length=20)
    old_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    new_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices)
    matched_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    alert = models.ForeignKey(
        "SearchAlert",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
        db_index=False,  # indexed only once set (match_alert below): new matches skip it
        db_constraint=False,  # new matches have none; the ORM sets it to NULL on delete
    )

    class Meta:
        ordering = ["-matched_at", "-id"]
        constraints = [
            # Not partial, so it also serves every "matches of this search" lookup; first-send
            # matches (no event) never collide in it (NULLs are distinct).
            models.UniqueConstraint(fields=["search", "event"], name="one_match_per_search_event"),
            models.UniqueConstraint(
                fields=["search", "listing"],
                condition=models.Q(event__isnull=True),
                name="one_first_send_match_per_listing",
            ),
        ]
        indexes = [
            # The agent's screening queue. Not (state, search) over every row: each batch
            # writes its matches as "ready" or "screening", and that index cost 0.8–1.0 s of a
            # 2.9 s INSERT at 1,000,000 searches. Which searches have ready matches to send is
            # SearchTally.alert_pending; lookups by search use the unique key above.
            models.Index(
                fields=["search"],
                condition=models.Q(state="screening"),
                name="match_screening",
            ),
            models.Index(
                fields=["alert"], condition=models.Q(alert__isnull=False), name="match_alert"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} for search {self.search_id} ({self.reason})"


class SearchTally(models.Model):
    """How many matches a search has had and when the last one came: the matcher's counters,
    on a narrow row of their own (updated in place, with free space left on each page)."""

    search = models.OneToOneField(
        SavedSearch, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    match_count = models.PositiveIntegerField(default=0)
    last_match_at = models.DateTimeField(null=True, blank=True)
    # Set with the counters whenever the search gets "ready" matches (the matcher, the first
    # send, an approval from screening); cleared by the alert sender, under the row lock, before
    # it reads the search's ready matches. The alert run reads only these searches.
    alert_pending = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["search"],
                condition=models.Q(alert_pending=True),
                name="tally_alert_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.match_count} matches for search {self.search_id}"


class SearchAlert(models.Model):
    """One alert email (and feed item) to one client: the listings of all their due searches."""

    agent = models.ForeignKey("clients.Agent", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="search_alerts"
    )
    created_at = models.DateTimeField()
    listing_count = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    # "digest" when a slowed-down search sends its weekly digest, "keep" for the one question.
    kind = models.CharField(max_length=10, default="alert")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contact", "-created_at"], name="alert_contact_recent")]

    def __str__(self) -> str:
        return self.title


class MatchingCursor(models.Model):
    """How far the matcher has read listings.ListingEvent (one row)."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Matched events up to {self.last_event_id}"


class MatchedEvent(models.Model):
    """A listing event the matcher has matched against every alerting search (PostgreSQL). Its
    matches are written in the same transaction as this row, so an event listed here has all of
    its matches: a re-run skips it, and the matches go in with a plain INSERT instead of a
    per-row ``ON CONFLICT`` check (a quarter of the write's cost, docs/benchmarks.md). 1,000 rows
    per batch against ~50 matches per event."""

    # No database constraint: the matcher's statement is the only writer, and a constraint
    # check per row is what this table exists to avoid on the matches.
    event = models.OneToOneField(
        "listings.ListingEvent",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )
    matched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Event {self.event_id} matched at {self.matched_at:%Y-%m-%d %H:%M}"


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
