# ruff: noqa: E501 — the reference template below keeps its long lines
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


# The feed's markup as a template would write it (with the homes the page now brings; the
# layout in static/css/app.css): the Python rendering must give the very same HTML.
TEMPLATE_FEED = """{% load humanize ui %}{% for item in items %}
    <li class="list__item{% if not item.opened_at %} list__item--new{% endif %}">
      <div class="list__main">
        <p class="list__meta"><span class="badge badge--outline">{{ item.get_category_display }}</span>{% if not item.opened_at %} <span class="badge badge--primary">New</span>{% endif %}
          <time datetime="{{ item.created_at|date:'c' }}" title="{{ item.created_at|date:'N j, Y, P' }}">{{ item.created_at|naturaltime }}</time></p>
        <h3><a href="{% url 'portal:feed_item' item.pk %}">{{ item.title }}</a></h3>
        {% if item.message %}<p>{{ item.message.body|truncatewords:30 }}</p>{% elif item.note %}<p>{{ item.note|truncatewords:30 }}</p>{% endif %}
        {% if item.shown_listings %}
        <div class="feed-listings">
          {% for listing in item.shown_listings %}
          <a href="{% url 'portal:listing_detail' listing.pk %}">
            {% with photo=listing.photos.0 %}{% if photo %}<img src="{{ photo.thumb_src }}" alt="{{ listing.address_line }}" width="132" height="88" loading="lazy">{% endif %}{% endwith %}
            <span class="feed-listings__price">{{ listing.list_price|money }}</span>
            <span class="feed-listings__address muted">{{ listing.address_line }}</span>
          </a>
          {% endfor %}
        </div>
        {% endif %}
      </div>
    </li>
    {% endfor %}"""


def test_the_python_rendering_is_the_templates_html_and_escapes_everything(agent, client_contact):
    from django.template import engines

    from messaging.models import Message
    from messaging.templatetags.dashboard_feed import feed_items

    hostile = "<script>alert('x')</script> & \"quoted\""
    plain = ListingFactory(street_name="Oak", unit_number="2")
    nasty = ListingFactory(street_name="<b>Bold</b>", street_suffix="'Way'", list_price=None)
    ListingMedia.objects.create(listing=plain, order=0, url='https://img.example/a.jpg?x=1&y="2"')
    feed_item(agent, client_contact, listings=[plain, nasty], title=hostile, note=hostile * 9)
    message = Message.objects.create(
        contact=client_contact, sender=agent.user, from_agent=True, body="Hi <there> " * 40
    )
    feed_item(
        agent, client_contact, title="A message", key="m", message=message, category="messages"
    )
    feed_item(agent, client_contact, title="Seen", key="s", opened_at=timezone.now(), note="ok")
    items = dashboard_feed_page(client_contact).object_list

    expected = engines["django"].from_string(TEMPLATE_FEED).render({"items": items})
    assert str(feed_items(items)) == expected
    assert "<script>" not in expected and "&lt;script&gt;" in expected
    assert "&lt;b&gt;Bold&lt;/b&gt;" in expected and "&lt;there&gt;" in expected
