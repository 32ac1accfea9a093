"""Reads for listings: the search page's results and the listing page. Query counts here are
constant in the number of listings (tests/listings/test_search_queries.py holds them to it)."""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import (
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Subquery,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import JSONObject, RowNumber
from django.shortcuts import get_object_or_404
from django.urls import get_script_prefix
from django.utils import timezone

from . import search
from .models import Listing, ListingComment, ListingEvent, ListingMedia, ListingReaction, OpenHouse
from .search import ON_MARKET_STATUSES  # noqa: F401  (re-exported for other apps)
from .shared_cache import shared_get, shared_set

COVER_PHOTO = Prefetch("media", queryset=ListingMedia.objects.filter(order=0), to_attr="cover")
# The same first photo as one JSON value per listing, for a page that reads it in its own query.
COVER_PHOTO_JSON = Subquery(
    ListingMedia.objects.filter(listing=OuterRef("pk"), order=0)
    .order_by("id")
    .values(
        json=JSONObject(id="id", image="image", thumbnail="thumbnail", url="url", caption="caption")
    )[:1]
)

# What a search result shows (card, agent row, map marker, next-page cursor): loading only these
# leaves the remarks and some thirty other columns in the database (~1 ms of a page in Python).
# A field read elsewhere costs a query per listing, which the query-count tests would catch.
SEARCH_RESULT_FIELDS = (
    "listing_id",
    "standard_status",
    "list_price",
    "original_list_price",
    "street_number",
    "street_name",
    "street_suffix",
    "unit_number",
    "city",
    "state_or_province",
    "postal_code",
    "latitude",
    "longitude",
    "property_type",
    "bedrooms_total",
    "bathrooms_total_integer",
    "living_area",
    "listing_contract_date",
)


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

    Queries: the capped count (1) and the page (1, or 2 where rows without a sort value
    begin), which brings each listing's cover photo and, for a client, their reaction along as
    per-row subqueries (one index lookup each) rather than as two more round trips.
    """
    # The count first: whether more than the cap match decides how a map area is filtered.
    count, capped = search.capped_count(criteria)
    annotations = {"cover_photo": COVER_PHOTO_JSON}
    if reactions_for is not None:
        annotations["my_reaction"] = Subquery(
            ListingReaction.objects.filter(contact=reactions_for, listing=OuterRef("pk"))
            .order_by()
            .values("kind")[:1]
        )
    page = search.search_page(
        criteria,
        after=after,
        limit=per_page,
        dense=capped,
        fields=SEARCH_RESULT_FIELDS,
        annotations=annotations,
    )
    listings = page.listings
    for listing in listings:
        photo = listing.cover_photo
        listing.cover = [ListingMedia(listing_id=listing.pk, order=0, **photo)] if photo else []
    return SearchResults(
        listings=listings,
        count=count,
        count_capped=capped,
        next_cursor=page.next_cursor,
        markers=_markers(listings, detail_url),
    )


def _markers(listings: list[Listing], detail_url) -> list[dict]:
    return [
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


# --- the same results, shared through the cache ---------------------------------------------


def listings_data_version() -> str | None:
    """``epoch:version`` of the listings data, which PostgreSQL moves on every write to a
    listing, its photos, open houses or events (migration 0009), or None where there is none
    (SQLite).

    Read where the listings are read (a replica, when the router sends them there): the replica
    replays the version and the data in one commit order, so the rule "version first, then the
    data" holds there too, and rows read from the primary afterwards are only newer."""
    database = connections[router.db_for_read(Listing) or DEFAULT_DB_ALIAS]
    if database.vendor != "postgresql":
        return None
    with database.cursor() as cursor:
        cursor.execute("SELECT epoch, version FROM listings_data_version WHERE id = 1")
        row = cursor.fetchone()
    return f"{row[0]}:{row[1]}" if row else None


@dataclass
class SharedCard:
    """A result of ``search_results_shared``: the listing's card already rendered around the
    client's own reaction (``listing_cards.card_parts``), which is all Search Listings shows of
    it; the map marker comes apart."""

    pk: int
    card: tuple[str, str]
    my_reaction: str | None = None


def search_results_shared(
    criteria: dict,
    *,
    after: search.Cursor | None = None,
    reactions_for=None,
    detail_url=None,
) -> SearchResults:
    """The portal's Search Listings results, with what every client shares — the page's cards
    rendered, the map markers, the capped count and the next cursor — kept in the cache under
    the listings data version, the day (for "new in the last N days"), the URL prefix and the
    criteria and cursor at full precision. ``listings`` are ``SharedCard``s.

    Per request only the version and the client's own reactions are read (one query each).
    Never cached: searches for open houses (upcoming means "ends after now", which moves
    without a write); nothing at all where the database keeps no version (SQLite).

    The version is read before the data: a write committed in between can only put newer data
    under the older key, never older data under the newer one.
    """
    from .templatetags.listing_cards import card_parts, detail_href  # noqa: PLC0415 — cycle

    version = listings_data_version()
    if version is None or criteria.get("open_house"):
        return search_results(
            criteria, after=after, reactions_for=reactions_for, detail_url=detail_url
        )
    # Every criterion at full precision (the query string's "%g" would merge nearby map boxes).
    identity = json.dumps(
        [criteria, [after.value, after.id] if after else None, get_script_prefix()],
        sort_keys=True,
        default=repr,
    )
    key = (
        f"listings:shared-results:{version}:{timezone.localdate().isoformat()}:"
        f"{hashlib.sha256(identity.encode()).hexdigest()[:32]}"
    )
    shared = shared_get(key)
    kinds = None
    if shared is None:
        # The client's reactions ride along in the page query, as without the cache.
        results = search_results(criteria, after=after, reactions_for=reactions_for)
        kinds = {listing.pk: getattr(listing, "my_reaction", None) for listing in results.listings}
        cards = [
            (listing.pk, card_parts(listing, detail_href("portal:listing_detail", listing.pk)))
            for listing in results.listings
        ]
        markers = [{**marker, "url": ""} for marker in results.markers]
        shared = (cards, markers, results.count, results.count_capped, results.next_cursor)
        shared_set(key, shared)
    cards, markers, count, capped, next_cursor = shared
    listings = [SharedCard(pk=pk, card=card) for pk, card in cards]
    if kinds is not None:
        for card in listings:
            card.my_reaction = kinds[card.pk]
    elif reactions_for is not None and listings:
        kinds = dict(
            ListingReaction.objects.filter(
                contact=reactions_for, listing_id__in=[card.pk for card in listings]
            ).values_list("listing_id", "kind")
        )
        for card in listings:
            card.my_reaction = kinds.get(card.pk)
    return SearchResults(
        listings=listings,
        count=count,
        count_capped=capped,
        next_cursor=next_cursor,
        markers=[
            {**marker, "url": detail_url(marker["id"]) if detail_url else ""} for marker in markers
        ],
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
            "media", Prefetch("open_houses", queryset=upcoming, to_attr="upcoming_open_houses")
        ),
        pk=pk,
    )
    # The latest 50 events with a plain LIMIT: a sliced Prefetch builds a window-function query
    # whose compiling cost ~1.5 ms of the page, for one listing.
    listing.history = list(
        ListingEvent.objects.filter(listing=listing).order_by("-occurred_at", "-id")[:50]
    )
    return listing


