"""Comparative market analyses: suggesting comparables, summarising them, and the writes.

Rules for suggested comparables (the settings live on the CMA, so the page can change them):
- the subject's property type; never the subject listing itself;
- statuses the agent kept: active (Active, Coming Soon), pending (Pending, Active Under Contract)
  and closed (Closed, with a close date within the last ``closed_within_months`` months);
- within ``radius_miles`` of the subject when it has coordinates, else the same ZIP code, else the
  same city;
- living area within ``area_tolerance_percent`` and bedrooms within ``beds_tolerance`` of the
  subject's, when the subject has them.

Prices: a closed comparable's price is its close price, any other's its list price. Its adjusted
price is ``price × (1 + percent / 100) + amount``. The suggested range comes from the adjusted
prices of the closed comparables (all comparables when none closed): the adjusted median in the
middle, the 25th to 75th percentile as the range (median ± 3% with fewer than four), rounded to
$1,000. How it was computed is returned as sentences for the page.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .market import percentile
from .models import Cma, CmaComparable, Listing, ListingMedia

Status = Listing.StandardStatus
STATUS_GROUPS = [
    ("closed", "Closed", [Status.CLOSED]),
    ("pending", "Pending", [Status.PENDING, Status.ACTIVE_UNDER_CONTRACT]),
    ("active", "Active", [Status.ACTIVE, Status.COMING_SOON]),
]
GROUP_OF = {status: key for key, _, statuses in STATUS_GROUPS for status in statuses}
SUGGESTION_LIMIT = 30
INITIAL_COMPARABLES = 8
MAX_COMPARABLES = 40
CANDIDATE_CAP = 2_000
MILES_PER_DEGREE_LAT = 69.0
COVER = Prefetch("media", queryset=ListingMedia.objects.filter(order=0), to_attr="cover")

SUBJECT_FIELDS = [
    "address",
    "city",
    "postal_code",
    "latitude",
    "longitude",
    "property_type",
    "bedrooms",
    "bathrooms",
    "living_area",
    "lot_size_area",
    "year_built",
]
SETTING_FIELDS = [
    "radius_miles",
    "closed_within_months",
    "area_tolerance_percent",
    "beds_tolerance",
    "include_active",
    "include_pending",
    "include_closed",
]


def _refuse_a_different_send(share_key: str, contacts) -> None:
    """The same send number twice is a double submit (delivered once), unless it names other
    clients: then it came from a second, stale page and must not be swallowed silently."""
    from messaging.models import FeedItem

    sent_to = set(FeedItem.objects.filter(share_key=share_key).values_list("contact_id", flat=True))
    if sent_to and sent_to != {contact.pk for contact in contacts}:
        raise ValidationError(
            "This was just sent from another page; reload this page to send it again."
        )


def portal_url(cma: Cma | int) -> str:
    return f"/portal/cmas/{getattr(cma, 'pk', cma)}/"


def months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def distance_miles(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance (haversine)."""
    lat1, lng1, lat2, lng2 = (math.radians(float(v)) for v in (lat1, lng1, lat2, lng2))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 3958.8 * 2 * math.asin(math.sqrt(a))


def subject_facts_from_listing(listing: Listing) -> dict:
    return {
        "address": listing.address_line,
        "city": listing.city,
        "postal_code": listing.postal_code,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "property_type": listing.property_type,
        "bedrooms": listing.bedrooms_total,
        "bathrooms": listing.bathrooms_total_integer,
        "living_area": listing.living_area,
        "lot_size_area": listing.lot_size_area,
        "year_built": listing.year_built,
    }


# --- reads -----------------------------------------------------------------------------------


def cmas_for_agent(agent) -> list[Cma]:
    return list(
        Cma.objects.filter(agent=agent)
        .select_related("contact")
        .annotate(comparable_count=Count("comparable_rows"))
        .order_by("-updated_at", "-id")[:200]
    )


