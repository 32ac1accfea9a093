"""The matching engine against a brute-force reference.

The reference (``reference_matches``) reads the criteria the way a person reads the Search
Listings form, one listing and one search at a time, in plain Python. The engine must agree with
it on random listings and random searches (hypothesis), for every criterion and change type.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Contact
from clients.prepared import forget_prepared
from listings.models import Listing, ListingEvent, OpenHouse
from listings.search import ON_MARKET_STATUSES, point_in_polygon
from searches.criteria import criteria_columns, location_kind
from searches.matching import match_event_range, match_pending_events, reverse_prospect_search_ids
from searches.models import ALL_CHANGE_TYPES, ChangeType, SavedSearch, SearchMatch
from tests.clients.factories import ClientContactFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

CITIES = [("Hartford", "06105"), ("Avon", "06001"), ("Simsbury", "06070")]
WORDS = ["pool", "fireplace", "garden", "view"]
TYPES = [Listing.PropertyType.RESIDENTIAL, Listing.PropertyType.LAND]
STATUSES = [s for s, _ in Listing.StandardStatus.choices]
KINDS = [k for k, _ in ListingEvent.Kind.choices]
BITS = {
    "new": ChangeType.NEW,
    "price_decrease": ChangeType.PRICE_DECREASE,
    "price_increase": ChangeType.PRICE_INCREASE,
    "back_on_market": ChangeType.BACK_ON_MARKET,
    "pending": ChangeType.PENDING,
    "sold": ChangeType.SOLD,
}


# --- the reference --------------------------------------------------------------------------------


def _at_least(value, bound) -> bool:
    return bound is None or (value is not None and value >= bound)


def _at_most(value, bound) -> bool:
    return bound is None or (value is not None and value <= bound)


def reference_matches(listing: Listing, criteria: dict, change_types: int, kind: str) -> bool:
    if not change_types & BITS.get(kind, 0):
        return False
    if kind not in ("pending", "sold"):
        status = criteria.get("status")
        if status and listing.standard_status != status:
            return False
        if not status and listing.standard_status not in ON_MARKET_STATUSES:
            return False
    q = criteria.get("q", "").strip()
    if q:
        if q.isdigit():
            if not listing.postal_code.startswith(q[:5]):
                return False
        elif listing.city.upper() != q.split(",")[0].strip().upper():
            return False
    price = listing.list_price
    checks = [
        _at_least(price, criteria.get("min_price")),
        _at_most(price, criteria.get("max_price")),
        _at_least(listing.bedrooms_total, criteria.get("beds")),
        _at_least(listing.bathrooms_total_integer, criteria.get("baths")),
        _at_least(listing.living_area, criteria.get("min_sqft")),
        _at_most(listing.living_area, criteria.get("max_sqft")),
        _at_least(listing.year_built, criteria.get("min_year")),
        _at_most(listing.year_built, criteria.get("max_year")),
        _at_least(listing.garage_spaces, criteria.get("garage")),
        _at_most(listing.days_on_market, criteria.get("max_dom")),
    ]
    for key, check in (("min_lot", _at_least), ("max_lot", _at_most)):
        if criteria.get(key) is not None:
            lot = listing.lot_size_area
            checks.append(check(lot, Decimal(str(criteria[key]))))
    if not all(checks):
        return False
    if criteria.get("type") and listing.property_type != criteria["type"]:
        return False
    if criteria.get("reduced") and not (
        listing.original_list_price and price and price < listing.original_list_price
    ):
        return False
    lat, lng = float(listing.latitude), float(listing.longitude)
    if criteria.get("bbox"):
        south, west, north, east = criteria["bbox"]
        if not (south <= lat <= north and west <= lng <= east):
            return False
    if criteria.get("poly") and not point_in_polygon(lat, lng, criteria["poly"]):
        return False
    if criteria.get("new_days"):
        since = timezone.localdate() - datetime.timedelta(days=criteria["new_days"])
        if listing.listing_contract_date < since:
            return False
    if criteria.get("keywords"):
        words = set(listing.public_remarks.lower().replace(".", " ").split())
        if not all(word in words for word in criteria["keywords"].split()):
            return False
    upcoming = listing.open_houses.filter(end_time__gte=timezone.now()).exists()
    return upcoming or not criteria.get("open_house")


# --- random listings and searches -----------------------------------------------------------------

LAT0, LNG0 = 41.70, -72.80


def random_listing(rng: random.Random) -> Listing:
    city, postal = rng.choice(CITIES)
    price = Decimal(rng.choice([None, *range(100_000, 900_001, 50_000)]) or 0) or None
    listing = ListingFactory(
        city=city,
        postal_code=postal + rng.choice(["", "-1234"]),
        standard_status=rng.choice(STATUSES),
        property_type=rng.choice(TYPES),
        list_price=price,
        original_list_price=(price + rng.choice([0, 0, 10_000])) if price else None,
        bedrooms_total=rng.choice([None, 1, 2, 3, 4, 5]),
        bathrooms_total_integer=rng.choice([None, 1, 2, 3]),
        living_area=rng.choice([None, 800, 1500, 2200, 3500]),
        lot_size_area=rng.choice([None, Decimal("0.25"), Decimal("1.5"), Decimal("5")]),
        year_built=rng.choice([None, 1920, 1975, 2005, 2021]),
        garage_spaces=rng.choice([None, 0, 1, 2]),
        days_on_market=rng.choice([None, 1, 10, 45, 200]),
        latitude=Decimal(f"{LAT0 + rng.randint(0, 10) * 0.01:.6f}"),
        longitude=Decimal(f"{LNG0 + rng.randint(0, 10) * 0.01:.6f}"),
        listing_contract_date=timezone.localdate() - datetime.timedelta(days=rng.randint(0, 30)),
        public_remarks=" ".join(rng.sample(WORDS, rng.randint(0, 3))) + ". Lovely home.",
    )
    if rng.random() < 0.2:
        start = timezone.now() + datetime.timedelta(days=rng.choice([-3, 2]))
        OpenHouse.objects.create(
            listing=listing, start_time=start, end_time=start + datetime.timedelta(hours=2)
        )
    return listing


def random_criteria(rng: random.Random) -> dict:
    criteria: dict = {}

    def maybe(key, values, p=0.3):
        if rng.random() < p:
            criteria[key] = rng.choice(values)

    city, postal = rng.choice(CITIES)
    area = rng.random()
    if area < 0.35:
        criteria["q"] = rng.choice([city, city.lower(), f"{city.upper()}, CT"])
    elif area < 0.5:
        criteria["q"] = postal
    if rng.random() < 0.25:
        south = LAT0 + rng.randint(0, 6) * 0.01
        west = LNG0 + rng.randint(0, 6) * 0.01
        criteria["bbox"] = [south, west, south + 0.045, west + 0.045]
    elif rng.random() < 0.15:
        lat, lng = LAT0 + rng.randint(0, 5) * 0.01, LNG0 + rng.randint(0, 5) * 0.01
        criteria["poly"] = [[lat, lng], [lat + 0.055, lng + 0.01], [lat + 0.01, lng + 0.06]]
    maybe("min_price", [200_000, 400_000])
    maybe("max_price", [500_000, 800_000])
    maybe("beds", [2, 3, 4])
    maybe("baths", [1, 2])
    maybe("type", TYPES, 0.2)
    maybe("status", STATUSES, 0.15)
    maybe("min_sqft", [1000, 2000], 0.15)
    maybe("max_sqft", [2500], 0.1)
    maybe("min_lot", [0.5, 1.0], 0.1)
    maybe("max_lot", [2.0], 0.1)
    maybe("min_year", [1950, 2000], 0.1)
    maybe("max_year", [2010], 0.1)
    maybe("garage", [1, 2], 0.1)
    maybe("max_dom", [30, 60], 0.1)
    maybe("new_days", [7, 14], 0.1)
    maybe("keywords", ["pool", "fireplace view"], 0.1)
    maybe("reduced", [True], 0.1)
    maybe("open_house", [True], 0.1)
    return criteria


def run_random_case(seed: int, *, listings: int, searches: int) -> int:
    rng = random.Random(seed)
    contact = ClientContactFactory()
    first_event = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    made = [random_listing(rng) for _ in range(listings)]
    events = [
        ListingEvent.objects.create(
            listing=listing,
            kind=rng.choice(KINDS),
            old_price=Decimal("500000"),
            new_price=listing.list_price,
            occurred_at=timezone.now(),
        )
        for listing in made
    ]
    saved = []
    for n in range(searches):
        saved.append(
            SavedSearch.objects.create(
                agent=contact.agent,
                contact=contact,
                name=f"Search {n}",
                criteria=random_criteria(rng),
                kind=SavedSearch.Kind.AUTOMATIC,
                change_types=rng.choice([ALL_CHANGE_TYPES, ChangeType.NEW, rng.randint(1, 63)]),
            )
        )
    result = match_event_range(first_event, events[-1].pk)
    got = set(SearchMatch.objects.filter(search__in=saved).values_list("search_id", "event_id"))
    expected = {
        (search.pk, event.pk)
        for search in saved
        for event in events
        if reference_matches(event.listing, search.criteria, search.change_types, event.kind)
    }
    missing = expected - got
    extra = got - expected
    assert not missing and not extra, (
        f"seed {seed}: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}; "
        f"e.g. {SavedSearch.objects.get(pk=(missing or extra).pop()[0]).criteria}"
    )
    assert result.matches_created == len(expected)
    return len(expected)


@pytest.mark.parametrize("seed", range(4))
def test_engine_agrees_with_the_reference_on_random_data(seed):
    matched = run_random_case(seed, listings=40, searches=120)
    print(f"[measure] seed {seed}: {matched} matches of {40 * 120} pairs")
    assert matched > 20  # the data set is not trivially empty


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_engine_agrees_with_the_reference_property(seed):
    # Each example in its own savepoint, rolled back, so examples do not see each other's rows.
    with transaction.atomic():
        run_random_case(seed, listings=8, searches=25)
        transaction.set_rollback(True)


# --- idempotence, change types, the cursor --------------------------------------------------------


def _event(listing, kind, old=None, new=None):
    return ListingEvent.objects.create(
        listing=listing, kind=kind, old_price=old, new_price=new, occurred_at=timezone.now()
    )


def _search(contact, **fields):
    fields.setdefault("kind", SavedSearch.Kind.AUTOMATIC)
    fields.setdefault("criteria", {"q": "Hartford"})
    return SavedSearch.objects.create(agent=contact.agent, contact=contact, name="S", **fields)


def test_running_the_same_batch_twice_creates_nothing_new(client_contact):
    search = _search(client_contact)
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    event = _event(ListingFactory(), "new")
    first = match_event_range(before, event.pk)
    again = match_event_range(before, event.pk)
    assert (first.matches_created, again.matches_created) == (1, 0)
    search.refresh_from_db()
    assert search.match_count == 1 and search.last_match_at is not None
    assert SearchMatch.objects.filter(search=search).count() == 1


@pytest.mark.parametrize(
    "kind,bit",
    [
        ("new", ChangeType.NEW),
        ("price_decrease", ChangeType.PRICE_DECREASE),
        ("price_increase", ChangeType.PRICE_INCREASE),
        ("back_on_market", ChangeType.BACK_ON_MARKET),
        ("pending", ChangeType.PENDING),
        ("sold", ChangeType.SOLD),
    ],
)
def test_each_change_type_alerts_only_when_chosen(client_contact, kind, bit):
    wanted = _search(client_contact, change_types=bit)
    unwanted = _search(client_contact, change_types=ALL_CHANGE_TYPES & ~bit)
    status = {"pending": "Pending", "sold": "Closed"}.get(kind, "Active")
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    event = _event(
        ListingFactory(standard_status=status), kind, Decimal("500000"), Decimal("450000")
    )
    match_event_range(before, event.pk)
    assert SearchMatch.objects.filter(search=wanted, event=event).exists()
    assert not SearchMatch.objects.filter(search=unwanted).exists()


def test_withdrawn_and_plain_status_changes_never_alert(client_contact):
    _search(client_contact, change_types=ALL_CHANGE_TYPES)
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    listing = ListingFactory(standard_status="Withdrawn")
    _event(listing, "off_market")
    last = _event(listing, "status_change")
    assert match_event_range(before, last.pk).matches_created == 0


def test_paused_saved_and_switched_off_searches_do_not_match(client_contact, agent):
    _search(client_contact, is_paused=True)
    _search(client_contact, kind=SavedSearch.Kind.SAVED)
    _search(client_contact, client_alerts_off=True)
    SavedSearch.objects.create(
        agent=agent, contact=None, name="No client", kind="automatic", criteria={}
    )
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    event = _event(ListingFactory(), "new")
    assert match_event_range(before, event.pk).matches_created == 0


def test_screened_searches_hold_matches_for_the_agent(client_contact):
    search = _search(client_contact, requires_screening=True)
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    event = _event(ListingFactory(), "new")
    match_event_range(before, event.pk)
    assert SearchMatch.objects.get(search=search).state == SearchMatch.State.SCREENING


def test_the_cursor_matches_each_event_once_in_batches(client_contact, monkeypatch):
    import searches.matching as matching

    monkeypatch.setattr(matching, "BATCH_EVENTS", 3)
    match_pending_events()  # whatever came before this test
    search = _search(client_contact)
    listings = [ListingFactory() for _ in range(7)]
    for listing in listings:
        _event(listing, "new")
    assert match_pending_events() == 7
    assert match_pending_events() == 0
    assert SearchMatch.objects.filter(search=search).count() == 7


def test_criteria_columns_pick_the_selective_area_key():
    assert location_kind("06105") == ("zip", "06105")
    assert location_kind("West Hartford, CT") == ("city", "WEST HARTFORD")
    assert location_kind("12 Maple St")[0] == "text"
    assert location_kind("CT240017")[0] == "text"
    assert criteria_columns({"q": "Avon", "bbox": [41, -73, 42, -72]})["c_area_kind"] == "city"
    columns = criteria_columns({"poly": [[41, -73], [42, -73], [41.5, -72]]})
    assert columns["c_area_kind"] == "box" and columns["c_needs_check"]
    assert (columns["c_south"], columns["c_east"]) == (41, -72)
    assert criteria_columns({})["c_area_kind"] == "any"
    # Junk in stored JSON never breaks a save.
    assert criteria_columns({"min_price": "lots", "bbox": [1, 2]})["c_min_price"] is None


def test_address_searches_are_checked_with_the_search_pages_own_query(client_contact):
    search = _search(client_contact, criteria={"q": "12 Maple"})
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    hit = ListingFactory(street_number="12", street_name="Maple")
    miss = ListingFactory(street_number="99", street_name="Oak")
    _event(hit, "new")
    last = _event(miss, "new")
    match_event_range(before, last.pk)
    assert list(SearchMatch.objects.filter(search=search).values_list("listing", flat=True)) == [
        hit.pk
    ]


# --- reverse prospecting ---------------------------------------------------------------------------


def test_reverse_prospecting_counts_only_contacts_with_the_flag_on(agent, other_agent):
    shown = ClientContactFactory(agent=agent, reverse_prospecting=True)
    hidden = ClientContactFactory(agent=other_agent, reverse_prospecting=False)
    other = ClientContactFactory(agent=other_agent, reverse_prospecting=True)
    listing = ListingFactory(city="Avon", postal_code="06001")
    yes = [
        SavedSearch.objects.create(agent=c.agent, contact=c, name="A", criteria={"q": "Avon"})
        for c in (shown, other)
    ]
    SavedSearch.objects.create(agent=other_agent, contact=hidden, name="B", criteria={"q": "Avon"})
    SavedSearch.objects.create(agent=agent, contact=shown, name="C", criteria={"q": "Simsbury"})
    SavedSearch.objects.create(
        agent=agent, contact=shown, name="D", criteria={"q": "Avon"}, is_paused=True
    )
    assert sorted(reverse_prospect_search_ids(listing)) == sorted(s.pk for s in yes)


@pytest.mark.parametrize("seed", range(3))
def test_reverse_prospecting_agrees_with_the_reference_on_random_data(seed):
    """The prospecting statement reads partial GiST indexes over (area, price range) instead of
    the alert statement's joins: it must still find exactly what the criteria say."""
    rng = random.Random(1000 + seed)
    looking = ClientContactFactory(reverse_prospecting=True)
    private = ClientContactFactory(agent=looking.agent, reverse_prospecting=False)
    # Switched off behind the ORM's back (a queryset update sends no signal): the database's
    # triggers still bring its searches' copy of the flag along.
    stale = ClientContactFactory(agent=looking.agent, reverse_prospecting=True)
    listings = [random_listing(rng) for _ in range(12)]
    searches = []
    for n in range(90):
        contact = (looking, private, stale)[n % 3]
        searches.append(
            SavedSearch.objects.create(
                agent=contact.agent,
                contact=contact,
                name=f"Search {n}",
                criteria=random_criteria(rng),
                kind=rng.choice([SavedSearch.Kind.AUTOMATIC, SavedSearch.Kind.SAVED]),
                is_paused=rng.random() < 0.1,
            )
        )
    assert SavedSearch.objects.filter(contact=stale, c_prospecting=True).count() == 30
    Contact.objects.filter(pk=stale.pk).update(reverse_prospecting=False)
    assert not SavedSearch.objects.filter(contact=stale, c_prospecting=True).exists()
    found_any = 0
    for listing in listings:
        got = set(reverse_prospect_search_ids(listing))
        expected = {
            s.pk
            for s in searches
            if s.contact_id == looking.pk
            and not s.is_paused
            and reference_matches(listing, s.criteria, ALL_CHANGE_TYPES, "new")
        }
        assert got == expected, (seed, listing.pk, sorted(got ^ expected)[:5])
        found_any += len(got)
    assert found_any > 0


