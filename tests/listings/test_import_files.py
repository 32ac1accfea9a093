"""Importing listings from files: both formats, idempotence, history events, bad records."""

import datetime as dt
import json
import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings import services
from listings.feeds.records import RecordError
from listings.models import (
    Listing,
    ListingEvent,
    ListingFeed,
    ListingImportRun,
    ListingMedia,
    OpenHouse,
)
from listings.tasks import import_file

DATA = Path(__file__).resolve().parent.parent / "data" / "listings"
Kind = ListingEvent.Kind

pytestmark = pytest.mark.django_db


def record(**changes):
    base = {
        "ListingKey": "K-1",
        "ListingId": "CT100",
        "StandardStatus": "Active",
        "ListPrice": 400000,
        "City": "Hartford",
        "StateOrProvince": "CT",
        "PostalCode": "06105",
        "Latitude": "41.7637",
        "Longitude": "-72.6851",
        "ModificationTimestamp": "2026-03-01T12:00:00Z",
    }
    return {**base, **changes}


def listing_values(listing: Listing) -> dict:
    skip = {"id", "created_at"}
    return {f.name: getattr(listing, f.name) for f in Listing._meta.fields if f.name not in skip}


def writes_in(queries) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(verbs)
        and "listings_listingimportrun" not in q["sql"]
    ]


# --- Formats ----------------------------------------------------------------------------------


def test_json_payload_is_imported_with_fields_media_and_open_houses():
    run = services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)

    assert (run.status, run.created, run.updated, run.skipped) == ("succeeded", 3, 0, 0)
    house = Listing.objects.get(listing_key="IMP-0001")
    assert house.listing_id == "CT2401001"
    assert house.list_price == Decimal("450000")
    assert house.original_list_price == Decimal("465000")
    assert house.latitude == Decimal("41.283123")  # rounded to the model's 6 places
    assert house.living_area == 1850
    assert house.lot_size_area == Decimal("0.52")
    assert house.bathrooms_half == 1 and house.garage_spaces == 2 and house.stories == 2
    assert house.tax_annual_amount == Decimal("8123.45")
    assert house.high_school == "Guilford High"
    assert house.virtual_tour_url == "https://tours.example/imp-0001"
    assert house.modification_timestamp == dt.datetime(2026, 3, 10, 14, 5, tzinfo=dt.UTC)
    # In the feed's Order, renumbered from 0; the floor-plan PDF is not a photo.
    assert [(m.order, m.media_key, m.caption) for m in house.media.all()] == [
        (0, "IMP-0001-M1", "Front exterior"),
        (1, "IMP-0001-M2", "Kitchen"),
    ]
    [open_house] = house.open_houses.all()
    assert open_house.start_time == dt.datetime(2026, 3, 14, 15, tzinfo=dt.UTC)
    assert open_house.remarks == "Coffee and muffins"
    assert Listing.objects.get(listing_key="IMP-0003").standard_status == "Coming Soon"
    assert list(ListingEvent.objects.values_list("kind", flat=True)) == [Kind.NEW] * 3


@pytest.mark.parametrize("bom", [True, False], ids=["utf8-bom", "utf8"])
def test_csv_with_reso_columns_gives_the_same_listings_as_json(tmp_path, bom):
    services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)
    from_json = {x.listing_key: listing_values(x) for x in Listing.objects.all()}
    json_photos = {x.listing_key: [m.url for m in x.media.all()] for x in Listing.objects.all()}
    Listing.objects.all().delete()

    text = (DATA / "sample.csv").read_bytes().decode("utf-8-sig")
    path = tmp_path / "export.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    run = services.listings_import_file(path=str(path), fetch_photos=False)

    assert (run.status, run.created, run.skipped) == ("succeeded", 3, 0), run.errors
    assert {x.listing_key: listing_values(x) for x in Listing.objects.all()} == from_json
    assert {
        x.listing_key: [m.url for m in x.media.all()] for x in Listing.objects.all()
    } == json_photos


def test_file_type_is_recognised_by_content_without_an_extension(tmp_path):
    path = tmp_path / "download"
    path.write_bytes((DATA / "sample.json").read_bytes())
    assert services.listings_import_file(path=str(path), fetch_photos=False).created == 3


# --- Idempotence and order -------------------------------------------------------------------


def test_importing_the_same_file_twice_writes_nothing_and_records_no_events():
    services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)
    events = ListingEvent.objects.count()
    media = list(ListingMedia.objects.values_list("id", "url", "order"))

    with CaptureQueriesContext(connection) as queries:
        run = services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)

    assert (run.created, run.updated, run.unchanged) == (0, 0, 3)
    assert writes_in(queries.captured_queries) == []
    assert ListingEvent.objects.count() == events
    assert list(ListingMedia.objects.values_list("id", "url", "order")) == media