def get_listing_for_detail_shared(pk: int) -> Listing:
    """``get_listing_for_detail`` through the cache, under the listings data version (see
    ``search_results_shared``): the listing page's public part is the same for every client.

    Upcoming open houses are "ending now or later", which moves without a write: the cached
    ones are those upcoming when they were read, and each request drops those that have ended
    since (time only goes forward, so none is missing).
    """
    version = listings_data_version()
    if version is None:
        return get_listing_for_detail(pk)
    key = f"listings:shared-detail:{version}:{int(pk)}"
    shared = shared_get(key)
    if shared is None:
        listing = get_listing_for_detail(pk)
        shared_set(key, pickle.dumps(listing, pickle.HIGHEST_PROTOCOL))
    else:
        listing = pickle.loads(shared)  # noqa: S301 — our own bytes
        now = timezone.now()
        listing.upcoming_open_houses = [
            house for house in listing.upcoming_open_houses if house.end_time >= now
        ]
    # The page's fragments made only from this data are cached under it too
    # ({% shared_fragment %} in listing_cards).
    listing.data_version = version
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


# --- Favorites & Comments -------------------------------------------------------------------

# What a client wants to hear about a home they marked.
CHANGE_KINDS = (
    ListingEvent.Kind.PRICE_DECREASE,
    ListingEvent.Kind.PRICE_INCREASE,
    ListingEvent.Kind.PENDING,
    ListingEvent.Kind.SOLD,
    ListingEvent.Kind.BACK_ON_MARKET,
    ListingEvent.Kind.OFF_MARKET,
)
FAVORITE_GROUPS = (
    ("favorite", "favorites", "Favorites"),
    ("maybe", "maybe", "Maybe"),
    ("not_interested", "not-interested", "Not interested"),
    ("commented", "commented", "Commented"),
)
GROUP_PREVIEW = 6  # per group on the overview
GROUP_PAGE = 24  # per page when one group is opened
THREAD_PREVIEW = 5  # latest comments shown on a card


@dataclass
class FavoriteGroup:
    key: str
    anchor: str
    label: str
    items: list[Listing]
    total: int
    page: int = 1
    per_page: int = GROUP_PREVIEW

    @property
    def has_more(self) -> bool:
        return self.total > len(self.items) and self.per_page == GROUP_PREVIEW

    @property
    def page_obj(self):
        """A Django Page over the rows already read (for includes/pagination.html)."""
        return Paginator(_CountedPage(self.items, self.total), self.per_page).page(self.page)


class _CountedPage:
    """One page of rows that stands for all ``total`` of them, so Paginator counts no rows."""

    def __init__(self, items: list, total: int):
        self.items, self.total = items, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, _slice):
        return self.items