def test_the_prospecting_copy_cannot_be_set_apart_from_the_contacts_flag(agent):
    contact = ClientContactFactory(agent=agent, reverse_prospecting=False)
    search = SavedSearch.objects.create(agent=agent, contact=contact, name="A", criteria={})
    SavedSearch.objects.filter(pk=search.pk).update(c_prospecting=True)  # by hand, wrongly
    search.refresh_from_db()
    assert not search.c_prospecting
    with connection.cursor() as cursor:  # even raw SQL
        cursor.execute(
            "INSERT INTO searches_savedsearch (agent_id, contact_id, name, criteria, kind,"
            " is_paused, paused_by, created_at, updated_at, frequency, send_hour, send_weekday,"
            " time_zone, change_types, first_send, requires_screening, client_alerts_off,"
            " slowed_from, emails_sent, c_area_kind, c_city, c_postal, c_status, c_type,"
            " c_reduced, c_needs_check, c_prospecting, c_text) VALUES (%s, %s, 'B', '{}',"
            " 'saved', false, '', now(), now(), 'daily', 8, 0, '', 1, 'all', false, false, '',"
            " 0, 'any', '', '', '', '', false, false, true, '') RETURNING id",
            [agent.pk, contact.pk],
        )
        raw_id = cursor.fetchone()[0]
    assert not SavedSearch.objects.get(pk=raw_id).c_prospecting


