"""Search Listings' shared results (``listings.selectors.search_results_shared``): the page of
listings every client sees for the same filters comes from the cache under the listings data
version that PostgreSQL moves on every write (migration 0009). These tests hold that a cached
page never outlives a change to a listing, its photos, open houses or events, however the
change is written, and that one client's reactions never reach another."""

import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.models import Listing, ListingEvent, ListingMedia, ListingReaction, OpenHouse
from listings.selectors import listings_data_version, search_results, search_results_shared
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

PORTAL = "/portal/search/"


def _listing_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if '"listings_listing"' in q["sql"]]


def _page(browser, query: str = "") -> str:
    response = browser.get(f"{PORTAL}{query}")
    assert response.status_code == 200
    return _without_csrf(response.content.decode())


def _without_csrf(html: str) -> str:
    # The CSRF token (forms, htmx headers) is masked afresh on every response.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def test_every_kind_of_write_moves_the_version_and_a_reaction_does_not(client_contact):
    home = ListingFactory()
    writes = [
        lambda: Listing.objects.filter(pk=home.pk).update(list_price=Decimal("1")),
        lambda: Listing.objects.bulk_update([home], ["city"]),
        lambda: ListingMedia.objects.bulk_create(
            [ListingMedia(listing=home, order=0, url="https://photos.example/a.jpg")]
        ),
        lambda: ListingMedia.objects.filter(listing=home).update(caption="Porch"),
        lambda: OpenHouse.objects.create(
            listing=home,
            start_time=timezone.now(),
            end_time=timezone.now() + datetime.timedelta(hours=2),
        ),
        lambda: ListingEvent.objects.create(
            listing=home, kind=ListingEvent.Kind.PRICE_DECREASE, occurred_at=timezone.now()
        ),
        lambda: ListingMedia.objects.filter(listing=home).delete(),
        lambda: connection.cursor().execute(
            "UPDATE listings_listing SET list_price = 2 WHERE id = %s", [home.pk]
        ),
    ]
    seen = {listings_data_version()}
    for write in writes:
        write()
        version = listings_data_version()
        assert version not in seen
        seen.add(version)
    ListingReaction.objects.create(contact=client_contact, listing=home, kind="favorite")
    assert listings_data_version() in seen  # a client's own reaction is not listings data


def test_a_rolled_back_writes_version_is_never_used_again():
    home = ListingFactory()
    before = listings_data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Listing.objects.filter(pk=home.pk).update(list_price=Decimal("1"))
        inside = listings_data_version()
        raise RuntimeError
    assert listings_data_version() == before
    Listing.objects.filter(pk=home.pk).update(list_price=Decimal("2"))
    assert listings_data_version() not in (before, inside)


def test_the_second_request_reads_no_listings_and_gives_the_same_page(portal_client):
    ListingFactory.create_batch(3)
    with CaptureQueriesContext(connection) as first:
        first_page = _page(portal_client)
    assert _listing_queries(first.captured_queries)
    with CaptureQueriesContext(connection) as second:
        second_page = _page(portal_client)
    assert not _listing_queries(second.captured_queries)
    assert second_page == first_page
    # Filtered and paged searches alike.
    query = "?min_price=100000&beds=2&sort=price_asc"
    assert _page(portal_client, query) == _page(portal_client, query)


@pytest.mark.parametrize("change", ["price", "status", "photo", "new listing", "delete"])
def test_a_change_to_the_listings_shows_on_the_next_request(portal_client, change):
    home = ListingFactory(list_price=Decimal("450000"))
    photo = ListingMedia.objects.create(listing=home, order=0, url="https://photos.example/old.jpg")
    page = _page(portal_client)
    assert "$450,000" in page and "photos.example/old.jpg" in page
    assert _page(portal_client) == page  # from the cache
    if change == "price":
        # As the importer's bulk paths write: no model save, no signal.
        Listing.objects.filter(pk=home.pk).update(list_price=Decimal("399000"))
        assert "$399,000" in _page(portal_client)
    elif change == "status":
        Listing.objects.filter(pk=home.pk).update(standard_status="Pending")
        assert "$450,000" not in _page(portal_client)  # Search Listings shows homes on market
    elif change == "photo":
        ListingMedia.objects.filter(pk=photo.pk).update(url="https://photos.example/new.jpg")
        new = _page(portal_client)
        assert "photos.example/new.jpg" in new and "photos.example/old.jpg" not in new
    elif change == "new listing":
        ListingFactory(list_price=Decimal("777000"))
        assert "$777,000" in _page(portal_client)
    else:
        home.delete()
        assert "$450,000" not in _page(portal_client)