def test_a_record_older_than_the_stored_listing_is_ignored():
    services.listing_upsert(record=record(ListPrice=400000))
    result = services.listing_upsert(
        record=record(ListPrice=1, ModificationTimestamp="2026-02-01T00:00:00Z")
    )
    assert result.outcome == "stale"
    assert Listing.objects.get().list_price == Decimal("400000")
    assert ListingEvent.objects.count() == 1


def test_a_newer_timestamp_on_identical_data_is_unchanged():
    services.listing_upsert(record=record())
    result = services.listing_upsert(record=record(ModificationTimestamp="2026-03-05T00:00:00Z"))
    assert result.outcome == "unchanged" and result.events == []


# --- History ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("Active", "Pending", Kind.PENDING),
        ("Active", "Active Under Contract", Kind.PENDING),
        ("Pending", "Closed", Kind.SOLD),
        ("Active", "Withdrawn", Kind.OFF_MARKET),
        ("Active", "Expired", Kind.OFF_MARKET),
        ("Active", "Canceled", Kind.OFF_MARKET),
        ("Withdrawn", "Active", Kind.BACK_ON_MARKET),
        ("Pending", "Active", Kind.BACK_ON_MARKET),
        ("Expired", "Coming Soon", Kind.BACK_ON_MARKET),
        ("Coming Soon", "Active", Kind.STATUS_CHANGE),
    ],
)
def test_status_changes_are_recorded_as_history(old, new, kind):
    services.listing_upsert(record=record(StandardStatus=old))
    result = services.listing_upsert(
        record=record(StandardStatus=new, ModificationTimestamp="2026-03-02T09:00:00Z")
    )

    assert result.outcome == "updated"
    [event] = result.events
    assert (event.kind, event.old_status, event.new_status) == (kind, old, new)
    assert event.occurred_at == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert list(Listing.objects.get().events.values_list("kind", flat=True)) == [kind, Kind.NEW]


@pytest.mark.parametrize(
    ("price", "kind"), [(380000, Kind.PRICE_DECREASE), ("425,000", Kind.PRICE_INCREASE)]
)
def test_price_changes_are_recorded_with_old_and_new_price(price, kind):
    services.listing_upsert(record=record(ListPrice=400000))
    [event] = services.listing_upsert(
        record=record(ListPrice=price, ModificationTimestamp="2026-03-02T09:00:00Z")
    ).events
    assert event.kind == kind
    assert event.old_price == Decimal("400000")
    assert event.new_price == Decimal(str(price).replace(",", ""))


def test_new_listing_event_and_a_status_plus_price_change_in_one_record():
    [new] = services.listing_upsert(record=record(StandardStatus="Pending")).events
    assert (new.kind, new.new_status, new.new_price) == (Kind.NEW, "Pending", Decimal("400000"))

    events = services.listing_upsert(
        record=record(
            StandardStatus="Active", ListPrice=389000, ModificationTimestamp="2026-03-03T00:00:00Z"
        )
    ).events
    assert [e.kind for e in events] == [Kind.BACK_ON_MARKET, Kind.PRICE_DECREASE]


def test_changes_other_than_price_and_status_update_without_an_event():
    services.listing_upsert(record=record())
    result = services.listing_upsert(
        record=record(PublicRemarks="New roof.", ModificationTimestamp="2026-03-02T00:00:00Z")
    )
    assert (result.outcome, result.events) == ("updated", [])
    assert Listing.objects.get().public_remarks == "New roof."


# --- Media and open houses -------------------------------------------------------------------


def test_media_and_open_houses_follow_the_feed():
    photos = [
        {"MediaKey": "A", "MediaURL": "https://p.example/a.jpg", "Order": 1},
        {"MediaKey": "B", "MediaURL": "https://p.example/b.jpg", "Order": 2},
    ]
    services.listing_upsert(
        record=record(
            Media=photos,
            OpenHouse=[
                {
                    "OpenHouseKey": "O1",
                    "OpenHouseStartTime": "2026-03-07T15:00:00Z",
                    "OpenHouseEndTime": "2026-03-07T17:00:00Z",
                }
            ],
        )
    )
    media_a = ListingMedia.objects.get(media_key="A")
    ListingMedia.objects.filter(pk=media_a.pk).update(image="listings/a.jpg")

    result = services.listing_upsert(
        record=record(
            Media=[
                {"MediaKey": "C", "MediaURL": "https://p.example/c.jpg", "Order": 0},
                {"MediaKey": "A", "MediaURL": "https://p.example/a.jpg", "Order": 5},
            ],
            OpenHouse=[],
            ModificationTimestamp="2026-03-02T00:00:00Z",
        )
    )

    assert result.outcome == "updated" and result.events == []
    assert [(m.media_key, m.order) for m in ListingMedia.objects.all()] == [("C", 0), ("A", 1)]
    # The photo we already downloaded for A is kept: its URL did not change.
    assert ListingMedia.objects.get(media_key="A").image.name == "listings/a.jpg"
    assert OpenHouse.objects.count() == 0


