"""What keeps Search Listings fast at 1,000,000 listings (benchmarks/search.py measures it; these
tests hold the shapes that make it possible): the capped count's answers and its one query, the
count's SQL matching migration 0005's partial indexes character for character, and the Python
renderers of cards, rows and form fields writing what Django's templates wrote."""

import importlib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from listings import search
from listings.forms import ListingSearchForm
from listings.models import Listing
from listings.templatetags import listing_cards
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

PORTAL = "/portal/search/"
AGENT = "/agent/listings/"
MIGRATION = importlib.import_module("listings.migrations.0005_search_count_indexes")


def criteria_of(**query) -> dict:
    form = ListingSearchForm(_qd(query))
    assert form.is_valid(), form.errors
    return form.criteria


def _qd(query: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in query.items():
        data[key] = str(value)
    return data


# --- the capped count ---------------------------------------------------------------------------


def test_keyword_count_is_exact_below_the_cap_and_capped_above():
    ListingFactory.create_batch(6, public_remarks="Inground pool and a barn.")
    ListingFactory.create_batch(2, public_remarks="A quiet street.")
    ListingFactory(public_remarks="Pool house", standard_status=Listing.StandardStatus.CLOSED)
    assert search.capped_count(criteria_of(keywords="pool")) == (6, False)
    assert search.capped_count(criteria_of(keywords="pool"), cap=4) == (4, True)
    assert search.capped_count(criteria_of(keywords="pool barn"), cap=6) == (6, False)
    assert search.capped_count(criteria_of(keywords="pool", status="Closed")) == (1, False)


def test_a_big_enough_sample_says_more_than_the_cap_without_counting(monkeypatch):
    # With every listing in the "sample" and 3 sample matches proving the point, the probe
    # answers alone: the exact count (which would say 5) never runs.
    monkeypatch.setattr(search, "COUNT_SAMPLE_EVERY", 1)
    monkeypatch.setattr(search, "COUNT_SAMPLE_ENOUGH", 3)
    ListingFactory.create_batch(5, public_remarks="Water views from the deck.")
    with CaptureQueriesContext(connection) as queries:
        assert search.capped_count(criteria_of(keywords="water views"), cap=10) == (10, True)
    assert len(queries) == 1
    assert "% 1 = 0" in queries[0]["sql"]
    # Too few sample matches: the exact capped count answers, in the same statement.
    monkeypatch.setattr(search, "COUNT_SAMPLE_ENOUGH", 6)
    with CaptureQueriesContext(connection) as queries:
        assert search.capped_count(criteria_of(keywords="water views"), cap=10) == (5, False)
    assert len(queries) == 1


def test_the_sample_never_answers_for_a_cap_it_cannot_prove(monkeypatch):
    monkeypatch.setattr(search, "COUNT_SAMPLE_EVERY", 1)
    monkeypatch.setattr(search, "COUNT_SAMPLE_ENOUGH", 1)
    ListingFactory.create_batch(3, public_remarks="Barn.")
    assert search.capped_count(criteria_of(keywords="barn"), cap=5000) == (3, False)


def test_the_sample_statistics_hold():
    # If 1,000 listings (or fewer) matched, the 1-in-32 sample holds 80 of them with probability
    # below 1e-13: finding 80 proves "1,000+". From ~3,600 matches on it is found 99.9 % of runs.
    from math import exp, lgamma, log

    def tail(n: int, p: float, k: int) -> float:
        return sum(
            exp(
                lgamma(n + 1)
                - lgamma(i + 1)
                - lgamma(n - i + 1)
                + i * log(p)
                + (n - i) * log(1 - p)
            )
            for i in range(k, n + 1)
        )

    p = 1 / search.COUNT_SAMPLE_EVERY
    assert tail(search.SAMPLE_PROVES, p, search.COUNT_SAMPLE_ENOUGH) < 1e-13
    assert 1 - tail(3600, p, search.COUNT_SAMPLE_ENOUGH) < 1e-3


def test_sample_condition_matches_the_index_predicate():
    assert search.COUNT_SAMPLE_EVERY == MIGRATION.SAMPLE_EVERY
    assert (
        f"id % {MIGRATION.SAMPLE_EVERY} = 0" in MIGRATION.INDEXES["listing_onmarket_remarks_sample"]
    )
    statuses = ", ".join(f"'{status}'" for status in search.ON_MARKET_STATUSES)
    expected = f"standard_status IN ({statuses})"
    assert expected == MIGRATION.ON_MARKET


def _only_index(cursor, keep: str) -> None:
    """Drop every other index of the listings table (inside the test's transaction, so rolled
    back): a handful of test rows would otherwise make any index as good as the right one."""
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'listings_listing' AND indexname <> %s"
        " AND indexdef NOT LIKE '%%UNIQUE%%'",
        [keep],
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("SET LOCAL enable_seqscan = off")


def _count_plan(criteria: dict, index: str) -> str:
    """EXPLAIN of the statement capped_count runs, with only ``index`` left to use."""
    with CaptureQueriesContext(connection) as queries:
        search.capped_count(criteria)
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        _only_index(cursor, index)
        cursor.execute("EXPLAIN " + query["sql"])
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "query, index",
    [
        ({"bbox": "41.7,-72.8,41.8,-72.6"}, "listing_onmarket_point_cover"),
        ({"poly": "41.7 -72.8,41.7 -72.6,41.8 -72.7"}, "listing_onmarket_point_cover"),
        (
            {"q": "Hartford", "min_price": "300000", "max_price": "500000", "beds": "3"},
            "listing_onmarket_city_price_cover",
        ),
        ({"keywords": "victorian porch"}, "listing_onmarket_remarks_sample"),
    ],
)
def test_counts_can_use_the_partial_indexes(query, index):
    ListingFactory.create_batch(3)
    assert index in _count_plan(criteria_of(**query), index)


