"""Listings, named after the RESO Data Dictionary (snake_case of the RESO field names)."""

from __future__ import annotations

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


class ListingMedia(models.Model):
    """A listing's photos, in display order. ``url`` for feed-hosted media, ``image`` for local."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="media")
    order = models.PositiveSmallIntegerField(default=0)
    image = models.ImageField(upload_to="listings/", blank=True)
    url = models.URLField(max_length=500, blank=True)
    caption = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["listing", "order", "id"]

    def __str__(self) -> str:
        return self.caption or f"Photo {self.order + 1}"

    @property
    def src(self) -> str:
        return self.image.url if self.image else self.url
