"""Search Listings as pages: both faces, keyset paging, bad input, query counts, htmx, and the
client's Previous Searches."""

import random
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from listings import search
from listings.models import Listing
from searches.models import PreviousSearch
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

PORTAL = "/portal/search/"
AGENT = "/agent/listings/"


def listing_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-listing-id="(\d+)"', response.content.decode())]


def next_link(response) -> str | None:
    match = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
    return match and match.group(1).replace("&amp;", "&")


def test_both_faces_render_results(agent_client, portal_client):
    listing = ListingFactory(street_number="41", street_name="Juniper")
    for client, url in ((agent_client, AGENT), (portal_client, PORTAL)):
        response = client.get(url)
        assert response.status_code == 200
        assert listing_ids(response) == [listing.pk]
        assert "41 Juniper" in response.content.decode()


def test_clients_cannot_open_the_agent_search_and_back(agent_client, portal_client):
    assert portal_client.get(AGENT).status_code == 403


def test_the_url_holds_the_whole_search(portal_client):
    match = ListingFactory(city="Hartford", list_price=Decimal("350000"), bedrooms_total=3)
    ListingFactory(city="Hartford", list_price=Decimal("900000"), bedrooms_total=3)
    ListingFactory(city="Guilford", list_price=Decimal("350000"), bedrooms_total=3)
    response = portal_client.get(PORTAL, {"q": "Hartford", "max_price": "400000", "beds": "3"})
    assert listing_ids(response) == [match.pk]
    html = response.content.decode()
    assert 'value="Hartford"' in html and 'value="400000"' in html


@pytest.mark.parametrize("sort", list(search.SORTS))
def test_keyset_pages_are_stable_while_listings_arrive(portal_client, sort, monkeypatch):
    monkeypatch.setattr(search, "PAGE_SIZE", 5)
    rng = random.Random(sort)
    for _ in range(23):
        ListingFactory(
            list_price=Decimal(rng.choice([300000, 350000, 400000])),
            bedrooms_total=rng.choice([2, 3, None]),
            living_area=rng.choice([1200, 1500]),
        )
    before = set(Listing.objects.values_list("pk", flat=True))
    seen: list[int] = []
    url = f"{PORTAL}?{urlencode({'sort': sort})}"
    pages = 0
    for _ in range(20):
        pages += 1
        # Inserts between page loads: new rows may show up or not, old ones never repeat or vanish.
        response = portal_client.get(url)
        seen += listing_ids(response)
        ListingFactory(list_price=Decimal(rng.choice([300000, 350000, 400000])), bedrooms_total=3)
        link = next_link(response)
        if not link:
            break
        url = PORTAL + link
    assert len(seen) == len(set(seen)), "a listing appeared on two pages"
    assert before <= set(seen), "a listing that existed before the first page was skipped"
    assert pages >= 5