def test_a_city_page_walks_the_city_index():
    ListingFactory.create_batch(3)
    criteria = criteria_of(q="Hartford")
    with CaptureQueriesContext(connection) as queries:
        search.search_page(criteria, dense=True)
    with connection.cursor() as cursor:
        _only_index(cursor, "listing_city_newest")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "listing_city_newest" in plan and "Sort" not in plan


def test_keyword_page_query_count_does_not_grow_with_listings(
    portal_client, django_assert_max_num_queries
):
    ListingFactory.create_batch(5, public_remarks="Granite kitchen, pool.")
    with django_assert_max_num_queries(12) as few:
        portal_client.get(PORTAL, {"keywords": "pool"})
    ListingFactory.create_batch(45, public_remarks="Granite kitchen, pool.")
    with django_assert_max_num_queries(12) as many:
        portal_client.get(PORTAL, {"keywords": "pool"})
    assert len(few.captured_queries) == len(many.captured_queries)


def test_broad_keyword_search_reads_a_thousand_plus(portal_client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    ListingFactory.create_batch(5, public_remarks="Fireplace.")
    html = portal_client.get(PORTAL, {"keywords": "fireplace"}).content.decode()
    assert "<strong>3+</strong> homes" in html


# --- the Python renderers -----------------------------------------------------------------------


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"q": "Hartford", "min_price": "300000", "beds": "3", "type": "Land", "sort": "price_asc"},
        {"q": '"><script>', "keywords": "pool & <b>", "open_house": "on", "reduced": "on"},
        {"min_price": "abc", "beds": "9", "bbox": "1,2", "max_year": "nineteen", "garage": "2"},
        {"bbox": "41.2,-73,41.4,-72.8", "poly": "41 -73,42 -73,41 -72", "new_days": "7"},
    ],
)
def test_fields_render_as_django_renders_them(data):
    form = ListingSearchForm(_qd(data))
    form.is_valid()
    for bound in form:
        expected = str(bound)
        if 'aria-invalid="true"' in expected:
            # Ours points at the error list that is on the page.
            expected = expected.replace(f'"{bound.auto_id}_error"', f'"err-{bound.name}"')
        assert _normal(listing_cards._widget(bound)) == _normal(expected), bound.name


