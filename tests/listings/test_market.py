"""Market statistics against a small data set computed by hand, on PostgreSQL's aggregate path
and on the portable path the SQLite demo uses (medians in Python)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from listings import market
from listings.models import ListingEvent
from tests.listings.factories import ListingFactory

TODAY = dt.date(2026, 6, 15)  # the period is April, May (empty) and June (to date)
D = dt.date


def listing(**kwargs):
    defaults = {"city": "Testville", "postal_code": "06999", "days_on_market": None}
    return ListingFactory(**{**defaults, **kwargs})


@pytest.fixture
def testville(db):
    # Before the period: L1 active, L7 listed in March (closes in June), L8 withdrawn (left out
    # of inventory), and two that closed in April.
    listing(listing_contract_date=D(2026, 3, 1), list_price=Decimal("300000"))
    l2 = listing(
        listing_contract_date=D(2026, 3, 5),
        standard_status="Closed",
        list_price=Decimal("310000"),
        close_price=Decimal("300000"),
        close_date=D(2026, 4, 10),
        living_area=1000,
        days_on_market=10,
    )
    listing(
        listing_contract_date=D(2026, 3, 20),
        standard_status="Closed",
        list_price=Decimal("500000"),
        close_price=Decimal("500000"),
        close_date=D(2026, 4, 20),
        living_area=2000,
        days_on_market=20,
    )
    l7 = listing(
        listing_contract_date=D(2026, 3, 25),
        standard_status="Closed",
        list_price=Decimal("250000"),
        close_price=Decimal("250000"),
        close_date=D(2026, 6, 3),
        living_area=1250,
    )
    listing(listing_contract_date=D(2026, 2, 1), standard_status="Withdrawn")
    # New in April: three, list prices 100k / 200k / 400k (odd count: median 200k).
    for price in ("100000", "200000", "400000"):
        listing(listing_contract_date=D(2026, 4, 2), list_price=Decimal(price))
    # Went pending: L7 in May (counted), L2 in March (before the period).
    for item, day in [(l7, D(2026, 5, 10)), (l2, D(2026, 3, 28))]:
        ListingEvent.objects.create(
            listing=item,
            kind="pending",
            occurred_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))),
        )
    # Elsewhere, or another type: never counted in a Residential Testville report.
    listing(
        city="Otherton",
        postal_code="06000",
        standard_status="Closed",
        close_price=1,
        close_date=D(2026, 4, 9),
    )
    listing(
        property_type="Land",
        standard_status="Closed",
        list_price=Decimal("50000"),
        close_price=Decimal("50000"),
        close_date=D(2026, 4, 12),
        listing_contract_date=D(2026, 1, 5),
        living_area=None,
    )


@pytest.fixture(params=["postgresql", "portable"])
def path(request, monkeypatch):
    if request.param == "portable":
        monkeypatch.setattr(market, "_postgres", lambda: False)
    return request.param


def stats_for(**kwargs):
    options = {
        "area": market.Area(kind="city", value="testville"),
        "property_type": "Residential",
        "months": 3,
        "today": TODAY,
    }
    return market.market_stats(**{**options, **kwargs})


def test_monthly_figures_match_the_hand_computed_ones(testville, path):
    april, may, june = stats_for().months
    assert [m.month for m in (april, may, june)] == [D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1)]
    assert (april.new_listings, april.pending, april.closed) == (3, 0, 2)
    assert april.median_list == 200_000  # odd count: the middle one
    assert april.median_close == 400_000  # even count: the mean of the middle two
    assert april.median_ppsf == 275  # 300 and 250 a sq ft
    assert april.median_dom == 15
    assert april.sale_to_list == pytest.approx((300 / 310 * 100 + 100) / 2, abs=0.001)
    # Inventory: L1, L2, L3, L7 listed before April, + 3 new − 2 closed.
    assert april.inventory == 5 and april.months_of_supply == 2.5
    # May had no listings and no sales: zeros and blanks, not errors.
    assert (may.new_listings, may.pending, may.closed) == (0, 1, 0)
    assert may.median_close is None and may.median_list is None and may.sale_to_list is None
    assert may.inventory == 5 and may.months_of_supply is None
    # June (to date): L7, no DaysOnMarket, so listing to close date.
    assert june.partial and june.closed == 1 and june.median_close == 250_000
    assert june.median_dom == (D(2026, 6, 3) - D(2026, 3, 25)).days
    assert june.median_ppsf == 200
    assert june.inventory == 4 and june.months_of_supply == 4.0


def test_all_property_types_and_zip_areas(testville, path):
    april = stats_for(property_type="").months[0]
    assert april.closed == 3  # the land sale too
    assert april.median_close == 300_000  # 50k, 300k, 500k
    by_zip = stats_for(area=market.Area(kind="zip", value="06999")).months[0]
    assert by_zip.closed == 2


def test_drawn_shape_area(testville):
    square = [[41.7, -72.7], [41.8, -72.7], [41.8, -72.6], [41.7, -72.6]]
    stats = stats_for(area=market.Area(kind="shape", shape=square), property_type="Residential")
    # Every factory listing sits at 41.7637, -72.6851: Otherton's sale is inside the shape too.
    assert stats.months[0].closed == 3


def test_summary_sentences_in_plain_words(testville):
    stats = stats_for()
    assert stats.summary[0] == "Median close price was $400,000 in April 2026."
    assert "3 homes closed in testville over these 3 months" in stats.summary[1]
    later = stats_for(today=D(2026, 7, 2), months=4)  # June complete now: April → June
    assert later.summary[0].startswith("Median close price fell 37.5% over 2 months")
    assert later.summary[-1] == "4.0 months of supply at the end of June 2026: a balanced market."


def test_an_empty_area_says_so(db, path):
    stats = stats_for(area=market.Area(kind="city", value="Nowhere"))
    assert stats.is_empty and len(stats.months) == 3
    assert stats.summary == ["No listings in Nowhere for this period and property type."]


def test_period_is_capped_at_24_months(db):
    assert len(stats_for(months=25).months) == 24
    assert len(stats_for(months=0).months) == 1


def test_percentile_matches_percentile_cont():
    assert market.percentile([3, 1, 2]) == 2
    assert market.percentile([4, 1, 3, 2]) == 2.5
    assert market.percentile([]) is None
    assert market.percentile([10, 20, 30, 40, 50], 0.25) == 20


def test_report_is_a_few_queries_whatever_the_size(testville, django_assert_max_num_queries):
    for _ in range(30):
        listing(listing_contract_date=D(2026, 4, 3))
    with django_assert_max_num_queries(1):
        stats_for()
