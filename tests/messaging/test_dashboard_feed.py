"""The Dashboard feed's page: the homes each item shows, pagination, scoping, and its queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from listings.models import ListingMedia
from messaging.models import FeedItem
from messaging.selectors import FEED_LISTINGS_SHOWN, dashboard_feed_page
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def feed_item(agent, contact, *, listings=(), title="Homes", key=None, **fields):
    item = FeedItem.objects.create(
        agent=agent,
        contact=contact,
        category=fields.pop("category", "listings"),
        title=title,
        share_key=key or title,
        **fields,
    )
    item.listings.set(listings)
    return item


def test_an_item_shows_its_first_homes_in_the_listings_order_with_their_first_photo(
    agent, client_contact
):
    now = timezone.now()
    homes = [
        ListingFactory(street_number=str(100 + n), modification_timestamp=now - timedelta(hours=n))
        for n in range(6)
    ]
    # Photos deliberately out of order: the first is the lowest "order", then the lowest id.
    ListingMedia.objects.create(listing=homes[0], order=2, url="https://img.example/late.jpg")
    ListingMedia.objects.create(listing=homes[0], order=0, url="https://img.example/first.jpg")
    ListingMedia.objects.create(listing=homes[0], order=0, url="https://img.example/second.jpg")
    feed_item(agent, client_contact, listings=reversed(homes))

    page = dashboard_feed_page(client_contact)

    [item] = page.object_list
    shown = item.shown_listings
    # The same homes, in the same order, as the item's own listings (newest change first).
    expected = list(item.listings.all()[:FEED_LISTINGS_SHOWN])
    assert [home.pk for home in shown] == [home.pk for home in expected]
    assert [home.pk for home in shown] == [home.pk for home in homes[:FEED_LISTINGS_SHOWN]]
    assert [home.address_line for home in shown] == [home.address_line for home in expected]
    assert [home.list_price for home in shown] == [home.list_price for home in expected]
    assert shown[0].photos[0].thumb_src == "https://img.example/first.jpg"
    assert shown[1].photos == []


def test_a_unit_number_is_part_of_the_address_as_everywhere_else(agent, client_contact):
    home = ListingFactory(street_number="7", street_name="Elm", street_suffix="", unit_number="4B")
    feed_item(agent, client_contact, listings=[home])
    [item] = dashboard_feed_page(client_contact).object_list
    assert item.shown_listings[0].address_line == home.address_line == "7 Elm #4B"


def test_the_dashboard_page_shows_the_homes_and_follows_a_price_change(
    portal_client, agent, client_contact
):
    home = ListingFactory(street_number="12", street_name="Birch", list_price=510000)
    ListingMedia.objects.create(listing=home, order=0, url="https://img.example/birch.jpg")
    feed_item(agent, client_contact, listings=[home])
    page = portal_client.get(reverse("portal:dashboard")).content.decode()
    assert "12 Birch St" in page and "$510,000" in page
    assert 'src="https://img.example/birch.jpg"' in page
    assert f'href="{reverse("portal:listing_detail", args=[home.pk])}"' in page

    home.list_price = 499000
    home.save()
    page = portal_client.get(reverse("portal:dashboard")).content.decode()
    assert "$499,000" in page and "$510,000" not in page


def test_only_the_clients_own_items_and_homes(
    portal_client, agent, client_contact, other_agent, other_client_contact
):
    mine = ListingFactory(street_name="Mine")
    theirs = ListingFactory(street_name="Theirs")
    feed_item(agent, client_contact, listings=[mine], title="For Ann")
    feed_item(other_agent, other_client_contact, listings=[theirs], title="For Bea")
    page = dashboard_feed_page(client_contact)
    assert [item.title for item in page.object_list] == ["For Ann"]
    assert [home.pk for home in page.object_list[0].shown_listings] == [mine.pk]
    html = portal_client.get(reverse("portal:dashboard")).content.decode()
    assert "Mine St" in html and "Theirs" not in html and "For Bea" not in html


def test_the_filters_still_apply(agent, client_contact):
    feed_item(agent, client_contact, title="Old homes", key="old")
    FeedItem.objects.filter(share_key="old").update(created_at=timezone.now() - timedelta(days=9))
    feed_item(agent, client_contact, title="New homes", key="new")
    feed_item(agent, client_contact, title="A document", key="doc", category="documents")
    titles = lambda **filters: [i.title for i in dashboard_feed_page(client_contact, **filters)]  # noqa: E731
    assert titles() == ["A document", "New homes", "Old homes"]
    assert titles(period="7") == ["A document", "New homes"]
    assert titles(category="documents") == ["A document"]
    assert titles(category="listings", period="7") == ["New homes"]


def test_pages_as_the_paginator_gives_them(agent, client_contact):
    for number in range(45):
        feed_item(agent, client_contact, title=f"Item {number:02d}")
    first = dashboard_feed_page(client_contact, per_page=20)
    assert len(first.object_list) == 20 and first.has_next() and not first.has_previous()
    assert first.paginator.num_pages == 3 and first.object_list[0].title == "Item 44"
    second = dashboard_feed_page(client_contact, number="2", per_page=20)
    assert second.number == 2 and second.object_list[0].title == "Item 24"
    # Out of range or not a number: as Paginator.get_page, the last or the first page.
    assert dashboard_feed_page(client_contact, number="99", per_page=20).number == 3
    assert dashboard_feed_page(client_contact, number="x", per_page=20).number == 1
    assert len(dashboard_feed_page(client_contact, number="3", per_page=20).object_list) == 5


def test_a_first_page_that_holds_everything_needs_no_count(agent, client_contact):
    homes = ListingFactory.create_batch(3)
    for number in range(20):
        feed_item(agent, client_contact, listings=homes, title=f"Item {number}")
    with CaptureQueriesContext(connection) as queries:
        page = dashboard_feed_page(client_contact, per_page=20)
    assert len(page.object_list) == 20 and not page.has_other_pages()
    assert page.paginator.count == 20
    assert len(queries) == 2  # the items, then every item's homes with their photos
    assert not any("COUNT(" in query["sql"].upper() for query in queries)

    feed_item(agent, client_contact, title="One more")
    with CaptureQueriesContext(connection) as queries:
        page = dashboard_feed_page(client_contact, per_page=20)
    assert page.has_next() and page.paginator.count == 21
    assert len(queries) == 4  # the first look, the count, the page, the homes


def test_the_dashboard_in_a_few_queries(
    portal_client, agent, client_contact, django_assert_max_num_queries
):
    homes = ListingFactory.create_batch(20)
    for home in homes:
        ListingMedia.objects.create(listing=home, order=0, url="https://img.example/p.jpg")
    for number in range(5):
        feed_item(agent, client_contact, listings=homes, title=f"Item {number}")
    # Session, user, contact, feed items, their homes, Quick access counts, agent card fields.
    with django_assert_max_num_queries(7):
        response = portal_client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert response.content.decode().count('width="132" height="88"') == 5 * FEED_LISTINGS_SHOWN
