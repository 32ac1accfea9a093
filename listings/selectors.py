"""Reads for listings: the search page's results and the listing page. Query counts here are
constant in the number of listings (tests/listings/test_search_queries.py holds them to it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import search
from .models import Listing, ListingComment, ListingEvent, ListingMedia, ListingReaction, OpenHouse
from .search import ON_MARKET_STATUSES  # noqa: F401  (re-exported for other apps)

COVER_PHOTO = Prefetch("media", queryset=ListingMedia.objects.filter(order=0), to_attr="cover")


@dataclass
class SearchResults:
    listings: list[Listing]
    count: int
    count_capped: bool
    next_cursor: str | None
    markers: list[dict] = field(default_factory=list)


def search_results(
    criteria: dict,
    *,
    after: search.Cursor | None = None,
    per_page: int = 0,
    reactions_for=None,
    detail_url=None,
) -> SearchResults:
    """A page of results with its cover photos, the capped count and the map's markers.

    Queries: the page (1, or 2 where rows without a sort value begin), the capped count (1),
    the cover photos (1) and, for a client, their reactions to these listings (1).
    """
    # The count first: whether more than the cap match decides how a map area is filtered.
    count, capped = search.capped_count(criteria)
    page = search.search_page(criteria, after=after, limit=per_page, dense=capped)
    listings = page.listings
    prefetch_related_objects(listings, COVER_PHOTO)
    if reactions_for is not None and listings:
        kinds = dict(
            ListingReaction.objects.filter(
                contact=reactions_for, listing__in=[listing.pk for listing in listings]
            ).values_list("listing_id", "kind")
        )
        for listing in listings:
            listing.my_reaction = kinds.get(listing.pk)
    markers = [
        {
            "id": listing.pk,
            "lat": float(listing.latitude),
            "lng": float(listing.longitude),
            "price": _short_price(listing.list_price),
            "address": listing.address_line,
            "url": detail_url(listing.pk) if detail_url else "",
        }
        for listing in listings
        if listing.latitude is not None and listing.longitude is not None
    ]
    return SearchResults(
        listings=listings,
        count=count,
        count_capped=capped,
        next_cursor=page.next_cursor,
        markers=markers,
    )


def _short_price(price) -> str:
    if price is None:
        return "—"
    value = float(price)
    if value >= 1_000_000:
        return f"${value / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    return f"${value / 1_000:.0f}k"


def get_listing(pk: int) -> Listing:
    # Listings are public MLS data: any agent or client may read any listing.
    return get_object_or_404(Listing.objects.prefetch_related("media"), pk=pk)


def get_listing_for_detail(pk: int) -> Listing:
    """The listing page: photos, upcoming open houses and the price/status history, one query
    each."""
    upcoming = OpenHouse.objects.filter(end_time__gte=timezone.now()).order_by("start_time")
    listing = get_object_or_404(
        Listing.objects.prefetch_related(
            "media",
            Prefetch("open_houses", queryset=upcoming, to_attr="upcoming_open_houses"),
            Prefetch(
                "events",
                queryset=ListingEvent.objects.order_by("-occurred_at", "-id")[:50],
                to_attr="history",
            ),
        ),
        pk=pk,
    )
    return listing


def reaction_for(*, contact, listing: Listing) -> str | None:
    return (
        ListingReaction.objects.filter(contact=contact, listing=listing)
        .values_list("kind", flat=True)
        .first()
    )


def comments_for(*, contact, listing: Listing) -> list[ListingComment]:
    """The conversation about a listing in one client's portal, oldest first."""
    return list(
        ListingComment.objects.filter(contact=contact, listing=listing)
        .select_related("author")
        .order_by("created_at", "id")
    )
