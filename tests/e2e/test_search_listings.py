"""Search Listings in Chromium: filter, see the map and the cards agree, hover, open a listing
and favorite it; and the same page on a phone."""

from decimal import Decimal

import pytest

from listings.models import ListingReaction
from tests.e2e.test_login_journeys import log_in
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def homes(db):
    hartford = [
        ListingFactory(
            city="Hartford",
            list_price=Decimal(300000 + n * 25000),
            latitude=Decimal("41.7637") + Decimal(n) / 200,
            longitude=Decimal("-72.6851") + Decimal(n) / 200,
        )
        for n in range(6)
    ]
    guilford = [
        ListingFactory(
            city="Guilford",
            postal_code="06437",
            latitude=Decimal("41.2890") + Decimal(n) / 200,
            longitude=Decimal("-72.6818"),
        )
        for n in range(4)
    ]
    return hartford, guilford


def wait_for_query(page, text: str) -> None:
    # htmx pushes the URL with history.pushState: no load event to wait for.
    page.wait_for_function("t => location.search.includes(t)", arg=text)


def wait_for_cards(page, count: int) -> None:
    # A function, not an expression string: the page's CSP forbids eval.
    page.wait_for_function(
        "n => document.querySelectorAll('#results [data-listing-id]').length === n", arg=count
    )


def marker_count(page) -> int:
    return page.locator("#search-map .price-marker").count()


def card_ids(page) -> list[str]:
    return page.locator("#results [data-listing-id]").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('data-listing-id'))"
    )


def test_client_filters_sees_map_and_list_agree_and_favorites_a_home(
    page, live_server, client_contact, homes, screenshot
):
    hartford, guilford = homes
    log_in(page, live_server.url, client_contact.user.email)
    page.goto(f"{live_server.url}/portal/search/")
    assert len(card_ids(page)) == 10
    assert marker_count(page) == 10

    # Filter: the location box, then a price cap; htmx swaps the results and the URL follows.
    page.get_by_label("Location").fill("Hartford")
    page.get_by_label("Location").press("Enter")
    wait_for_query(page, "q=Hartford")
    wait_for_cards(page, 6)
    page.get_by_label("Max price").fill("360000")
    page.get_by_label("Max price").press("Tab")
    wait_for_query(page, "max_price=360000")
    wait_for_cards(page, 3)
    assert sorted(card_ids(page)) == sorted(str(h.pk) for h in hartford[:3])
    assert marker_count(page) == 3
    assert page.get_by_text("3 homes").is_visible()
    screenshot(page, "search-listings-filtered")

    # Hovering a card lights up its marker.
    first = page.locator("#results [data-listing-id]").first
    first.hover()
    assert page.locator("#search-map .price-marker.is-active").count() == 1
    page.mouse.move(5, 5)
    assert page.locator("#search-map .price-marker.is-active").count() == 0

    # The URL holds the search: a reload shows the same results.
    page.reload()
    assert len(card_ids(page)) == 3

    # Open a listing and favorite it with one tap.
    listing_id = card_ids(page)[0]
    page.locator(f'#results [data-listing-id="{listing_id}"] a').first.click()
    page.wait_for_url(f"**/portal/listings/{listing_id}/")
    favorite = page.get_by_role("button", name="Favorite")
    favorite.click()
    page.wait_for_selector('button.reaction--favorite[aria-pressed="true"]')
    assert ListingReaction.objects.get(contact=client_contact, listing_id=listing_id).kind == (
        "favorite"
    )
    assert page.get_by_text("Saved —").is_visible()
    screenshot(page, "listing-favorited")


def test_search_this_area_and_drawn_shape(page, live_server, client_contact, homes):
    hartford, guilford = homes
    log_in(page, live_server.url, client_contact.user.email)
    page.goto(f"{live_server.url}/portal/search/")
    assert marker_count(page) == 10
    # Zoom the map onto Guilford: the visible box becomes the search.
    page.evaluate("searchMap.setView([41.2965, -72.6818], 13)")
    wait_for_query(page, "bbox=")
    wait_for_cards(page, 4)
    assert marker_count(page) == 4

    # Draw a triangle around the first Hartford homes only.
    page.get_by_role("button", name="Clear map area").click()
    wait_for_cards(page, 10)
    page.evaluate("searchMap.setView([41.77, -72.675], 13)")
    wait_for_query(page, "bbox=")
    page.get_by_role("button", name="Draw a shape").click()
    box = page.locator("#search-map").bounding_box()
    to_px = "([lat, lng]) => { const p = searchMap.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }"
    for corner in ([41.755, -72.70], [41.755, -72.67], [41.78, -72.685]):
        x, y = page.evaluate(to_px, corner)
        page.mouse.click(box["x"] + x, box["y"] + y)
    page.get_by_role("button", name="Finish shape").click()
    wait_for_query(page, "poly=")
    inside = {str(h.pk) for h in hartford if Decimal("41.755") < h.latitude < Decimal("41.77")}
    wait_for_cards(page, len(inside))
    assert set(card_ids(page)) == inside


def test_search_fits_a_phone_with_a_list_map_toggle(
    phone_page, live_server, client_contact, homes, screenshot
):
    log_in(phone_page, live_server.url, client_contact.user.email)
    phone_page.goto(f"{live_server.url}/portal/search/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not phone_page.locator("#search-map").is_visible()
    screenshot(phone_page, "search-listings-phone")
    phone_page.get_by_role("button", name="Map").click()
    assert phone_page.locator("#search-map").is_visible()
    assert marker_count(phone_page) == 10
    screenshot(phone_page, "search-listings-phone-map")