def test_a_record_without_media_leaves_the_stored_photos_alone():
    services.listing_upsert(
        record=record(Media=[{"MediaKey": "A", "MediaURL": "https://p.example/a.jpg"}])
    )
    services.listing_upsert(record=record(ListPrice=1, ModificationTimestamp="2026-03-09T00:00Z"))
    assert ListingMedia.objects.count() == 1


# --- Bad records ------------------------------------------------------------------------------


def test_bad_records_are_reported_and_skipped_and_the_batch_goes_on():
    run = services.listings_import_file(path=str(DATA / "bad_records.json"), fetch_photos=False)

    assert (run.status, run.created, run.skipped) == ("partial", 1, 6)
    errors = {(e["index"], e["listing_key"]): e["message"] for e in run.errors}
    assert errors[(2, "")] == "ListingKey is missing"
    assert "ListPrice 'abc' is not a number" in errors[(3, "BAD-PRICE")]
    assert "StandardStatus 'Sold-ish' is not one we know" in errors[(4, "BAD-STATUS")]
    assert "Latitude 95 is out of range" in errors[(5, "BAD-LAT")]
    assert "ListingContractDate '2026-02-30' is not a date" in errors[(6, "BAD-DATE")]
    assert "a record should be an object" in errors[(7, "")]
    # Nothing of the refused records was written: no listing, photo, open house or event.
    assert list(Listing.objects.values_list("listing_key", flat=True)) == ["BAD-OK"]
    assert list(ListingMedia.objects.values_list("media_key", flat=True)) == ["OK-1"]
    assert OpenHouse.objects.count() == 0
    assert ListingEvent.objects.count() == 1


def test_a_bad_update_leaves_the_stored_listing_as_it_was():
    services.listing_upsert(
        record=record(Media=[{"MediaKey": "A", "MediaURL": "https://p.example/a.jpg"}])
    )
    before = listing_values(Listing.objects.get())
    run = services.listings_import_records(
        [
            record(
                ListPrice=1,
                Latitude=95,
                Media=[],
                ModificationTimestamp="2026-03-05T00:00:00Z",
            )
        ],
        source="test",
    )
    assert run.skipped == 1
    assert listing_values(Listing.objects.get()) == before
    assert ListingMedia.objects.count() == 1 and ListingEvent.objects.count() == 1


def test_a_field_too_long_for_the_model_is_a_record_error_not_a_crash():
    with pytest.raises(RecordError, match="StateOrProvince"):
        services.listing_upsert(record=record(StateOrProvince="C" * 60))
    assert Listing.objects.count() == 0


