"""Richer demo listings for `seed_demo`: price and status history, upcoming open houses, the facts a
detail page shows (baths, garage, schools, taxes, agent and office) and thumbnails for the demo
photo pool.

Call ``demo_listings_enrich()`` after the demo listings exist (inside seed_demo's transaction).
Like the rest of the seed it is planned from a fixed seed and writes only what is missing, so
running it again changes nothing (except adding next weekend's open houses once the planned ones
are past, so the "open houses" filter always has something to show).

Why not through ``listing_upsert``: the seed bulk-inserts listings in their current state, and a
history is by nature older than that state. Replaying old versions through the importer would
need the rows not to exist yet; so the demo writes its invented past directly, once.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .feeds.photos import PhotoError, photo_thumbnail
from .models import Cma, Listing, ListingEvent, ListingMedia, OpenHouse

LISTING_KEY_PREFIX = "DEMO-"
SEED = 2026
BATCH_SIZE = 500
THUMB_DIR = "listings/thumbs/demo"

AGENT_NAMES = [
    "Dana Whitaker", "Marcus Bell", "Priya Raman", "Tom Kowalski", "Lena Fischer",
    "Andre Moreau", "Grace Liu", "Sam O'Brien", "Maria Santos", "Owen Hughes",
]  # fmt: skip
OFFICES = [
    "Harbor & Elm Realty", "Northfield Green Properties", "Shoreline Homes Group",
    "Capitol Realty Partners", "Valley & Sound Real Estate", "Nutmeg State Brokers",
]  # fmt: skip
SCHOOLS = {
    "Guilford": ("Melissa Jones", "E.C. Adams", "Guilford High"),
    "Madison": ("Island Avenue", "Walter C. Polson", "Daniel Hand High"),
    "New Haven": ("Worthington Hooker", "Betsy Ross Arts", "Wilbur Cross High"),
    "Hartford": ("Noah Webster", "Bulkeley Middle", "Bulkeley High"),
    "West Hartford": ("Duffy", "King Philip", "Hall High"),
    "Glastonbury": ("Naubuc", "Smith Middle", "Glastonbury High"),
    "Stamford": ("Northeast", "Turn of River", "Westhill High"),
}
OPEN_HOUSE_REMARKS = ["", "", "Refreshments served.", "Shoe covers provided.", "Park on street."]

Status = Listing.StandardStatus
Kind = ListingEvent.Kind


def _rng(listing: Listing, purpose: str) -> random.Random:
    # One generator per listing and purpose: the same listing gets the same story every run,
    # whatever else the database holds.
    return random.Random(f"{SEED}:{purpose}:{listing.listing_key}")


def _at(day: dt.date, hour: int, rng: random.Random) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _round_price(value: Decimal) -> Decimal:
    return (value / 1000).quantize(Decimal(1)) * 1000


def _history(listing: Listing, *, today: dt.date) -> tuple[list[ListingEvent], Decimal | None]:
    """The invented past of a listing, ending in its current status and price; returns the
    events and the original list price if it was reduced."""
    rng = _rng(listing, "history")
    start = listing.listing_contract_date or today
    age = max(0, (today - start).days)
    price = listing.list_price
    events: list[ListingEvent] = []
    original = None
    if price is not None and age > 14 and rng.random() < 0.35:
        original = _round_price(price * Decimal(str(rng.choice([1.03, 1.05, 1.06, 1.08, 1.1]))))
    events.append(
        ListingEvent(
            listing=listing,
            kind=Kind.NEW,
            new_price=original or price,
            new_status=Status.ACTIVE
            if listing.standard_status != Status.COMING_SOON
            else Status.COMING_SOON,
            occurred_at=_at(start, 9, rng),
        )
    )
    if original is not None:
        day = start + dt.timedelta(days=rng.randint(7, max(7, min(age - 1, 60))))
        events.append(
            ListingEvent(
                listing=listing,
                kind=Kind.PRICE_DECREASE,
                old_price=original,
                new_price=price,
                old_status=Status.ACTIVE,
                new_status=Status.ACTIVE,
                occurred_at=_at(day, 11, rng),
            )
        )
    last_day = max(e.occurred_at.date() for e in events)
    status = listing.standard_status
    if status in (Status.PENDING, Status.ACTIVE_UNDER_CONTRACT, Status.CLOSED):
        under_contract = min(today, last_day + dt.timedelta(days=rng.randint(5, 40)))
        events.append(
            ListingEvent(
                listing=listing,
                kind=Kind.PENDING,
                old_status=Status.ACTIVE,
                new_status=Status.PENDING if status == Status.CLOSED else status,
                old_price=price,
                new_price=price,
                occurred_at=_at(under_contract, 14, rng),
            )
        )
        if status == Status.CLOSED:
            closed = listing.close_date or min(
                today, under_contract + dt.timedelta(days=rng.randint(25, 45))
            )
            listing.close_date = closed
            events.append(
                ListingEvent(
                    listing=listing,
                    kind=Kind.SOLD,
                    old_status=Status.PENDING,
                    new_status=Status.CLOSED,
                    old_price=price,
                    new_price=price,
                    occurred_at=_at(closed, 16, rng),
                )
            )
    elif status == Status.ACTIVE and age > 45 and rng.random() < 0.08:
        # A deal that fell through: under contract for a while, then back on the market.
        fell = min(today, last_day + dt.timedelta(days=rng.randint(10, 20)))
        events += [
            ListingEvent(
                listing=listing,
                kind=Kind.PENDING,
                old_status=Status.ACTIVE,
                new_status=Status.PENDING,
                old_price=price,
                new_price=price,
                occurred_at=_at(fell, 10, rng),
            ),
            ListingEvent(
                listing=listing,
                kind=Kind.BACK_ON_MARKET,
                old_status=Status.PENDING,
                new_status=Status.ACTIVE,
                old_price=price,
                new_price=price,
                occurred_at=_at(min(today, fell + dt.timedelta(days=rng.randint(7, 21))), 10, rng),
            ),
        ]
    return events, original


def _facts(listing: Listing, *, today: dt.date, original: Decimal | None) -> None:
    rng = _rng(listing, "facts")
    is_land = listing.property_type == Listing.PropertyType.LAND
    if not is_land and listing.bathrooms_total_integer:
        total = listing.bathrooms_total_integer
        listing.bathrooms_half = 1 if total >= 2 and rng.random() < 0.5 else 0
        listing.bathrooms_full = max(1, total - listing.bathrooms_half)
        listing.garage_spaces = 0 if listing.unit_number else rng.choice([0, 1, 2, 2, 2, 3])
        listing.stories = 1 if listing.unit_number else rng.choice([1, 2, 2, 2, 3])
    if listing.property_sub_type in ("Condominium", "Townhouse"):
        listing.association_fee = Decimal(rng.randrange(180, 650, 5))
        listing.association_fee_frequency = "Monthly"
    if listing.list_price:
        listing.tax_annual_amount = (listing.list_price * Decimal("0.021")).quantize(Decimal("1"))
        listing.tax_year = today.year - 1
    schools = SCHOOLS.get(listing.city)
    if schools and not is_land:
        listing.elementary_school, listing.middle_or_junior_school, listing.high_school = schools
    listing.list_agent_full_name = rng.choice(AGENT_NAMES)
    listing.list_office_name = rng.choice(OFFICES)
    if original is not None:
        listing.original_list_price = original
    elif listing.original_list_price is None:
        listing.original_list_price = listing.list_price
    if listing.listing_contract_date:
        listing.days_on_market = (today - listing.listing_contract_date).days
    if listing.standard_status == Status.CLOSED and listing.list_price:
        listing.close_price = _round_price(
            listing.list_price * Decimal(str(rng.choice([0.97, 0.99, 1.0, 1.02, 1.04])))
        )


FACT_FIELDS = [
    "bathrooms_full",
    "bathrooms_half",
    "garage_spaces",
    "stories",
    "association_fee",
    "association_fee_frequency",
    "tax_annual_amount",
    "tax_year",
    "elementary_school",
    "middle_or_junior_school",
    "high_school",
    "list_agent_full_name",
    "list_office_name",
    "original_list_price",
    "days_on_market",
    "close_price",
    "close_date",
]


def _next_weekend_open_houses(listing: Listing, *, today: dt.date) -> list[OpenHouse]:
    rng = _rng(listing, f"open-house:{today.isocalendar()[1]}")
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    days = [saturday] if rng.random() < 0.6 else [saturday, saturday + dt.timedelta(days=1)]
    houses = []
    for day in days:
        hour = rng.choice([10, 11, 12, 13])
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        houses.append(
            OpenHouse(
                listing=listing,
                open_house_key=f"{listing.listing_key}-OH-{day:%Y%m%d}",
                start_time=start,
                end_time=start + dt.timedelta(hours=rng.choice([1, 2, 2])),
                remarks=rng.choice(OPEN_HOUSE_REMARKS),
            )
        )
    return houses


def demo_photo_thumbnails_ensure() -> tuple[int, int]:
    """One thumbnail per demo pool photo (not per listing: thousands of listings share ~50
    pictures), pointed to by every media row showing that photo. Returns (files made, rows)."""
    names = (
        ListingMedia.objects.filter(thumbnail="", image__startswith="listings/demo/")
        .values_list("image", flat=True)
        .distinct()
    )
    made = rows = 0
    for name in list(names):
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        thumb_name = f"{THUMB_DIR}/{stem}.jpg"
        if not default_storage.exists(thumb_name):
            try:
                with default_storage.open(name, "rb") as handle:
                    thumb = photo_thumbnail(handle.read())
            except (OSError, PhotoError):
                continue  # a pool file missing from storage: the seed redraws it next time
            saved = default_storage.save(thumb_name, ContentFile(thumb))
            if saved != thumb_name:
                continue
            made += 1
        rows += ListingMedia.objects.filter(image=name, thumbnail="").update(thumbnail=thumb_name)
    return made, rows


@transaction.atomic
def demo_listings_enrich(*, now: dt.datetime | None = None) -> Counter:
    """History, facts and open houses for demo listings that lack them; pool thumbnails.
    Returns what was created, by kind, for the seed's report."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created: Counter = Counter()
    demo = Listing.objects.filter(listing_key__startswith=LISTING_KEY_PREFIX)

    # Listings with no history are the ones not enriched yet.
    bare = list(demo.filter(events__isnull=True).order_by("id"))
    for start in range(0, len(bare), BATCH_SIZE):
        batch = bare[start : start + BATCH_SIZE]
        events: list[ListingEvent] = []
        for listing in batch:
            history, original = _history(listing, today=today)
            events += history
            _facts(listing, today=today, original=original)
        ListingEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        Listing.objects.bulk_update(batch, FACT_FIELDS, batch_size=BATCH_SIZE)
        created["listing events"] += len(events)
        created["listings enriched"] += len(batch)

    # About one active listing in six holds an open house next weekend.
    with_upcoming = set(
        OpenHouse.objects.filter(
            listing__listing_key__startswith=LISTING_KEY_PREFIX, end_time__gte=now
        ).values_list("listing_id", flat=True)
    )
    houses: list[OpenHouse] = []
    for listing in demo.filter(standard_status=Status.ACTIVE).only("id", "listing_key"):
        if listing.pk in with_upcoming or _rng(listing, "open-house").random() >= 1 / 6:
            continue
        houses += _next_weekend_open_houses(listing, today=today)
    OpenHouse.objects.bulk_create(houses, batch_size=BATCH_SIZE)
    created["open houses"] += len(houses)

    files, rows = demo_photo_thumbnails_ensure()
    created["photo thumbnails"] += files
    return created