def test_one_clients_reactions_never_reach_another(
    portal_client, client_contact, other_client_contact
):
    liked = ListingFactory()
    ListingFactory()
    other = Client()
    other.force_login(other_client_contact.user)
    ListingReaction.objects.create(contact=client_contact, listing=liked, kind="favorite")
    mine = _page(portal_client)  # fills the cache
    assert mine.count("card-reaction--favorite") == 1
    theirs = _page(other)  # from the cache
    assert "card-reaction--" not in theirs
    assert _page(portal_client).count("card-reaction--favorite") == 1
    # A reaction is the client's own data, read on every request: it shows at once.
    ListingReaction.objects.filter(listing=liked).update(kind="maybe")
    assert "card-reaction--maybe" in _page(portal_client)


def test_open_house_searches_are_not_cached(client_contact):
    home = ListingFactory()
    OpenHouse.objects.create(
        listing=home,
        start_time=timezone.now() - datetime.timedelta(hours=2),
        end_time=timezone.now() + datetime.timedelta(hours=1),
    )
    criteria = {"open_house": True}
    assert [x.pk for x in search_results_shared(criteria).listings] == [home.pk]
    with CaptureQueriesContext(connection) as queries:
        again = search_results_shared(criteria)
    assert _listing_queries(queries.captured_queries)  # asked the database again
    assert [x.pk for x in again.listings] == [x.pk for x in search_results(criteria).listings]


def test_a_cache_outage_costs_the_cache_not_the_page(portal_client, settings):
    home = ListingFactory(list_price=Decimal("450000"))
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    # (pytest-django's settings fixture makes Django rebuild its cache handlers, both ways.)
    assert "$450,000" in _page(portal_client)
    response = portal_client.get(f"/portal/listings/{home.pk}/")  # its fragments too
    assert response.status_code == 200 and "$450,000" in response.content.decode()


# --- the listing page's public part -----------------------------------------------------------


def _detail(browser, home) -> str:
    response = browser.get(f"/portal/listings/{home.pk}/")
    assert response.status_code == 200
    return _without_csrf(response.content.decode())


def test_the_listing_page_is_read_once_and_follows_every_change(portal_client):
    home = ListingFactory(list_price=Decimal("450000"))
    photo = ListingMedia.objects.create(listing=home, order=0, url="https://photos.example/old.jpg")
    first = _detail(portal_client, home)
    with CaptureQueriesContext(connection) as queries:
        second = _detail(portal_client, home)
    assert second == first
    assert not _listing_queries(queries.captured_queries)
    assert not [q for q in queries.captured_queries if "listings_listingmedia" in q["sql"]]

    Listing.objects.filter(pk=home.pk).update(list_price=Decimal("399000"))
    assert "$399,000" in _detail(portal_client, home)
    ListingMedia.objects.filter(pk=photo.pk).update(url="https://photos.example/new.jpg")
    page = _detail(portal_client, home)
    assert "photos.example/new.jpg" in page and "photos.example/old.jpg" not in page
    ListingEvent.objects.create(
        listing=home,
        kind=ListingEvent.Kind.PRICE_DECREASE,
        old_price=Decimal("450000"),
        new_price=Decimal("399000"),
        occurred_at=timezone.now(),
    )
    assert "Price reduced" in _detail(portal_client, home)


