"""Reads for listings. The full search (filters, map) arrives with the listings issue."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .models import Listing, ListingMedia

# Statuses a buyer can still act on; what search pages show by default.
ON_MARKET_STATUSES = [
    Listing.StandardStatus.ACTIVE,
    Listing.StandardStatus.COMING_SOON,
    Listing.StandardStatus.ACTIVE_UNDER_CONTRACT,
]


def listings_search(*, city: str = "") -> QuerySet[Listing]:
    listings = Listing.objects.filter(standard_status__in=ON_MARKET_STATUSES)
    if city:
        listings = listings.filter(city__iexact=city.strip())
    first_photo = Prefetch("media", queryset=ListingMedia.objects.filter(order=0), to_attr="cover")
    return listings.order_by("-listing_contract_date", "-id").prefetch_related(first_photo)


def listing_cities() -> list[str]:
    """Cities with something a buyer can act on (the search filter's choices)."""
    on_market = Listing.objects.filter(standard_status__in=ON_MARKET_STATUSES).exclude(city="")
    return list(on_market.order_by("city").values_list("city", flat=True).distinct())


def get_listing(pk: int) -> Listing:
    # Listings are public MLS data: any agent or client may read any listing.
    return get_object_or_404(Listing.objects.prefetch_related("media"), pk=pk)