def demo_cma_and_report_ensure(*, client_email: str) -> Counter:
    """One sent CMA and one monthly market report for the demo client (idempotent: nothing
    is added once the agent has a CMA)."""
    from clients.models import Contact

    from .cma import cma_create, cma_send, subject_facts_from_listing, suggest_comparables
    from .market import report_save, report_send

    created: Counter = Counter()
    contact = Contact.objects.select_related("agent").filter(user__email=client_email).first()
    if contact is None or Cma.objects.filter(agent=contact.agent).exists():
        return created
    settings = {
        "radius_miles": Decimal("3.0"),
        "closed_within_months": 12,
        "area_tolerance_percent": 35,
    }
    candidates = Listing.objects.filter(
        standard_status=Status.ACTIVE,
        property_sub_type="Single Family Residence",
        latitude__isnull=False,
        living_area__isnull=False,
    ).order_by("id")[:60]
    home = None
    for candidate in candidates:
        # The demo's subject is a house with several sales nearby, so the range means something.
        trial = Cma(subject_listing=candidate, **subject_facts_from_listing(candidate), **settings)
        sold = [c for c in suggest_comparables(trial) if c.standard_status == Status.CLOSED]
        if len(sold) >= 4:
            home = candidate
            break
    if home is None:
        return created
    data = {**subject_facts_from_listing(home), **settings}
    data.update(
        title=f"What {home.address_line} could sell for",
        note="Here's how the homes around yours have sold. Happy to walk through it.",
    )
    cma = cma_create(agent=contact.agent, data=data, contact=contact, subject_listing=home)
    cma_send(cma=cma, contacts=[contact], send_no=1)
    created["CMAs"] += 1
    report = report_save(
        agent=contact.agent,
        data={
            "area_kind": "city",
            "area_value": home.city,
            "property_type": "",
            "period_months": 6,
            "schedule": "monthly",
            "title": f"{home.city} market update",
            "note": "",
        },
    )
    report_send(report=report, contacts=[contact], send_no=1)
    created["market reports"] += 1
    return created