def test_the_prospecting_copy_follows_the_contacts_flag(agent):
    contact = ClientContactFactory(agent=agent, reverse_prospecting=False)
    search = SavedSearch.objects.create(
        agent=agent, contact=contact, name="A", criteria={"q": "Avon"}
    )
    assert not search.c_prospecting
    contact.reverse_prospecting = True
    contact.save()
    search.refresh_from_db()
    assert search.c_prospecting
    contact.reverse_prospecting = False
    contact.save(update_fields=["reverse_prospecting"])
    search.refresh_from_db()
    assert not search.c_prospecting
    listing = ListingFactory(city="Avon")
    assert reverse_prospect_search_ids(listing) == []


def test_reverse_prospecting_survives_a_server_connection_without_its_prepared_statement(agent):
    """Behind PgBouncer in transaction mode the next transaction may run on a server connection
    that never saw the PREPARE (or a pooler's DISCARD ALL dropped it)."""
    contact = ClientContactFactory(agent=agent, reverse_prospecting=True)
    search = SavedSearch.objects.create(
        agent=agent, contact=contact, name="A", criteria={"q": "Avon"}
    )
    listing = ListingFactory(city="Avon")
    assert reverse_prospect_search_ids(listing) == [search.pk]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    # What this connection prepared for the session read is gone too (clients.prepared repairs
    # that outside a transaction; a test runs inside one).
    forget_prepared(connection=connection)
    assert reverse_prospect_search_ids(listing) == [search.pk]
    assert reverse_prospect_search_ids(listing) == [search.pk]