def test_error_slots_and_labels():
    form = ListingSearchForm(_qd({"min_price": "abc"}))
    form.is_valid()
    html = listing_cards.search_field(form["min_price"])
    assert '<label class="field__label" for="id_min_price">Min price</label>' in html
    assert 'aria-invalid="true" aria-describedby="err-min_price"' in html
    assert '<ul class="field__errors search-errors" id="err-min_price"><li>Enter the price' in html
    ok = listing_cards.search_field(form["max_price"])
    assert 'id="err-max_price" hidden></ul>' in ok
    box = listing_cards.search_field(form["open_house"])
    assert box.startswith('<div class="field field--checkbox">')
    assert '<input type="checkbox" name="open_house" id="id_open_house"><label' in box
    assert 'hx-swap-oob="true"' in listing_cards.search_errors_oob(form)


def test_cards_and_rows_escape_and_link(agent_client, portal_client):
    listing = ListingFactory(
        street_name='<img src=x onerror="alert(1)">',
        list_price=Decimal("400000"),
        original_list_price=Decimal("450000"),
        living_area=2150,
    )
    for client, url, href in (
        (portal_client, PORTAL, f"/portal/listings/{listing.pk}/"),
        (agent_client, AGENT, f"/agent/listings/{listing.pk}/"),
    ):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
        assert f'href="{href}"' in html
        assert "$400,000" in html and "2,150" in html
    agent_html = agent_client.get(AGENT).content.decode()
    assert (
        f'<input type="checkbox" name="listing" value="{listing.pk}" form="share-form"'
        in agent_html
    )
    assert '<span class="table__sub price-cut">Reduced</span>' in agent_html
    assert "badge--active" in agent_html


def test_detail_href_is_reverse():
    from django.urls import reverse

    for name in ("portal:listing_detail", "agent:listing_detail"):
        assert listing_cards.detail_href(name, 42) == reverse(name, args=[42])


# --- a dense map area's page ----------------------------------------------------------------------


def test_dense_map_pages_read_ids_from_the_covering_index():
    ListingFactory.create_batch(3)
    criteria = criteria_of(bbox="41.7,-72.8,41.8,-72.6")
    with CaptureQueriesContext(connection) as queries:
        search.search_page(criteria, dense=True)
    query = queries.captured_queries[0]  # (a second one reads the rows without a date)
    assert query["sql"].count("CASE WHEN") == 1 and " U0" not in query["sql"]
    with connection.cursor() as cursor:
        _only_index(cursor, "listing_onmarket_newest_cover")
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # (Index-only in the benchmark; a just-written test table has no visibility map yet.)
    assert "listing_onmarket_newest_cover" in plan, plan


@pytest.mark.parametrize(
    "query", [{"bbox": "41.0,-73.0,42.0,-72.0"}, {"poly": "41 -73,42 -73,41.5 -72"}]
)
def test_dense_map_pages_match_sparse_ones_page_after_page(query, portal_client, monkeypatch):
    # More than the cap match, so pages take the ids-first path; they must be the pages the
    # plain query gives, cursor after cursor.
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "PAGE_SIZE", 4)
    for n in range(11):
        ListingFactory(
            latitude=Decimal("41.5") + Decimal(n) / 100,
            longitude=Decimal("-72.9"),
            listing_contract_date=f"2026-10-{1 + n % 4:02d}",
        )
    ListingFactory(latitude=Decimal("45"), longitude=Decimal("-72.9"))  # outside
    criteria = criteria_of(**query)
    assert search.capped_count(criteria) == (3, True)
    seen, after = [], None
    while True:
        dense = search.search_page(criteria, after=after, dense=True, fields=("city",))
        sparse = search.search_page(criteria, after=after, dense=False)
        assert [x.pk for x in dense.listings] == [x.pk for x in sparse.listings]
        assert dense.next_cursor == sparse.next_cursor
        seen += [x.pk for x in dense.listings]
        if not dense.next_cursor:
            break
        after = search.parse_cursor(dense.next_cursor, sort="newest")
    assert len(seen) == len(set(seen)) == 11


