"""Listings, named after the RESO Data Dictionary (snake_case of the RESO field names)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Listing(models.Model):
    class StandardStatus(models.TextChoices):
        ACTIVE = "Active", "Active"
        COMING_SOON = "Coming Soon", "Coming soon"
        ACTIVE_UNDER_CONTRACT = "Active Under Contract", "Active under contract"
        PENDING = "Pending", "Pending"
        CLOSED = "Closed", "Closed"
        WITHDRAWN = "Withdrawn", "Withdrawn"
        EXPIRED = "Expired", "Expired"
        CANCELED = "Canceled", "Canceled"

    class PropertyType(models.TextChoices):
        RESIDENTIAL = "Residential", "Residential"
        RESIDENTIAL_INCOME = "Residential Income", "Multi-family"
        LAND = "Land", "Land"
        COMMERCIAL_SALE = "Commercial Sale", "Commercial"

    listing_key = models.CharField("ListingKey", max_length=128, unique=True)
    listing_id = models.CharField("ListingId (MLS #)", max_length=64, db_index=True)
    standard_status = models.CharField(
        "StandardStatus", max_length=32, choices=StandardStatus.choices, db_index=True
    )
    list_price = models.DecimalField("ListPrice", max_digits=14, decimal_places=2, null=True)
    street_number = models.CharField("StreetNumber", max_length=20, blank=True)
    street_name = models.CharField("StreetName", max_length=120, blank=True)
    street_suffix = models.CharField("StreetSuffix", max_length=30, blank=True)
    unit_number = models.CharField("UnitNumber", max_length=30, blank=True)
    city = models.CharField("City", max_length=100, db_index=True)
    state_or_province = models.CharField("StateOrProvince", max_length=50)
    postal_code = models.CharField("PostalCode", max_length=20, db_index=True)
    latitude = models.DecimalField("Latitude", max_digits=9, decimal_places=6, null=True)
    longitude = models.DecimalField("Longitude", max_digits=9, decimal_places=6, null=True)
    property_type = models.CharField(
        "PropertyType",
        max_length=40,
        choices=PropertyType.choices,
        default=PropertyType.RESIDENTIAL,
    )
    property_sub_type = models.CharField("PropertySubType", max_length=60, blank=True)
    bedrooms_total = models.PositiveSmallIntegerField("BedroomsTotal", null=True)
    bathrooms_total_integer = models.PositiveSmallIntegerField("BathroomsTotalInteger", null=True)
    living_area = models.PositiveIntegerField("LivingArea (sq ft)", null=True)
    lot_size_area = models.DecimalField(
        "LotSizeArea (acres)", max_digits=12, decimal_places=4, null=True
    )
    year_built = models.PositiveSmallIntegerField("YearBuilt", null=True)
    public_remarks = models.TextField("PublicRemarks", blank=True)
    listing_contract_date = models.DateField("ListingContractDate", null=True)
    modification_timestamp = models.DateTimeField("ModificationTimestamp", db_index=True)
    original_list_price = models.DecimalField(
        "OriginalListPrice", max_digits=14, decimal_places=2, null=True
    )
    close_price = models.DecimalField("ClosePrice", max_digits=14, decimal_places=2, null=True)
    close_date = models.DateField("CloseDate", null=True)
    bathrooms_full = models.PositiveSmallIntegerField("BathroomsFull", null=True)
    bathrooms_half = models.PositiveSmallIntegerField("BathroomsHalf", null=True)
    garage_spaces = models.PositiveSmallIntegerField("GarageSpaces", null=True)
    stories = models.PositiveSmallIntegerField("StoriesTotal", null=True)
    days_on_market = models.PositiveIntegerField("DaysOnMarket", null=True)
    list_agent_full_name = models.CharField("ListAgentFullName", max_length=150, blank=True)
    list_office_name = models.CharField("ListOfficeName", max_length=200, blank=True)
    virtual_tour_url = models.URLField("VirtualTourURLUnbranded", max_length=500, blank=True)
    association_fee = models.DecimalField(
        "AssociationFee", max_digits=10, decimal_places=2, null=True
    )
    association_fee_frequency = models.CharField(
        "AssociationFeeFrequency", max_length=30, blank=True
    )
    tax_annual_amount = models.DecimalField(
        "TaxAnnualAmount", max_digits=12, decimal_places=2, null=True
    )
    tax_year = models.PositiveSmallIntegerField("TaxYear", null=True)
    elementary_school = models.CharField("ElementarySchool", max_length=150, blank=True)
    middle_or_junior_school = models.CharField("MiddleOrJuniorSchool", max_length=150, blank=True)
    high_school = models.CharField("HighSchool", max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-modification_timestamp", "id"]
        indexes = [
            models.Index(fields=["standard_status", "list_price"]),
            models.Index(fields=["latitude", "longitude"]),
        ]

    def __str__(self) -> str:
        return f"{self.address_line}, {self.city}"

    @property
    def address_line(self) -> str:
        parts = [self.street_number, self.street_name, self.street_suffix]
        line = " ".join(p for p in parts if p)
        return f"{line} #{self.unit_number}" if self.unit_number else line

    @property
    def full_address(self) -> str:
        return f"{self.address_line}, {self.city}, {self.state_or_province} {self.postal_code}"

    @property
    def is_price_reduced(self) -> bool:
        return bool(
            self.original_list_price
            and self.list_price
            and self.list_price < self.original_list_price
        )


class ListingMedia(models.Model):
    """A listing's photos, in display order. ``url`` for feed-hosted media, ``image`` for local;
    ``thumbnail`` is made once, at import or upload, never on a page view."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="media")
    media_key = models.CharField("MediaKey", max_length=128, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    image = models.ImageField(upload_to="listings/", blank=True)
    thumbnail = models.ImageField(upload_to="listings/thumbs/", blank=True)
    url = models.URLField(max_length=500, blank=True)
    caption = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["listing", "order", "id"]

    def __str__(self) -> str:
        return self.caption or f"Photo {self.order + 1}"

    @property
    def src(self) -> str:
        return self.image.url if self.image else self.url

    @property
    def thumb_src(self) -> str:
        return self.thumbnail.url if self.thumbnail else self.src


class OpenHouse(models.Model):
    """RESO OpenHouse resource: one showing time of a listing."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="open_houses")
    open_house_key = models.CharField("OpenHouseKey", max_length=128, blank=True)
    start_time = models.DateTimeField("OpenHouseStartTime")
    end_time = models.DateTimeField("OpenHouseEndTime")
    remarks = models.CharField("OpenHouseRemarks", max_length=500, blank=True)

    class Meta:
        ordering = ["start_time"]
        indexes = [models.Index(fields=["start_time"])]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.start_time:%Y-%m-%d %H:%M}"


class ListingEvent(models.Model):
    """The history of a listing's price and status, written only by listings.services.
    Saved-search alerts read these events (by increasing id), not signals."""

    class Kind(models.TextChoices):
        NEW = "new", "New listing"
        PRICE_DECREASE = "price_decrease", "Price reduced"
        PRICE_INCREASE = "price_increase", "Price increased"
        BACK_ON_MARKET = "back_on_market", "Back on market"
        PENDING = "pending", "Pending / under contract"
        SOLD = "sold", "Sold"
        OFF_MARKET = "off_market", "Withdrawn, expired or canceled"
        STATUS_CHANGE = "status_change", "Status changed"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    new_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    old_status = models.CharField(max_length=32, blank=True)
    new_status = models.CharField(max_length=32, blank=True)
    # When it happened in the MLS (the record's ModificationTimestamp), and when we learnt of it.
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["listing", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.listing_id})"


class ListingFeed(models.Model):
    """A RESO Web API source and how far we have read it (the replication high-water mark)."""

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(max_length=500)
    high_water_mark = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=20, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class ListingImportRun(models.Model):
    """One import (a file or a feed run): what it did and the records it refused."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with skipped records"
        FAILED = "failed", "Failed"

    feed = models.ForeignKey(
        ListingFeed, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    source = models.CharField(max_length=500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} ({self.status})"


class ListingReaction(models.Model):
    """A client's Favorite / Maybe / Not Interested on a listing (one per client and listing)."""

    class Kind(models.TextChoices):
        FAVORITE = "favorite", "Favorite"
        MAYBE = "maybe", "Maybe"
        NOT_INTERESTED = "not_interested", "Not interested"

    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="listing_reactions"
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "listing"], name="one_reaction_per_listing")
        ]
        indexes = [models.Index(fields=["contact", "kind", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.listing_id}"


class ListingComment(models.Model):
    """A comment on a listing in a client's portal, by the client or their agent."""

    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="listing_comments"
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["contact", "listing", "created_at"])]

    def __str__(self) -> str:
        return f"Comment on {self.listing_id}"


