"""The query builder (listings/search.py): every filter, every sort, the map box and polygon."""

import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone

from listings import search
from listings.forms import ListingSearchForm
from listings.models import Listing, OpenHouse
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def found(criteria: dict) -> set[int]:
    return {listing.pk for listing in search.search_page(criteria, limit=500).listings}


def criteria_of(**query) -> dict:
    form = ListingSearchForm({k: str(v) for k, v in query.items()})
    assert form.is_valid(), form.errors
    return form.criteria


def test_default_search_shows_only_homes_still_for_sale():
    active = ListingFactory(standard_status=Listing.StandardStatus.ACTIVE)
    soon = ListingFactory(standard_status=Listing.StandardStatus.COMING_SOON)
    auc = ListingFactory(standard_status=Listing.StandardStatus.ACTIVE_UNDER_CONTRACT)
    ListingFactory(standard_status=Listing.StandardStatus.CLOSED)
    ListingFactory(standard_status=Listing.StandardStatus.PENDING)
    assert found({}) == {active.pk, soon.pk, auc.pk}


def test_status_filter_picks_one_status():
    closed = ListingFactory(standard_status=Listing.StandardStatus.CLOSED)
    ListingFactory()
    assert found(criteria_of(status="Closed")) == {closed.pk}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hartford", "hartford"),
        ("hartford, ct", "hartford"),
        ("06510", "zip"),
        ("CT900777", "mls"),
        ("12 Elm", "address"),
        ("12 elm st", "address"),
    ],
)
def test_location_box_takes_city_zip_mls_or_address(text, expected):
    listings = {
        "hartford": ListingFactory(city="Hartford", postal_code="06105", street_number="99"),
        "zip": ListingFactory(city="New Haven", postal_code="06510", street_number="98"),
        "mls": ListingFactory(city="Stamford", listing_id="CT900777", street_number="97"),
        "address": ListingFactory(
            city="Guilford", street_number="12", street_name="Elm", street_suffix="St"
        ),
    }
    assert found(criteria_of(q=text)) == {listings[expected].pk}


def test_address_search_ignores_like_wildcards():
    ListingFactory(street_number="5", street_name="Oak")
    # As a wildcard "%" would match "5 Oak St"; stripped, "5Oak" matches nothing.
    assert found(criteria_of(q="5%Oak")) == set()
    assert len(found(criteria_of(q="5 Oak"))) == 1


def test_price_beds_baths_and_type():
    match = ListingFactory(
        list_price=Decimal("400000"), bedrooms_total=3, bathrooms_total_integer=2
    )
    ListingFactory(list_price=Decimal("600000"), bedrooms_total=3, bathrooms_total_integer=2)
    ListingFactory(list_price=Decimal("250000"), bedrooms_total=3, bathrooms_total_integer=2)
    ListingFactory(list_price=Decimal("400000"), bedrooms_total=2, bathrooms_total_integer=2)
    ListingFactory(list_price=Decimal("400000"), bedrooms_total=4, bathrooms_total_integer=1)
    ListingFactory(
        list_price=Decimal("400000"),
        bedrooms_total=3,
        bathrooms_total_integer=2,
        property_type=Listing.PropertyType.LAND,
    )
    criteria = criteria_of(
        min_price="$300,000", max_price="450k", beds=3, baths=2, type="Residential"
    )
    assert found(criteria) == {match.pk}


@pytest.mark.parametrize(
    "query, field, inside, outside",
    [
        ({"min_sqft": "1500", "max_sqft": "2000"}, "living_area", 1800, 2500),
        ({"min_lot": "0.5", "max_lot": "2"}, "lot_size_area", Decimal("1.25"), Decimal("0.2")),
        ({"min_year": "1990", "max_year": "2010"}, "year_built", 2000, 1950),
        ({"garage": "2"}, "garage_spaces", 2, 1),
        ({"max_dom": "30"}, "days_on_market", 12, 90),
    ],
)
def test_side_filters(query, field, inside, outside):
    match = ListingFactory(**{field: inside})
    ListingFactory(**{field: outside})
    assert found(criteria_of(**query)) == {match.pk}


def test_keywords_search_the_description():
    pool = ListingFactory(public_remarks="Sunny colonial with an inground pool and a fireplace.")
    ListingFactory(public_remarks="Cozy ranch near the park.")
    assert found(criteria_of(keywords="pool")) == {pool.pk}
    assert found(criteria_of(keywords="pool fireplace")) == {pool.pk}
    assert found(criteria_of(keywords="pool garage")) == set()


def test_open_houses_only_counts_upcoming_ones():
    now = timezone.now()
    upcoming = ListingFactory()
    OpenHouse.objects.create(
        listing=upcoming,
        start_time=now + datetime.timedelta(days=1),
        end_time=now + datetime.timedelta(days=1, hours=2),
    )
    past = ListingFactory()
    OpenHouse.objects.create(
        listing=past,
        start_time=now - datetime.timedelta(days=3),
        end_time=now - datetime.timedelta(days=3, hours=-2),
    )
    ListingFactory()
    assert found(criteria_of(open_house="on")) == {upcoming.pk}