# --- covers and reactions ride along in the page query ----------------------------------------


def test_cover_photos_and_the_clients_own_reactions_come_with_the_page(
    portal_client, client_contact, other_client_contact
):
    from listings.models import ListingMedia, ListingReaction
    from listings.selectors import search_results

    liked, maybe, plain = ListingFactory.create_batch(3)
    ListingMedia.objects.create(listing=liked, order=1, url="https://photos.example/2.jpg")
    ListingMedia.objects.create(
        listing=liked, order=0, url="https://photos.example/1.jpg", caption="Front & side"
    )
    ListingReaction.objects.create(contact=client_contact, listing=liked, kind="favorite")
    ListingReaction.objects.create(contact=client_contact, listing=maybe, kind="maybe")
    ListingReaction.objects.create(contact=other_client_contact, listing=plain, kind="favorite")
    with CaptureQueriesContext(connection) as queries:
        results = search_results({}, reactions_for=client_contact)
    # The capped count, the page and, as the results end on it, the rows without a date;
    # no query for photos or reactions.
    assert len(queries) == 3
    for table in ("listings_listingmedia", "listings_listingreaction"):
        assert not any(q["sql"].startswith(f'SELECT "{table}"') for q in queries)
    by_pk = {listing.pk: listing for listing in results.listings}
    assert [m.thumb_src for m in by_pk[liked.pk].cover] == ["https://photos.example/1.jpg"]
    assert by_pk[maybe.pk].cover == [] and by_pk[plain.pk].cover == []
    assert (by_pk[liked.pk].my_reaction, by_pk[maybe.pk].my_reaction) == ("favorite", "maybe")
    assert by_pk[plain.pk].my_reaction is None  # another client's reaction is not shown
    html = portal_client.get(PORTAL).content.decode()
    assert 'src="https://photos.example/1.jpg" alt="Front &amp; side"' in html
    assert html.count("card-reaction--favorite") == 1 and "card-reaction--maybe" in html


# --- a broad keyword search's page ------------------------------------------------------------

KEYWORD_MIGRATION = importlib.import_module("listings.migrations.0008_search_keyword_cover_index")
REMARKS = [
    "Inground pool and a barn.",
    "Victorian porch, water views.",
    "Water views from the porch of this Victorian.",  # both words, not the phrase
    "Pools and porches everywhere.",  # stems: pool, porch
    "A quiet street.",
    "",
]


def _plain_keyword_order(keywords: str) -> list[int]:
    """The plain definition: on-market listings whose remarks (parsed here, not the stored
    vector) match the websearch query, newest first, then id; no date last."""
    from django.contrib.postgres.search import SearchQuery, SearchVector
    from django.db.models import F

    return list(
        Listing.objects.annotate(v=SearchVector("public_remarks", config="english"))
        .filter(
            v=SearchQuery(keywords, search_type="websearch", config="english"),
            standard_status__in=search.ON_MARKET_STATUSES,
        )
        .order_by(F("listing_contract_date").desc(nulls_last=True), "-id")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "keywords",
    ["pool", "porch", "victorian porch", '"water views"', '"victorian porch"', "pool -barn", "xyz"],
)
def test_dense_keyword_pages_match_the_plain_definition_page_after_page(keywords, monkeypatch):
    from listings.selectors import SEARCH_RESULT_FIELDS

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "PAGE_SIZE", 4)
    statuses = [Listing.StandardStatus.ACTIVE] * 4 + [
        Listing.StandardStatus.COMING_SOON,
        Listing.StandardStatus.CLOSED,
    ]
    for n in range(36):
        ListingFactory(
            public_remarks=REMARKS[n % len(REMARKS)],
            standard_status=statuses[n % 5 if n % 7 else 5],
            # Ties on the date (ordered by id), and a few without one (last).
            listing_contract_date=None if n % 11 == 3 else f"2026-10-{1 + n % 4:02d}",
        )
    expected = _plain_keyword_order(keywords)
    criteria = criteria_of(keywords=keywords)
    seen, after = [], None
    while True:
        dense = search.search_page(criteria, after=after, dense=True, fields=SEARCH_RESULT_FIELDS)
        sparse = search.search_page(criteria, after=after, dense=False)
        assert [x.pk for x in dense.listings] == [x.pk for x in sparse.listings]
        assert dense.next_cursor == sparse.next_cursor
        seen += [x.pk for x in dense.listings]
        if not dense.next_cursor:
            break
        after = search.parse_cursor(dense.next_cursor, sort="newest")
    assert seen == expected
    if keywords != "xyz":
        assert len(expected) > search.PAGE_SIZE  # more than one page was walked