def test_an_open_house_that_ended_leaves_the_cached_listing_page(portal_client):
    home = ListingFactory()
    start = timezone.now() + datetime.timedelta(minutes=10)
    OpenHouse.objects.create(
        listing=home, start_time=start, end_time=start + datetime.timedelta(hours=1)
    )
    with_house = _detail(portal_client, home)
    assert 'id="open-houses-heading"' in with_house
    assert _detail(portal_client, home) == with_house  # cached
    later = timezone.now() + datetime.timedelta(hours=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        without = _detail(portal_client, home)
    assert 'id="open-houses-heading"' not in without


@pytest.mark.parametrize("query", ["", "?sort=price_asc&min_price=100000", "?beds=3&reduced=on"])
def test_the_shared_page_is_the_plain_pages_html(portal_client, client_contact, query):
    homes = ListingFactory.create_batch(4)
    ListingFactory(list_price=Decimal("300000"), original_list_price=Decimal("350000"))
    ListingFactory(street_name="<b>O'Hara & Sons</b>", living_area=None, bedrooms_total=None)
    ListingMedia.objects.create(
        listing=homes[0], order=0, url="https://photos.example/1.jpg", caption='A "porch"'
    )
    ListingReaction.objects.create(contact=client_contact, listing=homes[1], kind="favorite")
    ListingReaction.objects.create(contact=client_contact, listing=homes[2], kind="not_interested")
    with mock.patch("listings.selectors.listings_data_version", return_value=None):
        plain = _page(portal_client, query)
    assert _page(portal_client, query) == plain  # filling the cache
    assert _page(portal_client, query) == plain  # from it
    # htmx's partial too.
    with mock.patch("listings.selectors.listings_data_version", return_value=None):
        plain = portal_client.get(f"{PORTAL}{query}", headers={"HX-Request": "true"})
    shared = portal_client.get(f"{PORTAL}{query}", headers={"HX-Request": "true"})
    assert _without_csrf(shared.content.decode()) == _without_csrf(plain.content.decode())
    assert shared["HX-Push-Url"] == plain["HX-Push-Url"]


def test_the_version_is_read_where_the_listings_are_read(monkeypatch):
    # With a read replica the listings come from it, and so must the version (same commit
    # order there); rows read from the primary afterwards can only be newer.
    from django.db import router

    asked = []
    monkeypatch.setattr(router, "db_for_read", lambda model, **hints: asked.append(model))
    assert listings_data_version()
    assert asked == [Listing]


def test_the_shared_listing_page_is_the_plain_pages_html(portal_client, client_contact):
    home = ListingFactory(
        public_remarks="Sunny <b>porch</b> & garden.",
        association_fee=Decimal("250"),
        high_school="Hall <High>",
        original_list_price=Decimal("480000"),
    )
    for order in range(6):
        ListingMedia.objects.create(
            listing=home, order=order, url=f"https://photos.example/{order}.jpg", caption="A & B"
        )
    ListingEvent.objects.create(
        listing=home,
        kind=ListingEvent.Kind.PRICE_DECREASE,
        old_price=Decimal("480000"),
        new_price=Decimal("450000"),
        occurred_at=timezone.now(),
    )
    start = timezone.now() + datetime.timedelta(days=1)
    OpenHouse.objects.create(
        listing=home, start_time=start, end_time=start + datetime.timedelta(hours=2)
    )
    ListingReaction.objects.create(contact=client_contact, listing=home, kind="maybe")
    with mock.patch("listings.selectors.listings_data_version", return_value=None):
        plain = _detail(portal_client, home)
    assert _detail(portal_client, home) == plain  # filling the cache
    assert _detail(portal_client, home) == plain  # from it
    assert "Price reduced" in plain and "photos.example/5.jpg" in plain


def test_the_listing_pages_own_parts_stay_the_clients(portal_client, client_contact):
    home = ListingFactory()
    first = _detail(portal_client, home)  # caches the shared parts
    ListingReaction.objects.create(contact=client_contact, listing=home, kind="favorite")
    portal_client.post(f"/portal/listings/{home.pk}/comments/", {"body": "Love the porch"})
    again = _detail(portal_client, home)
    assert again != first and "Love the porch" in again
