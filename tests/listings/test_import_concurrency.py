"""Two imports at once (an overlapping beat run and a manual upload) over the same listings in
opposite orders. Each locks the listings of its next chunk, and every write to listings data also
takes the one listings-data-version row until commit (listings migration 0009); without taking
that row first, A (version row held) waits for B's listing rows while B waits for the version row:
a deadlock, one import aborted."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from listings import services
from listings.models import Listing


def _record(number: int, price: int) -> dict:
    return {
        "ListingKey": f"RACE-{number:03d}",
        "ListingId": f"RC{number:05d}",
        "StandardStatus": "Active",
        "ListPrice": price,
        "City": "Hartford",
        "StateOrProvince": "CT",
        "PostalCode": "06105",
        "ModificationTimestamp": f"2026-03-10T12:{number:02d}:00Z",
    }


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_listings_in_opposite_orders_both_finish(monkeypatch):
    monkeypatch.setattr(services, "LOOKUP_CHUNK", 1)  # lock one listing at a time
    services.listings_import_records([_record(n, 400000) for n in range(1, 7)], source="seed")
    forward = [
        _record(n, 410000) | {"ModificationTimestamp": f"2026-03-11T12:{n:02d}:00Z"}
        for n in range(1, 7)
    ]
    backward = [
        _record(n, 420000) | {"ModificationTimestamp": f"2026-03-11T12:{n:02d}:00Z"}
        for n in range(6, 0, -1)
    ]
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def run(records):
        try:
            start.wait()
            for _ in range(5):
                services.listings_import_records(records, source="race", fetch_photos=False)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(records,)) for records in (forward, backward)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Listing.objects.filter(listing_key__startswith="RACE-").count() == 6
