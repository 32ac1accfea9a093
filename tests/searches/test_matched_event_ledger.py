"""The matcher's ledger of matched events (PostgreSQL): what makes a re-run, an overlapping range
or a second matcher at the same moment write nothing twice, now that the matches go in with a
plain INSERT instead of a per-row ON CONFLICT check."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from listings.models import ListingEvent
from searches.matching import match_event_range
from searches.models import MatchedEvent, SavedSearch, SearchMatch, SearchTally
from tests.clients.factories import ClientContactFactory
from tests.listings.factories import ListingFactory


def _last_event_id() -> int:
    return ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _new_listing_events(count: int) -> list[ListingEvent]:
    return [
        ListingEvent.objects.create(
            listing=ListingFactory(), kind="new", occurred_at=timezone.now()
        )
        for _ in range(count)
    ]


def _search(contact, **fields) -> SavedSearch:
    fields.setdefault("criteria", {"q": "Hartford"})
    return SavedSearch.objects.create(
        agent=contact.agent,
        contact=contact,
        name="Hartford homes",
        kind=SavedSearch.Kind.AUTOMATIC,
        **fields,
    )


@pytest.mark.django_db
def test_every_event_of_a_matched_batch_is_in_the_ledger(client_contact):
    _search(client_contact)
    before = _last_event_id()
    events = _new_listing_events(3)
    match_event_range(before, events[-1].pk)
    assert set(MatchedEvent.objects.values_list("event_id", flat=True)) >= {e.pk for e in events}


@pytest.mark.django_db
def test_overlapping_ranges_match_each_event_once(client_contact):
    search = _search(client_contact)
    keywords = _search(client_contact, criteria={"q": "Hartford", "keywords": "pool"})
    before = _last_event_id()
    events = _new_listing_events(4)
    for event in events:  # every home has a pool: the keyword search goes to the second look
        event.listing.public_remarks = "Sunny colonial with an inground pool."
        event.listing.save()
    first = match_event_range(before, events[1].pk)
    second = match_event_range(before, events[3].pk)  # (before, e4] holds e1 and e2 again
    assert (first.matches_created, second.matches_created) == (4, 4)
    for saved in (search, keywords):
        assert sorted(
            SearchMatch.objects.filter(search=saved).values_list("event_id", flat=True)
        ) == [e.pk for e in events]
        assert SearchTally.objects.get(search=saved).match_count == 4


@pytest.mark.django_db
def test_a_rerun_reads_the_ledger_not_the_matches(client_contact):
    """The ledger is the record of what was matched: an event listed there is not matched again,
    even if its matches were since deleted (the benchmark clears both between its runs)."""
    search = _search(client_contact)
    before = _last_event_id()
    (event,) = _new_listing_events(1)
    assert match_event_range(before, event.pk).matches_created == 1
    SearchMatch.objects.filter(search=search).delete()
    assert match_event_range(before, event.pk).matches_created == 0
    MatchedEvent.objects.filter(event_id=event.pk).delete()
    assert match_event_range(before, event.pk).matches_created == 1


@pytest.mark.django_db(transaction=True)
def test_two_matchers_at_once_write_the_batch_once():
    contact = ClientContactFactory()
    searches = [_search(contact) for _ in range(3)]
    before = _last_event_id()
    events = _new_listing_events(5)
    start = threading.Barrier(2)
    results, errors = [], []

    def matcher() -> None:
        try:
            start.wait()
            results.append(match_event_range(before, events[-1].pk).matches_created)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=matcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0, 15]
    assert SearchMatch.objects.filter(search__in=searches).count() == 15
    assert (
        sum(SearchTally.objects.filter(search__in=searches).values_list("match_count", flat=True))
        == 15
    )