class ListingView(models.Model):
    """That a client opened a listing, and how often (portal activity for the agent)."""

    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.CASCADE, related_name="listing_views"
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="views")
    view_count = models.PositiveIntegerField(default=1)
    first_viewed_at = models.DateTimeField(auto_now_add=True)
    last_viewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "listing"], name="one_view_row_per_listing")
        ]
        indexes = [models.Index(fields=["contact", "-last_viewed_at"])]

    def __str__(self) -> str:
        return f"{self.contact_id} viewed {self.listing_id}"


# --- CMAs and market statistics reports (issue #8) ------------------------------------------


class Cma(models.Model):
    """A comparative market analysis: a subject property, the comparables the agent kept (each
    with an optional adjustment) and the settings that suggested them. Computed figures are not
    stored: listings.cma summarises the comparables whenever the CMA is shown."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    agent = models.ForeignKey("clients.Agent", on_delete=models.CASCADE, related_name="cmas")
    # Who it was started for (optional); sending may go to other clients too.
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    subject_listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The subject's facts (copied from the listing, or typed in for an off-market home).
    address = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    property_type = models.CharField(
        max_length=40,
        choices=Listing.PropertyType.choices,
        default=Listing.PropertyType.RESIDENTIAL,
    )
    bedrooms = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms = models.PositiveSmallIntegerField(null=True, blank=True)
    living_area = models.PositiveIntegerField(null=True, blank=True)
    lot_size_area = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    year_built = models.PositiveSmallIntegerField(null=True, blank=True)
    # How comparables are suggested.
    radius_miles = models.DecimalField(max_digits=4, decimal_places=1, default=1)
    closed_within_months = models.PositiveSmallIntegerField(default=6)
    area_tolerance_percent = models.PositiveSmallIntegerField(default=25)
    beds_tolerance = models.PositiveSmallIntegerField(default=1)
    include_active = models.BooleanField(default=True)
    include_pending = models.BooleanField(default=True)
    include_closed = models.BooleanField(default=True)
    note = models.TextField(blank=True, max_length=5000)
    comparables = models.ManyToManyField(Listing, through="CmaComparable", related_name="+")
    send_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["agent", "-updated_at"])]

    def __str__(self) -> str:
        return self.title


class CmaComparable(models.Model):
    """A listing the agent kept in a CMA, with a dollar and/or percent adjustment and why."""

    cma = models.ForeignKey(Cma, on_delete=models.CASCADE, related_name="comparable_rows")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    adjustment_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    adjustment_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    adjustment_note = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cma", "listing"], name="one_row_per_comparable")
        ]

    def __str__(self) -> str:
        return f"CMA {self.cma_id}: listing {self.listing_id}"


class MarketReport(models.Model):
    """A saved market statistics report: an area, a property type and a period in months. The
    figures are computed by listings.market when shown; a monthly schedule re-sends it to its
    recipients as a market update."""

    class AreaKind(models.TextChoices):
        CITY = "city", "City"
        ZIP = "zip", "ZIP code"
        SHAPE = "shape", "Drawn shape"

    class Schedule(models.TextChoices):
        NONE = "none", "Only when I send it"
        MONTHLY = "monthly", "Monthly market update"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    agent = models.ForeignKey(
        "clients.Agent", on_delete=models.CASCADE, related_name="market_reports"
    )
    title = models.CharField(max_length=200)
    area_kind = models.CharField(max_length=10, choices=AreaKind.choices, default=AreaKind.CITY)
    area_value = models.CharField(max_length=100, blank=True)
    # A drawn shape: [[lat, lng], ...] as search.parse_polygon returns it.
    area_shape = models.JSONField(default=list, blank=True)
    property_type = models.CharField(
        max_length=40, choices=Listing.PropertyType.choices, blank=True
    )
    period_months = models.PositiveSmallIntegerField(default=12)
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.NONE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(blank=True, max_length=5000)
    # The clients it was sent to: the monthly update goes to them again.
    recipients = models.ManyToManyField("clients.Contact", blank=True, related_name="+")
    send_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    # "YYYY-MM" of the last monthly update, claimed with a conditional UPDATE (idempotent).
    refreshed_month = models.CharField(max_length=7, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "-updated_at"]),
            models.Index(fields=["schedule", "refreshed_month"]),
        ]

    def __str__(self) -> str:
        return self.title
