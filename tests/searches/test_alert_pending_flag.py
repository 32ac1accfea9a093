"""Which searches the alert run looks at: SearchTally.alert_pending, set by whatever makes a
match "ready" (the matcher, the first send, an approval from screening) and cleared by the
sender. Before it, the run scanned every match by state, an index every batch had to write."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from listings.models import ListingEvent
from searches import alerts
from searches.matching import match_event_range
from searches.models import SavedSearch, SearchMatch, SearchTally
from searches.services import saved_search_create, screening_review
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def _search(contact, **fields) -> SavedSearch:
    fields.setdefault("criteria", {"q": "Hartford"})
    return SavedSearch.objects.create(
        agent=contact.agent,
        contact=contact,
        name="Hartford homes",
        kind=SavedSearch.Kind.AUTOMATIC,
        frequency="asap",
        **fields,
    )


def _new_listing_event() -> tuple[int, ListingEvent]:
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    event = ListingEvent.objects.create(
        listing=ListingFactory(), kind="new", occurred_at=timezone.now()
    )
    return before, event


def _pending(search) -> bool:
    return SearchTally.objects.filter(search=search, alert_pending=True).exists()


def test_the_matcher_flags_searches_with_ready_matches_only(client_contact):
    ready = _search(client_contact)
    screened = _search(client_contact, requires_screening=True)
    before, event = _new_listing_event()
    match_event_range(before, event.pk)
    assert _pending(ready) and not _pending(screened)
    assert alerts.contacts_with_ready_matches() == [client_contact.pk]


def test_sending_clears_the_flag_and_the_next_match_sets_it_again(client_contact):
    search = _search(client_contact)
    before, event = _new_listing_event()
    match_event_range(before, event.pk)
    assert alerts.alerts_send_due() == 1
    assert not _pending(search) and alerts.contacts_with_ready_matches() == []
    before, event = _new_listing_event()
    match_event_range(before, event.pk)
    assert _pending(search)
    later = timezone.now() + datetime.timedelta(minutes=16)  # past the 15-minute batching
    assert alerts.alerts_send_due(now=later) == 1
    assert SearchMatch.objects.filter(search=search, state=SearchMatch.State.SENT).count() == 2


def test_an_approved_screened_match_goes_out_with_the_next_alert(client_contact, agent):
    search = _search(client_contact, requires_screening=True)
    before, event = _new_listing_event()
    match_event_range(before, event.pk)
    assert alerts.alerts_send_due() == 0
    match = SearchMatch.objects.get(search=search)
    assert screening_review(agent=agent, match_ids=[match.pk], approve=True) == 1
    assert _pending(search)
    assert alerts.alerts_send_due() == 1
    match.refresh_from_db()
    assert match.state == SearchMatch.State.SENT


def test_a_discarded_match_flags_nothing(client_contact, agent):
    search = _search(client_contact, requires_screening=True)
    before, event = _new_listing_event()
    match_event_range(before, event.pk)
    match = SearchMatch.objects.get(search=search)
    screening_review(agent=agent, match_ids=[match.pk], approve=False)
    assert not _pending(search)


def test_the_first_send_flags_the_new_search(client_contact, agent):
    ListingFactory.create_batch(2, city="Avon", postal_code="06001")
    search = saved_search_create(
        agent=agent,
        contact=client_contact,
        name="Avon",
        criteria={"q": "Avon"},
        created_by=agent.user,
        alert_settings={"kind": "automatic", "frequency": "asap", "first_send": "all"},
    )
    assert _pending(search)
    assert alerts.alerts_send_due() == 1


def test_a_search_not_yet_due_keeps_its_flag(client_contact):
    search = _search(client_contact)
    SavedSearch.objects.filter(pk=search.pk).update(frequency="weekly")
    before, event = _new_listing_event()
    match_event_range(before, event.pk)
    search.refresh_from_db()
    search.last_alert_at = timezone.now()  # just had its weekly alert
    search.save(update_fields=["last_alert_at"])
    assert alerts.alerts_send_due() == 0
    assert _pending(search)


def test_the_migration_flags_searches_that_already_had_ready_matches(client_contact):
    """searches/0012's data step, run against today's models: ready matches written before
    the flag existed (here: the flag switched off by hand) are found again."""
    from importlib import import_module

    migration = import_module("searches.migrations.0012_alert_pending_instead_of_state_index")
    with_tally = _search(client_contact)
    without_tally = _search(client_contact)
    before, event = _new_listing_event()
    match_event_range(before, event.pk)
    SearchTally.objects.update(alert_pending=False)
    SearchTally.objects.filter(search=without_tally).delete()
    migration.flag_searches_with_ready_matches(apps, None)
    assert _pending(with_tally) and _pending(without_tally)
    assert sorted(alerts.contacts_with_ready_matches()) == [client_contact.pk]
