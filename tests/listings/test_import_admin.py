"""MLS staff see imports, feeds, history and open houses in the admin; listings are read-only."""

from pathlib import Path

import pytest
from django.urls import reverse

from listings import services
from listings.models import Listing, ListingEvent, ListingFeed, ListingImportRun, OpenHouse
from tests.clients.factories import UserFactory

DATA = Path(__file__).resolve().parent.parent / "data" / "listings"


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_pages_for_imports_render(staff_client):
    services.listings_import_file(path=str(DATA / "bad_records.json"), fetch_photos=False)
    services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)
    feed = ListingFeed.objects.create(name="mls", base_url="https://api.mls.example/odata")
    run = ListingImportRun.objects.filter(skipped__gt=0).get()
    listing = Listing.objects.get(listing_key="IMP-0001")
    pages = [
        reverse("admin:listings_listingimportrun_changelist"),
        reverse("admin:listings_listingimportrun_change", args=[run.pk]),
        reverse("admin:listings_listingfeed_changelist"),
        reverse("admin:listings_listingfeed_change", args=[feed.pk]),
        reverse("admin:listings_listingevent_changelist"),
        reverse("admin:listings_openhouse_changelist"),
        reverse("admin:listings_openhouse_change", args=[OpenHouse.objects.get().pk]),
        reverse("admin:listings_listing_change", args=[listing.pk]),
        reverse("admin:listings_listingevent_change", args=[ListingEvent.objects.first().pk]),
    ]
    for url in pages:
        assert staff_client.get(url).status_code == 200, url
    detail = staff_client.get(pages[1]).content.decode()
    assert "BAD-PRICE" in detail and "ListPrice &#x27;abc&#x27; is not a number" in detail


def test_listings_cannot_be_edited_by_hand(staff_client):
    services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)
    listing = Listing.objects.get(listing_key="IMP-0001")
    response = staff_client.post(
        reverse("admin:listings_listing_change", args=[listing.pk]), {"list_price": "1"}
    )
    assert response.status_code == 403
    assert Listing.objects.get(pk=listing.pk).list_price == listing.list_price


def test_staff_can_reset_a_feeds_high_water_mark(staff_client):
    feed = ListingFeed.objects.create(
        name="mls", base_url="https://api.mls.example/odata", high_water_mark="2026-03-01T00:00Z"
    )
    staff_client.post(
        reverse("admin:listings_listingfeed_changelist"),
        {"action": "reset_high_water_mark", "_selected_action": [feed.pk]},
    )
    feed.refresh_from_db()
    assert feed.high_water_mark is None