def test_price_reduced():
    cut = ListingFactory(list_price=Decimal("400000"), original_list_price=Decimal("425000"))
    ListingFactory(list_price=Decimal("400000"), original_list_price=Decimal("400000"))
    ListingFactory(list_price=Decimal("400000"), original_list_price=None)
    assert found(criteria_of(reduced="on")) == {cut.pk}


def test_new_in_the_last_n_days():
    today = timezone.localdate()
    fresh = ListingFactory(listing_contract_date=today - datetime.timedelta(days=2))
    ListingFactory(listing_contract_date=today - datetime.timedelta(days=20))
    assert found(criteria_of(new_days=7)) == {fresh.pk}


def test_map_box_filters_by_coordinates():
    inside = ListingFactory(latitude=Decimal("41.30"), longitude=Decimal("-72.90"))
    ListingFactory(latitude=Decimal("41.76"), longitude=Decimal("-72.68"))
    ListingFactory(latitude=None, longitude=None)
    assert found(criteria_of(bbox="41.2,-73.0,41.4,-72.8")) == {inside.pk}


def test_polygon_keeps_points_inside_the_shape_not_just_its_box():
    # A triangle whose bounding box is 41.0–42.0 × -73.0–-72.0; its hypotenuse runs corner to corner.
    triangle = "41.0 -73.0,42.0 -73.0,41.0 -72.0"
    inside = ListingFactory(latitude=Decimal("41.2"), longitude=Decimal("-72.8"))
    in_box_only = ListingFactory(latitude=Decimal("41.8"), longitude=Decimal("-72.2"))
    ListingFactory(latitude=Decimal("43.0"), longitude=Decimal("-72.5"))
    result = found(criteria_of(poly=triangle))
    assert result == {inside.pk}
    assert in_box_only.pk not in result
    assert search.point_in_polygon(41.2, -72.8, search.parse_polygon(triangle))
    assert not search.point_in_polygon(41.8, -72.2, search.parse_polygon(triangle))


@pytest.mark.parametrize(
    "sort, key",
    [
        ("newest", lambda listing: (listing.listing_contract_date, listing.pk)),
        ("price_asc", lambda listing: (-listing.list_price, -listing.pk)),
        ("price_desc", lambda listing: (listing.list_price, listing.pk)),
        ("beds", lambda listing: (listing.bedrooms_total, listing.pk)),
        ("area", lambda listing: (listing.living_area, listing.pk)),
    ],
)
def test_every_sort_orders_the_results(sort, key):
    today = timezone.localdate()
    for n in range(8):
        ListingFactory(
            listing_contract_date=today - datetime.timedelta(days=n % 3),
            list_price=Decimal(300000 + (n % 4) * 50000),
            bedrooms_total=1 + n % 3,
            living_area=1000 + (n % 5) * 100,
        )
    page = search.search_page(criteria_of(sort=sort), limit=100).listings
    assert page == sorted(page, key=key, reverse=True)
    assert len(page) == 8


def test_listings_without_a_sort_value_come_last_and_still_page():
    priced = [ListingFactory(list_price=Decimal(100000 + n)) for n in range(3)]
    unpriced = [ListingFactory(list_price=None) for _ in range(3)]
    criteria = criteria_of(sort="price_asc")
    seen = []
    after = None
    for _ in range(10):
        page = search.search_page(criteria, after=after, limit=2)
        seen += [listing.pk for listing in page.listings]
        if not page.next_cursor:
            break
        after = search.parse_cursor(page.next_cursor, sort="price_asc")
    assert seen == [listing.pk for listing in priced] + [listing.pk for listing in unpriced]


def test_capped_count_says_plus_past_the_cap():
    ListingFactory.create_batch(5)
    assert search.capped_count({}, cap=3) == (3, True)
    assert search.capped_count({}, cap=10) == (5, False)


def test_criteria_round_trip_through_the_query_string():
    criteria = criteria_of(
        q="Hartford",
        min_price="300000",
        beds=3,
        min_lot="0.5",
        open_house="on",
        sort="price_desc",
        bbox="41.2,-73,41.4,-72.8",
        poly="41 -73,42 -73,41 -72",
    )
    query = search.criteria_to_query_string(criteria)
    form = ListingSearchForm(QueryDict(query))
    assert form.is_valid(), form.errors
    assert form.criteria == criteria
    assert search.describe(criteria).startswith("Hartford · $300k+")


@pytest.mark.parametrize(
    "query", [{"bbox": "41.2,-73.0,41.4,-72.8"}, {"poly": "41.0 -73.0,42.0 -73.0,41.0 -72.0"}]
)
def test_dense_and_sparse_map_areas_find_the_same_homes(query):
    # A dense area (more than the count cap) is filtered, not index-scanned: same answer.
    for lat in ("41.20", "41.25", "41.30", "41.35", "41.8", "43.0"):
        ListingFactory(latitude=Decimal(lat), longitude=Decimal("-72.9"))
    criteria = criteria_of(**query)
    sparse = search.search_page(criteria, limit=100, dense=False).listings
    dense = search.search_page(criteria, limit=100, dense=True).listings
    assert sparse == dense and len(sparse) >= 3