def test_deep_pages_use_the_cursor_not_an_offset(portal_client, django_assert_max_num_queries):
    ListingFactory.create_batch(60)
    first = portal_client.get(PORTAL)
    link = next_link(first)
    assert "after=" in link
    cursor = parse_qs(urlsplit(link).query)["after"][0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d+", cursor)
    second = portal_client.get(PORTAL + link)
    assert not set(listing_ids(first)) & set(listing_ids(second))
    assert len(listing_ids(first)) + len(listing_ids(second)) == 60


def test_page_query_count_does_not_grow_with_listings(portal_client, django_assert_max_num_queries):
    # Session, user, contact (+agent), page (2 where unpriced rows begin), cover photos, reactions,
    # count, and recording the run (savepoint, last run, insert, release).
    ListingFactory.create_batch(5)
    with django_assert_max_num_queries(12) as few:
        portal_client.get(PORTAL, {"q": "Hartford"})
    ListingFactory.create_batch(45)
    with django_assert_max_num_queries(12) as many:
        portal_client.get(PORTAL, {"q": "Hartford"})
    assert len(few.captured_queries) == len(many.captured_queries)


def test_agent_page_query_count_does_not_grow_with_listings(
    agent_client, django_assert_max_num_queries
):
    ListingFactory.create_batch(5)
    with django_assert_max_num_queries(9) as few:
        agent_client.get(AGENT)
    ListingFactory.create_batch(45)
    with django_assert_max_num_queries(9) as many:
        agent_client.get(AGENT)
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"min_price": "500000", "max_price": "300000"}, "Minimum price is above maximum price"),
        ({"min_price": "abc"}, "Enter the price as a number, like 450000"),
        ({"max_price": "9" * 30}, "Enter the price as a number"),
        ({"max_price": "99999999999"}, "too large"),
        ({"min_sqft": "3000", "max_sqft": "1000"}, "Minimum living area is above maximum"),
        ({"min_year": "nineteen"}, "Enter the year as a number"),
        ({"beds": "9"}, "Choose beds from the list"),
        ({"bbox": "1,2,3"}, "The map area is not valid"),
        ({"bbox": "91,0,92,1"}, "Latitude must be between -90 and 90"),
        ({"bbox": "41.4,-73,41.2,-72"}, "south must be below north"),
        ({"poly": "41 -73,42 -73"}, "at least 3 corners"),
        ({"poly": "41 -73,abc,41 -72"}, "The drawn shape is not valid"),
        ({"poly": ",".join(["41 -73"] * 200)}, "at most 100 corners"),
        ({"sort": "cheapest"}, "Choose sort by from the list"),
    ],
)
def test_impossible_input_gets_a_message_in_words(portal_client, query, message):
    ListingFactory()
    response = portal_client.get(PORTAL, query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert listing_ids(response) == []


@pytest.mark.parametrize(
    "cursor", ["garbage", "1_2_3", "n_", "2026-13-45_7", "9" * 40, "_", "-1e9_3"]
)
def test_a_garbage_cursor_starts_from_the_first_page(portal_client, cursor):
    listing = ListingFactory()
    response = portal_client.get(PORTAL, {"after": cursor})
    assert response.status_code == 200
    assert listing_ids(response) == [listing.pk]


def test_fuzzed_query_strings_never_error(portal_client, agent_client):
    ListingFactory.create_batch(3)
    rng = random.Random(4)
    fields = [
        "q", "min_price", "max_price", "beds", "baths", "type", "status", "min_sqft", "max_sqft",
        "min_lot", "max_lot", "min_year", "max_year", "garage", "max_dom", "keywords",
        "open_house", "reduced", "new_days", "sort", "bbox", "poly", "after",
    ]  # fmt: skip
    values = [
        "", " ", "0", "-1", "1e308", "NaN", "inf", "%", "_", "'; DROP TABLE x;--", "\x00",
        "😀", "9" * 50, "1,2,3,4", "41 -73,42 -73,41 -72", "2026-01-01_5", "n_3", "a" * 500,
        "$1,000", "1.5k", "..", "<script>", "Active", "Land", "price_desc", "on", "[]",
    ]  # fmt: skip
    for _ in range(120):
        query = {rng.choice(fields): rng.choice(values) for _ in range(rng.randint(1, 5))}
        for client, url in ((portal_client, PORTAL), (agent_client, AGENT)):
            response = client.get(url, query)
            assert response.status_code == 200, query
    agent_client.logout()


def test_htmx_request_gets_only_the_results_and_field_errors_out_of_band(portal_client):
    ListingFactory()
    response = portal_client.get(
        PORTAL, {"min_price": "9", "max_price": "1"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert 'id="err-max_price" hx-swap-oob="true"' in html
    assert "Minimum price is above maximum price" in html
    ok = portal_client.get(PORTAL, headers={"HX-Request": "true"}).content.decode()
    assert 'id="search-map-data"' in ok and "<form" not in ok.split('id="results"')[0]


def test_history_restore_gets_the_whole_page(portal_client):
    response = portal_client.get(
        PORTAL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert 'id="search-form"' in response.content.decode()


def test_broad_searches_say_a_thousand_plus(portal_client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    ListingFactory.create_batch(5)
    assert "<strong>3+</strong> homes" in portal_client.get(PORTAL).content.decode()


def test_map_markers_match_the_cards(portal_client):
    ListingFactory.create_batch(4)
    ListingFactory(latitude=None, longitude=None)
    response = portal_client.get(PORTAL)
    data = response.context["map_state"]
    cards = listing_ids(response)
    assert len(cards) == 5
    marker_ids = [m["id"] for m in data["markers"]]
    # Same listings in the same order; the one without coordinates has a card but no marker.
    assert marker_ids == [pk for pk in cards if pk in set(marker_ids)]
    assert len(marker_ids) == 4
    first = data["markers"][0]
    assert first["url"] == reverse("portal:listing_detail", args=[first["id"]])


def test_map_tiles_come_from_the_setting_only(portal_client, settings):
    settings.MAP_TILE_URL = ""
    assert 'data-tile-url=""' in portal_client.get(PORTAL).content.decode()


# --- Previous Searches ---------------------------------------------------------------------


def test_each_client_search_is_recorded_once(portal_client, client_contact):
    ListingFactory(city="Hartford")
    portal_client.get(PORTAL)  # just opening the tab is no search
    assert PreviousSearch.objects.count() == 0
    portal_client.get(PORTAL, {"q": "Hartford", "beds": "2"})
    portal_client.get(PORTAL, {"q": "Hartford", "beds": "2"})  # a reload
    portal_client.get(PORTAL, {"q": "Hartford", "beds": "3"})
    rows = list(PreviousSearch.objects.filter(contact=client_contact).order_by("run_at", "id"))
    assert [row.criteria for row in rows] == [
        {"q": "Hartford", "beds": 2},
        {"q": "Hartford", "beds": 3},
    ]
    assert rows[0].query_string == "q=Hartford&beds=2"
    assert rows[0].result_count == 1


def test_next_pages_and_bad_searches_are_not_new_runs(portal_client):
    ListingFactory.create_batch(55, city="Hartford")
    first = portal_client.get(PORTAL, {"q": "Hartford"})
    portal_client.get(PORTAL + next_link(first))
    portal_client.get(PORTAL, {"min_price": "x"})
    assert PreviousSearch.objects.count() == 1


def test_agents_searches_are_not_client_previous_searches(agent_client):
    agent_client.get(AGENT, {"q": "Hartford"})
    assert PreviousSearch.objects.count() == 0
