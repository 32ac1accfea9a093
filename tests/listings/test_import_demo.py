"""listings.demo enriches the seeded demo listings: history, facts, open houses, thumbnails."""

import pytest
from django.utils import timezone

from clients.demo import seed_demo
from listings.demo import demo_listings_enrich
from listings.models import Listing, ListingEvent, ListingMedia, OpenHouse


@pytest.mark.django_db
def test_demo_listings_get_history_facts_open_houses_and_thumbnails_once():
    # seed_demo enriches the listings it makes (clients.demo calls listings.demo).
    created = seed_demo(listing_count=60).created
    now = timezone.now()

    assert created["listings enriched"] == 60
    assert created["open houses"] > 0
    assert created["photo thumbnails"] > 0
    assert not ListingMedia.objects.filter(thumbnail="").exists()
    assert not Listing.objects.filter(events__isnull=True).exists()
    assert not Listing.objects.filter(list_agent_full_name="").exists()
    for listing in Listing.objects.filter(standard_status="Closed"):
        kinds = list(listing.events.order_by("occurred_at").values_list("kind", flat=True))
        assert kinds[0] == "new" and kinds[-2:] == ["pending", "sold"]
        assert listing.close_price is not None
    for event in ListingEvent.objects.filter(kind="price_decrease").select_related("listing"):
        assert event.old_price > event.new_price == event.listing.list_price
        assert event.listing.is_price_reduced
    assert OpenHouse.objects.filter(start_time__gt=now).count() == OpenHouse.objects.count()

    again = demo_listings_enrich(now=now)
    assert sum(again.values()) == 0
