"""The address prefilter of the matcher's "anywhere" branch (searches.matching._ADDRESS_PREFILTER).

A search by street address or MLS number has no area key; the statement keeps only listings whose
address contains the typed text or whose MLS number is that text, and the search page's own query
decides afterwards. The prefilter must never drop a listing that query keeps: for every typed text
here, the engine's matches (alerts and reverse prospecting) are exactly the listings
``listings_matching`` returns.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from listings.models import ListingEvent
from listings.search import listings_matching
from searches.matching import match_event_range, reverse_prospect_search_ids
from searches.models import SavedSearch, SearchMatch
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

TYPED = [
    "12 Maple",
    "12 maple st",
    "  12 Maple St  ",
    "12 Maple St, Hartford",  # the city part is not in the address: the page finds nothing
    "12 Ma%ple",  # LIKE wildcards are dropped by the page's query, so by the prefilter too
    "12 Ma_ple",
    "12\tMaple",  # not plain ASCII text: left to the second look
    "12 Côte",
    "mb00001234",  # an MLS number, any case
    "MB00001234",
    "1234",
    "7 Oak",
]


@pytest.fixture
def listings():
    return [
        ListingFactory(street_number="12", street_name="Maple", street_suffix="St"),
        ListingFactory(street_number="112", street_name="Maple", street_suffix="Ave"),
        ListingFactory(street_number="12", street_name="Côte", street_suffix="Rd"),
        ListingFactory(street_number="5", street_name="Elm", listing_id="MB00001234"),
        ListingFactory(street_number="1234", street_name="Main", street_suffix="St"),
        ListingFactory(street_number="7", street_name="Oak", street_suffix="Ln"),
    ]


@pytest.mark.parametrize("typed", TYPED)
def test_alerts_for_an_address_search_are_what_the_search_page_finds(
    client_contact, listings, typed
):
    search = SavedSearch.objects.create(
        agent=client_contact.agent,
        contact=client_contact,
        name="Address",
        kind=SavedSearch.Kind.AUTOMATIC,
        criteria={"q": typed},
    )
    assert search.c_area_kind == "any"
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events = [
        ListingEvent.objects.create(listing=listing, kind="new", occurred_at=timezone.now())
        for listing in listings
    ]
    match_event_range(before, events[-1].pk)
    expected = set(
        listings_matching({"q": typed})
        .filter(id__in=[x.pk for x in listings])
        .values_list("id", flat=True)
    )
    matched = set(SearchMatch.objects.filter(search=search).values_list("listing", flat=True))
    assert matched == expected


@pytest.mark.parametrize("typed", TYPED)
def test_reverse_prospecting_of_an_address_search_is_what_the_search_page_finds(
    client_contact, listings, typed
):
    client_contact.reverse_prospecting = True
    client_contact.save(update_fields=["reverse_prospecting"])
    search = SavedSearch.objects.create(
        agent=client_contact.agent, contact=client_contact, name="Address", criteria={"q": typed}
    )
    found = {x.pk for x in listings if search.pk in reverse_prospect_search_ids(x)}
    expected = set(
        listings_matching({"q": typed})
        .filter(id__in=[x.pk for x in listings])
        .values_list("id", flat=True)
    )
    assert found == expected
