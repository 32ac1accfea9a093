"""The listing page on both faces, and what a client does there: reactions, comments, views.
Every write is scoped to the logged-in client's own contact."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from listings.models import (
    ListingComment,
    ListingEvent,
    ListingMedia,
    ListingReaction,
    ListingView,
    OpenHouse,
)
from listings.page_cache import local_pages
from listings.services_reactions import comment_add, reaction_set
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    listing = ListingFactory(
        list_agent_full_name="Lena Listing",
        list_office_name="Shoreline Office",
        association_fee=Decimal("250"),
        association_fee_frequency="Monthly",
        tax_annual_amount=Decimal("7300"),
        tax_year=2025,
        high_school="Guilford High School",
        public_remarks="Bright cape with a big yard.",
        original_list_price=Decimal("475000"),
    )
    ListingMedia.objects.create(listing=listing, order=0, url="https://example.com/1.jpg")
    ListingMedia.objects.create(listing=listing, order=1, url="https://example.com/2.jpg")
    now = timezone.now()
    OpenHouse.objects.create(
        listing=listing,
        start_time=now + datetime.timedelta(days=2),
        end_time=now + datetime.timedelta(days=2, hours=2),
    )
    ListingEvent.objects.create(
        listing=listing,
        kind=ListingEvent.Kind.PRICE_DECREASE,
        old_price=Decimal("475000"),
        new_price=Decimal("450000"),
        occurred_at=now - datetime.timedelta(days=3),
    )
    return listing


def test_agent_sees_listing_agent_office_history_and_costs(agent_client, listing):
    html = agent_client.get(f"/agent/listings/{listing.pk}/").content.decode()
    for text in [
        "Lena Listing",
        "Shoreline Office",
        "Price reduced",
        "$475,000 → <b>$450,000</b>",
        "HOA fee",
        "$7,300 a year",
        "Guilford High School",
        "Open houses",
        "Bright cape",
        "data-listing-map",
    ]:
        assert text in html, text


def test_client_page_has_reactions_comments_and_records_the_view(
    portal_client, client_contact, listing
):
    response = portal_client.get(f"/portal/listings/{listing.pk}/")
    html = response.content.decode()
    assert "What do you think of this home?" in html
    assert "Post comment" in html and "Price reduced" in html
    assert "Lena Listing" not in html  # the listing agent is for agents
    portal_client.get(f"/portal/listings/{listing.pk}/")
    view = ListingView.objects.get(contact=client_contact, listing=listing)
    assert view.view_count == 2


def test_detail_query_count_does_not_grow_with_photos_and_events(
    portal_client, listing, django_assert_max_num_queries
):
    portal_client.get(f"/portal/listings/{listing.pk}/")  # the first visit creates the view row
    # The page's public part is cached (selectors.get_listing_for_detail_shared): count reads.
    # (12: with the visit's savepoint pair that only a test's enclosing transaction adds.) The
    # whole page is cached too (listings.page_cache), in Redis and in this process.
    cache.clear()
    local_pages.clear()
    with django_assert_max_num_queries(12) as few:
        portal_client.get(f"/portal/listings/{listing.pk}/")
    for n in range(10):
        ListingMedia.objects.create(
            listing=listing, order=n + 2, url=f"https://example.com/{n}.jpg"
        )
        ListingEvent.objects.create(
            listing=listing, kind="status_change", occurred_at=timezone.now()
        )
    cache.clear()
    local_pages.clear()
    with django_assert_max_num_queries(12) as many:
        portal_client.get(f"/portal/listings/{listing.pk}/")
    assert len(few.captured_queries) == len(many.captured_queries)


def test_unknown_listing_is_404(portal_client, agent_client):
    assert portal_client.get("/portal/listings/999999/").status_code == 404
    assert agent_client.get("/agent/listings/999999/").status_code == 404


def test_one_tap_reactions_set_change_and_clear(portal_client, client_contact, listing):
    url = f"/portal/listings/{listing.pk}/react/"
    response = portal_client.post(url, {"kind": "favorite"})
    assert response.status_code == 302
    assert ListingReaction.objects.get(contact=client_contact, listing=listing).kind == "favorite"
    portal_client.post(url, {"kind": "maybe"})
    assert ListingReaction.objects.get(contact=client_contact, listing=listing).kind == "maybe"
    portal_client.post(url, {"kind": "clear"})
    assert not ListingReaction.objects.filter(contact=client_contact).exists()


def test_reaction_by_htmx_swaps_the_buttons(portal_client, client_contact, listing):
    response = portal_client.post(
        f"/portal/listings/{listing.pk}/react/", {"kind": "favorite"}, headers={"HX-Request": "1"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="reactions"')
    assert 'value="clear" class="reaction reaction--favorite" aria-pressed="true"' in html


def test_reaction_ignores_any_contact_id_in_the_request(
    portal_client, client_contact, other_client_contact, listing
):
    portal_client.post(
        f"/portal/listings/{listing.pk}/react/",
        {"kind": "favorite", "contact": other_client_contact.pk},
    )
    assert not ListingReaction.objects.filter(contact=other_client_contact).exists()
    assert ListingReaction.objects.filter(contact=client_contact).exists()


def test_bad_reaction_kind_changes_nothing(portal_client, listing):
    response = portal_client.post(f"/portal/listings/{listing.pk}/react/", {"kind": "love"})
    assert response.status_code == 302
    assert not ListingReaction.objects.exists()


def test_an_agent_cannot_react_or_comment_as_a_client(agent_client, listing):
    assert (
        agent_client.post(f"/portal/listings/{listing.pk}/react/", {"kind": "favorite"}).status_code
        == 403
    )
    assert (
        agent_client.post(f"/portal/listings/{listing.pk}/comments/", {"body": "x"}).status_code
        == 403
    )
    assert not ListingReaction.objects.exists() and not ListingComment.objects.exists()


def test_reacting_needs_post(portal_client, listing):
    assert portal_client.get(f"/portal/listings/{listing.pk}/react/").status_code == 405


def test_comments_listed_newest_last_and_only_the_clients_own(
    portal_client, client_contact, other_client_contact, listing
):
    comment_add(
        contact=other_client_contact,
        author=other_client_contact.user,
        listing=listing,
        body="Someone else's private note",
    )
    url = f"/portal/listings/{listing.pk}/comments/"
    portal_client.post(url, {"body": "Is the roof new?"})
    response = portal_client.post(url, {"body": "Love the yard"}, headers={"HX-Request": "1"})
    html = response.content.decode()
    assert html.index("Is the roof new?") < html.index("Love the yard")
    assert "Someone else" not in html
    assert (
        "Someone else" not in portal_client.get(f"/portal/listings/{listing.pk}/").content.decode()
    )
    assert ListingComment.objects.filter(contact=client_contact).count() == 2


def test_empty_comment_gets_a_message(portal_client, listing):
    response = portal_client.post(f"/portal/listings/{listing.pk}/comments/", {"body": "   "})
    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    assert not ListingComment.objects.exists()


def test_comment_on_a_missing_listing_is_404(portal_client):
    assert (
        portal_client.post("/portal/listings/999999/comments/", {"body": "hi"}).status_code == 404
    )


def test_services_refuse_strangers(client_contact, other_client_contact, other_agent, listing):
    with pytest.raises(PermissionDenied):
        comment_add(contact=client_contact, author=other_agent.user, listing=listing, body="Hello")
    with pytest.raises(PermissionDenied):
        comment_add(
            contact=client_contact, author=other_client_contact.user, listing=listing, body="Hi"
        )
    # The client's own agent may write in the conversation.
    comment_add(
        contact=client_contact, author=client_contact.agent.user, listing=listing, body="Hi"
    )
    with pytest.raises(ValueError):
        reaction_set(contact=client_contact, listing=listing, kind="love")