def test_dense_keyword_pages_read_ids_from_the_remarks_index():
    ListingFactory.create_batch(3, public_remarks="Victorian porch.")
    criteria = criteria_of(keywords="victorian porch", beds="3")
    with CaptureQueriesContext(connection) as queries:
        search.search_page(criteria, dense=True)
    query = queries.captured_queries[0]  # (a second one reads the rows without a date)
    assert query["sql"].count("CASE WHEN") == 1 and " U0" not in query["sql"]
    assert '"listings_listing"."id" IN (SELECT' in query["sql"]
    with connection.cursor() as cursor:
        _only_index(cursor, "listing_onmarket_newest_remarks")
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # (Index-only in the benchmark; a just-written test table has no visibility map yet.)
    assert "listing_onmarket_newest_remarks" in plan, plan


def test_keyword_cover_index_has_the_on_market_predicate():
    statuses = ", ".join(f"'{status}'" for status in search.ON_MARKET_STATUSES)
    expected = f"standard_status IN ({statuses})"
    assert expected == KEYWORD_MIGRATION.ON_MARKET
    assert "public_remarks_tsv" in KEYWORD_MIGRATION.INDEXES["listing_onmarket_newest_remarks"]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Hartford", "keywords": "porch"},
        {"q": "Hartford", "bbox": "41.0,-73.0,42.0,-72.0"},
        {"keywords": "pool", "poly": "41 -73,42 -73,41.5 -72", "beds": "3"},
        {"keywords": "victorian porch", "sort": "price_asc"},
    ],
)
def test_dense_combined_pages_match_sparse_ones_page_after_page(query, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "PAGE_SIZE", 4)
    for n in range(30):
        ListingFactory(
            city="Hartford" if n % 3 else "Avon",
            public_remarks=REMARKS[n % len(REMARKS)],
            latitude=Decimal("41.5") + Decimal(n % 9) / 100 if n % 5 else Decimal("45"),
            longitude=Decimal("-72.9"),
            bedrooms_total=2 + n % 4,
            list_price=None if n % 13 == 1 else Decimal(300000 + 1000 * (n % 6)),
            listing_contract_date=f"2026-10-{1 + n % 4:02d}",
        )
    criteria = criteria_of(**query)
    sort = criteria.get("sort", search.DEFAULT_SORT)
    seen, after = [], None
    while True:
        dense = search.search_page(criteria, after=after, dense=True, fields=("city",))
        sparse = search.search_page(criteria, after=after, dense=False)
        assert [x.pk for x in dense.listings] == [x.pk for x in sparse.listings]
        assert dense.next_cursor == sparse.next_cursor
        seen += [x.pk for x in dense.listings]
        if not dense.next_cursor:
            break
        after = search.parse_cursor(dense.next_cursor, sort=sort)
    assert len(seen) == len(set(seen)) > search.PAGE_SIZE
    assert set(seen) == set(search.listings_matching(criteria).values_list("pk", flat=True))