def favorites_for_contact(
    *, contact, group: str | None = None, page: int = 1
) -> list[FavoriteGroup]:
    """The client's marked and commented homes, grouped, each with its cover photo, the changes
    since it was marked and the latest of its comment thread.

    Queries, whatever the number of reactions or comments: the counts (2), the marked homes
    (1, the first few of each level by a window), the commented ones (2), their reactions (1),
    cover photos (1), changes (1) and comments (1).
    """
    keys = [group] if group else [key for key, _, _ in FAVORITE_GROUPS]
    per_page = GROUP_PAGE if group else GROUP_PREVIEW
    reactions = ListingReaction.objects.filter(contact=contact)
    comments = ListingComment.objects.filter(contact=contact)
    totals = dict(reactions.values_list("kind").annotate(n=Count("id")).order_by())
    if "commented" in keys:
        totals["commented"] = comments.values("listing_id").distinct().count()
    page = min(max(1, page), -(-totals.get(group, 0) // per_page) or 1) if group else 1
    offset = (page - 1) * per_page

    reaction_keys = [key for key in keys if key != "commented"]
    by_kind: dict[str, list[Listing]] = {key: [] for key in reaction_keys}
    kinds: dict[int, str] = {}
    if reaction_keys:
        rows = reactions.filter(kind__in=reaction_keys).select_related("listing")
        if group:
            rows = rows.order_by("-updated_at", "-id")[offset : offset + per_page]
        else:
            # The first few of every level in one query.
            rows = (
                rows.annotate(
                    position=Window(
                        RowNumber(),
                        partition_by=F("kind"),
                        order_by=[F("updated_at").desc(), F("id").desc()],
                    )
                )
                .filter(position__lte=per_page)
                .order_by("kind", "position")
            )
        for reaction in rows:
            listing = reaction.listing
            listing.marked_at = reaction.created_at
            kinds[listing.pk] = reaction.kind
            by_kind[reaction.kind].append(listing)
    if "commented" in keys:
        rows = list(
            comments.values("listing_id")
            .annotate(last=Max("created_at"), first=Min("created_at"))
            .order_by("-last", "-listing_id")[offset : offset + per_page]
        )
        listings_by_id = Listing.objects.in_bulk([row["listing_id"] for row in rows])
        by_kind["commented"] = [listings_by_id[row["listing_id"]] for row in rows]
        for row, listing in zip(rows, by_kind["commented"], strict=True):
            listing.marked_at = row["first"]

    groups = [
        FavoriteGroup(
            key=key,
            anchor=anchor,
            label=label,
            items=by_kind[key],
            total=totals.get(key, 0),
            page=page,
            per_page=per_page,
        )
        for key, anchor, label in FAVORITE_GROUPS
        if key in keys
    ]
    marked_at: dict[int, Any] = {}
    for g in groups:
        for listing in g.items:
            marked_at[listing.pk] = min(
                marked_at.get(listing.pk, listing.marked_at), listing.marked_at
            )
    listings = {listing.pk: listing for g in groups for listing in g.items}
    ids = list(listings)
    if not ids:
        return groups
    missing = [pk for pk in ids if pk not in kinds]
    if missing:
        kinds.update(reactions.filter(listing_id__in=missing).values_list("listing_id", "kind"))
    # Each listing object appears once per group it is in; give them all the same extras.
    all_items = [listing for g in groups for listing in g.items]
    prefetch_related_objects(all_items, COVER_PHOTO)
    events: dict[int, list[ListingEvent]] = {}
    for event in ListingEvent.objects.filter(
        listing_id__in=ids, kind__in=CHANGE_KINDS, occurred_at__gte=min(marked_at.values())
    ).order_by("-occurred_at", "-id"):
        if event.occurred_at >= marked_at[event.listing_id]:
            events.setdefault(event.listing_id, []).append(event)
    threads: dict[int, list[ListingComment]] = {}
    for comment in (
        comments.filter(listing_id__in=ids).select_related("author").order_by("created_at", "id")
    ):
        threads.setdefault(comment.listing_id, []).append(comment)
    for listing in all_items:
        listing.my_reaction = kinds.get(listing.pk)
        listing.changes = events.get(listing.pk, [])[:4]
        thread = threads.get(listing.pk, [])
        listing.comment_count = len(thread)
        listing.thread = thread[-THREAD_PREVIEW:]
    return groups


def favorite_card(*, contact, listing: Listing) -> Listing:
    """One card of Favorites & Comments after an in-place change (the htmx swap)."""
    reaction = ListingReaction.objects.filter(contact=contact, listing=listing).first()
    thread = comments_for(contact=contact, listing=listing)
    listing.my_reaction = reaction.kind if reaction else None
    marks = [reaction.created_at] if reaction else []
    marks += [comment.created_at for comment in thread[:1]]
    listing.marked_at = min(marks) if marks else None
    listing.cover = [media for media in listing.media.all() if media.order == 0]
    listing.changes = (
        list(
            listing.events.filter(
                kind__in=CHANGE_KINDS, occurred_at__gte=listing.marked_at
            ).order_by("-occurred_at", "-id")[:4]
        )
        if listing.marked_at
        else []
    )
    listing.comment_count = len(thread)
    listing.thread = thread[-THREAD_PREVIEW:]
    return listing
