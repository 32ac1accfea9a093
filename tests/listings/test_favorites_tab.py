"""Favorites & Comments (/portal/favorites/): the client's marked homes grouped by level, what
changed since they were marked, the level changed in place and the comment thread on each."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from listings.models import Listing, ListingComment, ListingEvent, ListingReaction
from listings.services_reactions import comment_add, reaction_set
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

URL = "/portal/favorites/"


def _bulk_listings(count: int) -> list[Listing]:
    return Listing.objects.bulk_create(ListingFactory.build_batch(count))


def test_empty_state_teaches_and_links_to_search(portal_client):
    body = portal_client.get(URL).content.decode()
    assert "No favorites yet — tap ♥ on a listing to keep it here." in body
    assert reverse("portal:search") in body


def test_marked_homes_are_grouped_by_level_with_anchors(portal_client, client_contact):
    fav, maybe, nope, talked = ListingFactory.create_batch(4)
    reaction_set(contact=client_contact, listing=fav, kind="favorite")
    reaction_set(contact=client_contact, listing=maybe, kind="maybe")
    reaction_set(contact=client_contact, listing=nope, kind="not_interested")
    comment_add(contact=client_contact, author=client_contact.user, listing=talked, body="Garage?")
    body = portal_client.get(URL).content.decode()
    for anchor in ("favorites", "maybe", "not-interested", "commented"):
        assert f'id="{anchor}"' in body
    sections = {
        anchor: body.index(f'id="{anchor}"')
        for anchor in ("favorites", "maybe", "not-interested", "commented")
    }
    assert sections["favorites"] < body.index(f'id="listing-{fav.pk}"') < sections["maybe"]
    assert sections["maybe"] < body.index(f'id="listing-{maybe.pk}"') < sections["not-interested"]
    assert (
        sections["not-interested"] < body.index(f'id="listing-{nope.pk}"') < sections["commented"]
    )
    assert sections["commented"] < body.index(f'id="commented-{talked.pk}"')
    assert "Garage?" in body
    assert "$450,000" in body


def test_changes_since_marked_are_shown_and_older_ones_are_not(portal_client, client_contact):
    listing = ListingFactory()
    ListingEvent.objects.create(
        listing=listing,
        kind="price_increase",
        old_price=Decimal("400000"),
        new_price=Decimal("450000"),
        occurred_at=timezone.now() - timedelta(days=10),
    )
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    ListingEvent.objects.create(
        listing=listing,
        kind="price_decrease",
        old_price=Decimal("450000"),
        new_price=Decimal("425000"),
        occurred_at=timezone.now() + timedelta(seconds=1),
    )
    ListingEvent.objects.create(
        listing=listing, kind="pending", occurred_at=timezone.now() + timedelta(seconds=2)
    )
    body = portal_client.get(URL).content.decode()
    assert "Price cut" in body and "$450,000 → $425,000" in body
    assert "Pending / under contract" in body
    assert "$400,000 → $450,000" not in body


def test_level_changes_in_place_with_htmx(portal_client, client_contact):
    listing = ListingFactory()
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    response = portal_client.post(
        reverse("portal:listing_react", args=[listing.pk]),
        {"kind": "maybe", "from": "favorites", "group": "favorite"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="fav-card"' in body and "Marked as Maybe." in body
    assert "<html" not in body
    assert ListingReaction.objects.get().kind == "maybe"


def test_level_changes_without_javascript_redirect_back(portal_client, client_contact):
    listing = ListingFactory()
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    response = portal_client.post(
        reverse("portal:listing_react", args=[listing.pk]),
        {"kind": "not_interested", "from": "favorites", "group": "favorite"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#listing-{listing.pk}"
    assert ListingReaction.objects.get().kind == "not_interested"
    # The listing page's own buttons still go back to the listing page.
    response = portal_client.post(
        reverse("portal:listing_react", args=[listing.pk]), {"kind": "favorite"}
    )
    assert response["Location"] == reverse("portal:listing_detail", args=[listing.pk])


def test_bad_level_changes_nothing(portal_client, client_contact):
    listing = ListingFactory()
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    response = portal_client.post(
        reverse("portal:listing_react", args=[listing.pk]),
        {"kind": "adore", "from": "favorites", "group": "<script>"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert ListingReaction.objects.get().kind == "favorite"
    assert "<script>" not in response.content.decode()
    assert (
        portal_client.post(reverse("portal:listing_react", args=[999999]), {"kind": "maybe"})
    ).status_code == 404


def test_comment_added_from_the_tab_with_and_without_htmx(portal_client, client_contact, agent):
    listing = ListingFactory()
    reaction_set(contact=client_contact, listing=listing, kind="maybe")
    comment_add(contact=client_contact, author=agent.user, listing=listing, body="Open house Sat")
    url = reverse("portal:listing_comment", args=[listing.pk])
    response = portal_client.post(
        url,
        {"body": "See you there", "from": "favorites", "group": "maybe"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Open house Sat" in body and "See you there" in body and "Comment posted." in body
    response = portal_client.post(url, {"body": "And Sunday?", "from": "favorites"})
    assert response.status_code == 302 and response["Location"] == f"{URL}#listing-{listing.pk}"
    assert ListingComment.objects.filter(contact=client_contact).count() == 3
    page = portal_client.get(URL).content.decode()
    assert "Dana" in page or "Your agent" in page


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_huge_comment_is_refused(portal_client, client_contact, body):
    listing = ListingFactory()
    url = reverse("portal:listing_comment", args=[listing.pk])
    response = portal_client.post(
        url, {"body": body, "from": "favorites", "group": "commented"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "field__error" in response.content.decode()
    response = portal_client.post(url, {"body": body, "from": "favorites"})
    assert response.status_code == 302
    assert not ListingComment.objects.exists()


def test_script_in_a_comment_is_shown_escaped(portal_client, client_contact):
    listing = ListingFactory()
    comment_add(
        contact=client_contact,
        author=client_contact.user,
        listing=listing,
        body="<script>alert(1)</script>",
    )
    body = portal_client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_another_clients_reactions_and_comments_stay_theirs(
    portal_client, client_contact, other_client_contact
):
    listing = ListingFactory()
    reaction_set(contact=other_client_contact, listing=listing, kind="favorite")
    comment_add(
        contact=other_client_contact,
        author=other_client_contact.user,
        listing=listing,
        body="Bea's secret note",
    )
    body = portal_client.get(URL).content.decode()
    assert "Bea's secret note" not in body and "Bea&#x27;s secret note" not in body
    assert "No favorites yet" in body


def test_a_large_group_is_capped_with_show_all_and_paginated(portal_client, client_contact):
    listings = _bulk_listings(30)
    ListingReaction.objects.bulk_create(
        ListingReaction(contact=client_contact, listing=listing, kind="favorite")
        for listing in listings
    )
    body = portal_client.get(URL).content.decode()
    assert body.count('class="fav-card"') == 6
    assert "Show all 30" in body and "?group=favorite" in body
    page_one = portal_client.get(URL, {"group": "favorite"}).content.decode()
    assert page_one.count('class="fav-card"') == 24
    page_two = portal_client.get(URL, {"group": "favorite", "page": 2}).content.decode()
    assert page_two.count('class="fav-card"') == 6
    for hostile in ({"group": "nope", "page": "x"}, {"group": "favorite", "page": "99999999999"}):
        assert portal_client.get(URL, hostile).status_code == 200


@pytest.mark.parametrize("count", [10, 1000])
def test_query_count_is_bounded(
    portal_client, client_contact, agent, count, django_assert_max_num_queries
):
    listings = _bulk_listings(count)
    kinds = ["favorite", "maybe", "not_interested"]
    ListingReaction.objects.bulk_create(
        ListingReaction(contact=client_contact, listing=listing, kind=kinds[index % 3])
        for index, listing in enumerate(listings)
    )
    ListingComment.objects.bulk_create(
        ListingComment(
            contact=client_contact,
            listing=listing,
            author=agent.user if index % 2 else client_contact.user,
            body=f"Comment {index}",
        )
        for index, listing in enumerate(listings)
    )
    ListingEvent.objects.bulk_create(
        ListingEvent(
            listing=listing,
            kind="price_decrease",
            old_price=Decimal("450000"),
            new_price=Decimal("440000"),
            occurred_at=timezone.now() + timedelta(minutes=1),
        )
        for listing in listings
    )
    with django_assert_max_num_queries(15):
        response = portal_client.get(URL)
    assert response.status_code == 200
    with django_assert_max_num_queries(15):
        assert portal_client.get(URL, {"group": "commented", "page": 2}).status_code == 200