def get_cma_for_agent(agent, pk: int) -> Cma:
    return get_object_or_404(Cma.objects.select_related("contact", "agent"), pk=pk, agent=agent)


def get_cma_for_client(contact, pk: int) -> Cma:
    """A client sees a CMA only when one of their feed items links to it."""
    # messaging sits above listings; the feed is read here, at the one place that needs it.
    from messaging.models import FeedItem

    cma = get_object_or_404(Cma.objects.select_related("agent"), pk=pk, agent_id=contact.agent_id)
    if not FeedItem.objects.filter(contact=contact, payload__url=portal_url(cma)).exists():
        raise Http404("No such CMA")
    return cma


def candidate_listings(cma: Cma, *, today: dt.date | None = None) -> QuerySet[Listing]:
    """The comparables' query, before the exact radius (see the module docstring)."""
    today = today or timezone.localdate()
    statuses = Q(pk__in=[])
    if cma.include_active:
        statuses |= Q(standard_status__in=[Status.ACTIVE, Status.COMING_SOON])
    if cma.include_pending:
        statuses |= Q(standard_status__in=[Status.PENDING, Status.ACTIVE_UNDER_CONTRACT])
    if cma.include_closed:
        cutoff = months_before(today, cma.closed_within_months)
        statuses |= Q(standard_status=Status.CLOSED, close_date__gte=cutoff)
    listings = Listing.objects.filter(statuses, property_type=cma.property_type).order_by()
    if cma.subject_listing_id:
        listings = listings.exclude(pk=cma.subject_listing_id)
    if cma.living_area:
        spread = cma.living_area * cma.area_tolerance_percent / 100
        listings = listings.filter(
            living_area__gte=math.floor(cma.living_area - spread),
            living_area__lte=math.ceil(cma.living_area + spread),
        )
    if cma.bedrooms is not None:
        listings = listings.filter(
            bedrooms_total__gte=max(0, cma.bedrooms - cma.beds_tolerance),
            bedrooms_total__lte=cma.bedrooms + cma.beds_tolerance,
        )
    if cma.latitude is not None and cma.longitude is not None:
        radius = float(cma.radius_miles)
        lat, lng = float(cma.latitude), float(cma.longitude)
        dlat = radius / MILES_PER_DEGREE_LAT
        dlng = radius / (MILES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
        listings = listings.filter(
            latitude__range=(Decimal(f"{lat - dlat:.6f}"), Decimal(f"{lat + dlat:.6f}")),
            longitude__range=(Decimal(f"{lng - dlng:.6f}"), Decimal(f"{lng + dlng:.6f}")),
        )
    elif cma.postal_code:
        listings = listings.filter(postal_code=cma.postal_code)
    elif cma.city:
        listings = listings.filter(city__iexact=cma.city)
    else:
        listings = listings.none()
    return listings


def suggest_comparables(
    cma: Cma, *, limit: int = SUGGESTION_LIMIT, exclude=(), today: dt.date | None = None
) -> list[Listing]:
    """Suggested comparables, nearest first (closed before others at the same distance when
    the subject has no coordinates), each with ``distance`` (miles or None)."""
    listings = candidate_listings(cma, today=today)
    if exclude:
        listings = listings.exclude(pk__in=list(exclude))
    has_point = cma.latitude is not None and cma.longitude is not None
    if has_point:
        rows = list(listings.order_by("-close_date", "-id")[:CANDIDATE_CAP])
        radius = float(cma.radius_miles)
        kept = []
        for listing in rows:
            if listing.latitude is None or listing.longitude is None:
                continue
            listing.distance = distance_miles(
                cma.latitude, cma.longitude, listing.latitude, listing.longitude
            )
            if listing.distance <= radius:
                kept.append(listing)
        kept.sort(key=lambda item: (item.distance, item.pk))
        chosen = kept[:limit]
    else:
        chosen = list(listings.order_by("-close_date", "-listing_contract_date", "-id")[:limit])
        for listing in chosen:
            listing.distance = None
    prefetch(chosen)
    return chosen


def prefetch(listings: list[Listing]) -> None:
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(listings, COVER)


# --- the summary -----------------------------------------------------------------------------


@dataclass
class ComparableRow:
    row: CmaComparable
    listing: Listing
    group: str
    price: float | None
    adjusted_price: float | None
    price_per_sqft: float | None
    days_on_market: int | None
    distance: float | None
    status_date: dt.date | None


@dataclass
class GroupSummary:
    key: str
    label: str
    count: int = 0
    low: float | None = None
    median: float | None = None
    high: float | None = None
    median_ppsf: float | None = None
    median_dom: float | None = None


@dataclass
class CmaSummary:
    rows: list[ComparableRow]
    groups: list[GroupSummary]
    basis_label: str = ""
    basis_count: int = 0
    adjusted_median: float | None = None
    range_low: float | None = None
    range_high: float | None = None
    ppsf_estimate: float | None = None
    method: list[str] = field(default_factory=list)
    markers: list[dict] = field(default_factory=list)


def comparable_rows(cma: Cma) -> list[CmaComparable]:
    rows = list(
        cma.comparable_rows.select_related("listing").prefetch_related(
            Prefetch(
                "listing__media",
                queryset=ListingMedia.objects.filter(order=0),
                to_attr="cover",
            )
        )
    )
    return rows


def listing_price(listing: Listing) -> float | None:
    if listing.standard_status == Status.CLOSED and listing.close_price is not None:
        return float(listing.close_price)
    return float(listing.list_price) if listing.list_price is not None else None


def adjusted(price: float | None, row: CmaComparable) -> float | None:
    if price is None:
        return None
    return price * (1 + float(row.adjustment_percent) / 100) + float(row.adjustment_amount)


def _dom(listing: Listing, today: dt.date) -> int | None:
    if listing.days_on_market is not None:
        return listing.days_on_market
    if listing.listing_contract_date is None:
        return None
    end = listing.close_date if listing.standard_status == Status.CLOSED else today
    return max(0, ((end or today) - listing.listing_contract_date).days)


def _round_thousand(value: float) -> float:
    return float(round(value / 1000) * 1000)


def cma_summary(cma: Cma, *, rows: list[CmaComparable] | None = None, today=None) -> CmaSummary:
    today = today or timezone.localdate()
    rows = comparable_rows(cma) if rows is None else rows
    has_point = cma.latitude is not None and cma.longitude is not None
    table: list[ComparableRow] = []
    for row in rows:
        listing = row.listing
        price = listing_price(listing)
        adjusted_price = adjusted(price, row)
        table.append(
            ComparableRow(
                row=row,
                listing=listing,
                group=GROUP_OF.get(listing.standard_status, "other"),
                price=price,
                adjusted_price=adjusted_price,
                price_per_sqft=(price / listing.living_area)
                if price is not None and listing.living_area
                else None,
                days_on_market=_dom(listing, today),
                distance=distance_miles(
                    cma.latitude, cma.longitude, listing.latitude, listing.longitude
                )
                if has_point and listing.latitude is not None and listing.longitude is not None
                else None,
                status_date=listing.close_date
                if listing.standard_status == Status.CLOSED
                else listing.listing_contract_date,
            )
        )
    groups = []
    for key, label, _ in STATUS_GROUPS:
        members = [item for item in table if item.group == key]
        prices = [item.price for item in members if item.price is not None]
        groups.append(
            GroupSummary(
                key=key,
                label=label,
                count=len(members),
                low=min(prices) if prices else None,
                median=percentile(prices),
                high=max(prices) if prices else None,
                median_ppsf=percentile([item.price_per_sqft for item in members]),
                median_dom=percentile([item.days_on_market for item in members]),
            )
        )
    summary = CmaSummary(rows=table, groups=groups)
    closed = [item for item in table if item.group == "closed" and item.adjusted_price is not None]
    basis = closed or [item for item in table if item.adjusted_price is not None]
    summary.markers = _markers(cma, table)
    if not basis:
        summary.method = ["Add comparables to see a suggested price range."]
        return summary
    summary.basis_label = "closed" if closed else "all"
    summary.basis_count = len(basis)
    values = [item.adjusted_price for item in basis]
    median = percentile(values)
    summary.adjusted_median = median
    if len(values) >= 4:
        low, high = percentile(values, 0.25), percentile(values, 0.75)
        spread = "the middle half of the adjusted prices (25th to 75th percentile)"
    else:
        low, high = median * 0.97, median * 1.03
        spread = "the adjusted median ± 3% (fewer than four comparables)"
    summary.range_low, summary.range_high = _round_thousand(low), _round_thousand(high)
    adjusted_ppsf = [
        item.adjusted_price / item.listing.living_area for item in basis if item.listing.living_area
    ]
    if cma.living_area and adjusted_ppsf:
        summary.ppsf_estimate = _round_thousand(percentile(adjusted_ppsf) * cma.living_area)
    which = (
        f"the {len(basis)} closed comparable{'s' if len(basis) != 1 else ''}"
        if closed
        else f"all {len(basis)} comparable{'s' if len(basis) != 1 else ''} (none has closed)"
    )
    adjusted_count = sum(
        1 for item in basis if item.row.adjustment_amount or item.row.adjustment_percent
    )
    summary.method = [
        f"Based on {which}: the close price of a sold home, the list price of any other.",
        f"{adjusted_count} of them adjusted for differences from the subject "
        "(price × (1 + percent) + dollar amount)."
        if adjusted_count
        else "None of them adjusted.",
        f"Adjusted median: ${median:,.0f}. Suggested range: {spread}, rounded to $1,000.",
    ]
    if summary.ppsf_estimate:
        summary.method.append(
            f"Cross-check: median adjusted price per sq ft × {cma.living_area:,} sq ft "
            f"= ${summary.ppsf_estimate:,.0f}."
        )
    return summary


def _markers(cma: Cma, table: list[ComparableRow]) -> list[dict]:
    markers = []
    if cma.latitude is not None and cma.longitude is not None:
        markers.append(
            {
                "lat": float(cma.latitude),
                "lng": float(cma.longitude),
                "label": "Subject",
                "title": cma.address,
                "kind": "subject",
            }
        )
    for number, item in enumerate(table, start=1):
        if item.listing.latitude is None or item.listing.longitude is None:
            continue
        markers.append(
            {
                "lat": float(item.listing.latitude),
                "lng": float(item.listing.longitude),
                "label": str(number),
                "title": f"{number}. {item.listing.address_line} ({item.listing.standard_status})",
                "kind": item.group,
            }
        )
    return markers


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def cma_create(
    *, agent, data: dict, contact=None, subject_listing: Listing | None = None, today=None
) -> Cma:
    """A draft CMA with the best suggestions already kept as comparables."""
    if contact is not None and contact.agent_id != agent.pk:
        raise ValidationError("Choose one of your contacts.")
    cma = Cma(agent=agent, contact=contact, subject_listing=subject_listing)
    for name, value in data.items():
        if name in SUBJECT_FIELDS or name in SETTING_FIELDS or name in ("title", "note"):
            setattr(cma, name, value)
    if not cma.title:
        cma.title = f"CMA for {cma.address}"[:200]
    cma.full_clean()
    cma.save()
    chosen = initial_comparables(suggest_comparables(cma, today=today))
    CmaComparable.objects.bulk_create(
        CmaComparable(cma=cma, listing=listing, order=number)
        for number, listing in enumerate(chosen)
    )
    return cma


def initial_comparables(suggestions: list[Listing]) -> list[Listing]:
    """The nearest few of each status (sales weigh most in a CMA), then the nearest others."""
    quota = {"closed": 5, "pending": 2, "active": 1}
    chosen = []
    for listing in suggestions:
        group = GROUP_OF.get(listing.standard_status)
        if quota.get(group, 0) > 0:
            quota[group] -= 1
            chosen.append(listing)
    rest = [listing for listing in suggestions if listing not in chosen]
    chosen += rest[: max(0, INITIAL_COMPARABLES - len(chosen))]
    order = {"closed": 0, "pending": 1, "active": 2}
    return sorted(chosen, key=lambda item: order.get(GROUP_OF.get(item.standard_status), 3))


@transaction.atomic
def cma_update(*, cma: Cma, data: dict) -> Cma:
    for name, value in data.items():
        if name in SUBJECT_FIELDS or name in SETTING_FIELDS or name in ("title", "note"):
            setattr(cma, name, value)
    if not cma.title:
        cma.title = f"CMA for {cma.address}"[:200]
    cma.full_clean()
    cma.save()
    return cma


@transaction.atomic
def cma_comparable_add(*, cma: Cma, listing: Listing) -> CmaComparable:
    if cma.subject_listing_id == listing.pk:
        raise ValidationError("That listing is the subject of this CMA.")
    existing = cma.comparable_rows.filter(listing=listing).first()
    if existing:
        return existing
    if cma.comparable_rows.count() >= MAX_COMPARABLES:
        raise ValidationError(f"A CMA holds at most {MAX_COMPARABLES} comparables.")
    last = cma.comparable_rows.aggregate(last=Max("order"))["last"]
    row = CmaComparable.objects.create(
        cma=cma, listing=listing, order=0 if last is None else last + 1
    )
    Cma.objects.filter(pk=cma.pk).update(updated_at=timezone.now())
    return row


@transaction.atomic
def cma_comparable_remove(*, cma: Cma, listing: Listing) -> None:
    deleted, _ = cma.comparable_rows.filter(listing=listing).delete()
    if not deleted:
        raise ValidationError("That listing is not one of this CMA's comparables.")
    Cma.objects.filter(pk=cma.pk).update(updated_at=timezone.now())


@transaction.atomic
def cma_comparable_adjust(
    *, cma: Cma, listing: Listing, amount: Decimal, percent: Decimal, note: str
) -> CmaComparable:
    row = cma.comparable_rows.filter(listing=listing).first()
    if row is None:
        raise ValidationError("That listing is not one of this CMA's comparables.")
    row.adjustment_amount = amount
    row.adjustment_percent = percent
    row.adjustment_note = note.strip()
    row.full_clean()
    row.save()
    Cma.objects.filter(pk=cma.pk).update(updated_at=timezone.now())
    return row


@transaction.atomic
def cma_send(*, cma: Cma, contacts, note: str = "", send_no: int) -> list:
    """Sends the CMA into each client's feed (category CMAs) with one email each. ``send_no`` is
    the number of this send (the form carries it), so a double submit delivers once."""
    from messaging.models import FeedItem
    from messaging.services import share_item

    contacts = list(contacts)
    if not contacts:
        raise ValidationError("Choose at least one client.")
    if send_no < 1 or send_no > cma.send_count + 1:
        raise ValidationError("This CMA was sent again meanwhile; reload the page.")
    share_key = f"cma:{cma.pk}:{send_no}"
    _refuse_a_different_send(share_key, contacts)
    summary = cma_summary(cma)
    items = share_item(
        agent=cma.agent,
        contacts=contacts,
        category=FeedItem.Category.CMAS,
        title=cma.title,
        url=portal_url(cma),
        template="shared_cma",
        context={
            "cma_title": cma.title,
            "subject_address": cma.address,
            "comparable_count": len(summary.rows),
            "range_low": summary.range_low,
            "range_high": summary.range_high,
        },
        note=note,
        share_key=share_key,
    )
    Cma.objects.filter(pk=cma.pk, send_count__lt=send_no).update(
        send_count=send_no, status=Cma.Status.SENT, sent_at=timezone.now()
    )
    cma.refresh_from_db()
    return items
