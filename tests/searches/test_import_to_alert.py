"""From the MLS feed to the client's inbox: an import records events, the matcher runs after the
import commits, and an ASAP search emails within the run. Once in-process (eager Celery), once
with a real worker consuming the matching queue on the real Redis broker."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from listings import services as listing_services
from listings.models import ListingEvent
from notifications.models import OutboundEmail
from searches.matching import match_pending_events
from searches.models import SavedSearch, SearchMatch
from tests.conftest import celery_broker
from tests.listings.factories import ListingFactory


def record(**changes):
    base = {
        "ListingKey": "K-ALERT-1",
        "ListingId": "CT700",
        "StandardStatus": "Active",
        "ListPrice": 400000,
        "OriginalListPrice": 400000,
        "BedroomsTotal": 3,
        "City": "Hartford",
        "StateOrProvince": "CT",
        "PostalCode": "06105",
        "Latitude": "41.7637",
        "Longitude": "-72.6851",
        "PropertyType": "Residential",
        "ModificationTimestamp": "2026-03-01T12:00:00Z",
    }
    return {**base, **changes}


def _asap_search(contact, **fields):
    return SavedSearch.objects.create(
        agent=contact.agent,
        contact=contact,
        name="Hartford 3 beds",
        criteria={"q": "Hartford", "beds": 3},
        kind="automatic",
        frequency="asap",
        change_types=1 | 2,  # new, price decrease
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_import_new_listing_then_price_cut_alerts_the_client(
    client_contact, django_capture_on_commit_callbacks
):
    match_pending_events()  # start from now
    search = _asap_search(client_contact)
    with django_capture_on_commit_callbacks(execute=True):
        listing_services.listings_import_records([record()], source="t", fetch_photos=False)
    assert SearchMatch.objects.filter(search=search, reason="new").count() == 1
    (first,) = OutboundEmail.objects.filter(kind="alert")
    assert first.subject == "1 home for “Hartford 3 beds”"
    assert "[New]" in first.body_text
    # The same data again changes nothing: no event, no match, no email.
    with django_capture_on_commit_callbacks(execute=True):
        listing_services.listings_import_records([record()], source="t", fetch_photos=False)
    assert SearchMatch.objects.filter(search=search).count() == 1
    # A price cut is matched and waits for the 15-minute batching window.
    with django_capture_on_commit_callbacks(execute=True):
        listing_services.listings_import_records(
            [record(ListPrice=380000, ModificationTimestamp="2026-03-02T12:00:00Z")],
            source="t",
            fetch_photos=False,
        )
    cut = SearchMatch.objects.get(search=search, reason="price_decrease")
    assert cut.state == "ready" and cut.alert_id is None
    assert OutboundEmail.objects.filter(kind="alert").count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_matches_and_alerts(client_contact, worker_factory, settings):
    match_pending_events()
    search = _asap_search(client_contact)
    # Events written directly: an import here would run the matcher in-process (eager Celery).
    listing = ListingFactory(city="Hartford", bedrooms_total=3)
    ListingEvent.objects.create(listing=listing, kind="new", occurred_at=timezone.now())
    broker = settings.CELERY_BROKER_URL
    queue = f"matching-{int(time.time() * 1000)}"
    worker_factory(broker, queues=queue).start(name="matcher")
    with celery_broker(broker) as app:
        app.send_task("searches.match_events", queue=queue)
        app.send_task("searches.match_events", queue=queue)  # twice: idempotent
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not OutboundEmail.objects.filter(kind="alert"):
            time.sleep(0.3)
    time.sleep(1.5)
    assert SearchMatch.objects.filter(search=search).count() == 1
    assert OutboundEmail.objects.filter(kind="alert").count() == 1