def test_missing_listing_id_falls_back_to_the_key():
    services.listing_upsert(record=record(ListingId=None))
    assert Listing.objects.get().listing_id == "K-1"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.json", b'{"value": [ {"ListingKey": ', "is not valid JSON"),
        ("empty.json", b"", "is empty"),
        ("empty.csv", b"\xef\xbb\xbf\r\n", "is empty"),
        ("not_a_payload.json", b'{"listings": []}', "not a RESO payload"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is a binary file"),
        ("latin1.csv", "ListingKey,City\nK,Montr\xe9al\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_files_fail_the_run_with_the_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    run = services.listings_import_file(path=str(path))
    assert run.status == ListingImportRun.Status.FAILED
    assert message in run.errors[0]["message"]
    assert Listing.objects.count() == 0


def test_a_csv_of_something_else_is_refused():
    run = services.listings_import_file(path=str(DATA / "not_listings.csv"))
    assert run.status == "failed"
    assert "no ListingKey column" in run.errors[0]["message"]
    assert "FirstName, LastName, Email" in run.errors[0]["message"]


# --- Command and tasks --------------------------------------------------------------------


def test_command_prints_a_summary_with_the_first_errors(capsys):
    call_command("import_listings", str(DATA / "bad_records.json"), "--no-photos")
    out = capsys.readouterr().out
    assert "1 created, 0 updated, 0 unchanged, 6 skipped" in out
    assert "record 3 (BAD-PRICE): ListPrice 'abc' is not a number" in out


def test_command_fails_loudly_on_an_unreadable_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("nope")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_listings", str(path))


def test_command_needs_a_path_or_a_url():
    with pytest.raises(CommandError, match="Give a file PATH"):
        call_command("import_listings")
    with pytest.raises(CommandError, match="--token"):
        call_command("import_listings", "--url", "https://api.mls.example/odata")


def test_import_file_task_returns_the_run_and_is_idempotent():
    first = import_file.delay(str(DATA / "sample.json"), False).get()
    second = import_file.delay(str(DATA / "sample.json"), False).get()
    runs = ListingImportRun.objects.in_bulk([first, second])
    assert (runs[first].created, runs[second].created, runs[second].unchanged) == (3, 0, 3)


# --- After commit ------------------------------------------------------------------------------


def test_matching_is_dispatched_after_commit_when_the_task_exists(
    monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    fake = types.ModuleType("searches.tasks")
    fake.match_events = types.SimpleNamespace(delay=lambda **kw: calls.append(kw))
    monkeypatch.setitem(sys.modules, "searches.tasks", fake)
    services.listing_upsert(record=record(ListingKey="EARLIER"))
    first_id = None

    with django_capture_on_commit_callbacks(execute=True):
        run = services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)
        first_id = ListingEvent.objects.filter(listing__listing_key="IMP-0001").get().pk
        assert calls == []  # not before commit

    assert run.created == 3
    assert calls == [{"after_event_id": first_id - 1}]


def test_without_the_matcher_the_import_still_commits(django_capture_on_commit_callbacks):
    # searches.tasks does not exist until the saved-searches issue; the hook must not break.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.listings_import_records([record()], source="test", fetch_photos=False)
    assert len(callbacks) == 1
    assert Listing.objects.count() == 1


def test_file_import_of_a_feed_moves_its_high_water_mark_forward_only():
    feed = ListingFeed.objects.create(name="f", base_url="https://api.mls.example/odata")
    records = json.loads((DATA / "sample.json").read_text())["value"]
    services.listings_import_records(records, source="t", feed=feed, fetch_photos=False)
    assert feed.high_water_mark == dt.datetime(2026, 3, 11, 8, tzinfo=dt.UTC)
    services.listings_import_records(records[:1], source="t", feed=feed, fetch_photos=False)
    feed.refresh_from_db()
    assert feed.high_water_mark == dt.datetime(2026, 3, 11, 8, tzinfo=dt.UTC)


def test_photos_first_imported_from_csv_urls_keep_their_rows_when_keys_arrive(tmp_path):
    path = tmp_path / "photos.csv"
    path.write_text(
        "ListingKey,StandardStatus,City,StateOrProvince,PostalCode,ModificationTimestamp,Media\n"
        "K-9,Active,Hartford,CT,06105,2026-03-01T00:00:00Z,https://p.example/1.jpg|https://p.example/2.jpg\n"
    )
    services.listings_import_file(path=str(path), fetch_photos=False)
    ids = list(ListingMedia.objects.values_list("id", flat=True))

    services.listing_upsert(
        record=record(
            ListingKey="K-9",
            ModificationTimestamp="2026-03-02T00:00:00Z",
            Media=[
                {"MediaKey": "P1", "MediaURL": "https://p.example/1.jpg", "Order": 0},
                {"MediaKey": "P2", "MediaURL": "https://p.example/2.jpg", "Order": 1},
            ],
        )
    )

    assert list(ListingMedia.objects.values_list("id", "media_key")) == [
        (ids[0], "P1"),
        (ids[1], "P2"),
    ]


def test_the_same_key_twice_in_one_batch_is_applied_in_order():
    services.listing_upsert(record=record(ListingKey="K-2"))
    run = services.listings_import_records(
        [
            record(ListPrice=400000),
            record(ListPrice=380000, ModificationTimestamp="2026-03-02T00:00:00Z"),
            record(
                ListingKey="K-2",
                StandardStatus="Pending",
                ModificationTimestamp="2026-03-02T00:00Z",
            ),
            record(
                ListingKey="K-2", StandardStatus="Closed", ModificationTimestamp="2026-03-03T00:00Z"
            ),
        ],
        source="test",
        fetch_photos=False,
    )
    assert (run.created, run.updated, run.skipped) == (1, 3, 0), run.errors
    assert list(
        ListingEvent.objects.order_by("id").values_list("listing__listing_key", "kind")
    ) == [
        ("K-2", Kind.NEW),
        ("K-1", Kind.NEW),
        ("K-1", Kind.PRICE_DECREASE),
        ("K-2", Kind.PENDING),
        ("K-2", Kind.SOLD),
    ]


def test_lookups_in_chunks_give_the_same_result(monkeypatch):
    monkeypatch.setattr(services, "LOOKUP_CHUNK", 2)
    services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)
    run = services.listings_import_file(path=str(DATA / "sample.json"), fetch_photos=False)
    assert (run.created, run.unchanged) == (0, 3)
