"""Writes to listings. ``listing_upsert`` is the only writer of listings and of their history.

Every import path — a file, a RESO Web API feed, the Celery beat job — ends in ``listing_upsert``
through ``listings_import_records``, so validation, history events and idempotence are decided in
one place. Saved-search matching reads the ``ListingEvent`` rows written here (by increasing id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from .feeds.http import RetryPolicy
from .feeds.photos import PhotoError, photo_check, photo_download, photo_thumbnail
from .feeds.records import (
    MediaItem,
    OpenHouseItem,
    ParsedRecord,
    RecordError,
    parse_record,
    record_key,
    record_timestamp,
)
from .feeds.reso_api import FeedError, ResoClient
from .models import Listing, ListingEvent, ListingFeed, ListingImportRun, ListingMedia, OpenHouse

logger = logging.getLogger(__name__)

Status = Listing.StandardStatus
PENDING_STATUSES = {Status.PENDING, Status.ACTIVE_UNDER_CONTRACT}
OFF_MARKET_STATUSES = {Status.WITHDRAWN, Status.EXPIRED, Status.CANCELED}
ON_MARKET_STATUSES = {Status.ACTIVE, Status.COMING_SOON}

# Records whose stored listings are looked up (and locked) in one query.
LOOKUP_CHUNK = 500
# A run's stored error list is for people to read; a file of 100,000 bad rows would only bloat it.
MAX_STORED_ERRORS = 500
# A feed claimed longer ago than this belongs to a worker that died (the task's hard limit is
# well below it), so another run may take over.
FEED_CLAIM_STALE_AFTER = dt.timedelta(minutes=40)

Outcome = Literal["created", "updated", "unchanged", "stale"]


@dataclass
class UpsertResult:
    outcome: Outcome
    listing: Listing | None
    events: list[ListingEvent] = field(default_factory=list)
    # Media rows that still need their photo fetched or thumbnailed.
    photos_pending: bool = False


# --- History ----------------------------------------------------------------------------------


def _status_event_kind(old: str, new: str) -> str:
    if new in PENDING_STATUSES:
        return ListingEvent.Kind.PENDING
    if new == Status.CLOSED:
        return ListingEvent.Kind.SOLD
    if new in OFF_MARKET_STATUSES:
        return ListingEvent.Kind.OFF_MARKET
    if new in ON_MARKET_STATUSES and (old in OFF_MARKET_STATUSES or old in PENDING_STATUSES):
        return ListingEvent.Kind.BACK_ON_MARKET
    return ListingEvent.Kind.STATUS_CHANGE


def _history_events(
    *, listing: Listing, created: bool, old_status: str, old_price, occurred_at: dt.datetime
) -> list[ListingEvent]:
    if created:
        return [
            ListingEvent(
                listing=listing,
                kind=ListingEvent.Kind.NEW,
                new_price=listing.list_price,
                new_status=listing.standard_status,
                occurred_at=occurred_at,
            )
        ]
    events = []
    if listing.standard_status != old_status:
        events.append(
            ListingEvent(
                listing=listing,
                kind=_status_event_kind(old_status, listing.standard_status),
                old_status=old_status,
                new_status=listing.standard_status,
                old_price=old_price,
                new_price=listing.list_price,
                occurred_at=occurred_at,
            )
        )
    new_price = listing.list_price
    # A price appearing or disappearing is not a reduction or a rise.
    if old_price is not None and new_price is not None and new_price != old_price:
        events.append(
            ListingEvent(
                listing=listing,
                kind=(
                    ListingEvent.Kind.PRICE_DECREASE
                    if new_price < old_price
                    else ListingEvent.Kind.PRICE_INCREASE
                ),
                old_price=old_price,
                new_price=new_price,
                old_status=old_status,
                new_status=listing.standard_status,
                occurred_at=occurred_at,
            )
        )
    return events


# --- Media and open houses ----------------------------------------------------------------


@dataclass
class _MediaChange:
    changed: bool = False
    # A photo is new or its URL changed: there is something to download.
    to_fetch: bool = False
    orphaned_files: list[str] = field(default_factory=list)


def _media_sync(listing: Listing, items: list[MediaItem], *, existing: list) -> _MediaChange:
    """Makes the listing's media match the feed's. A photo keeps its downloaded file while its
    URL stays the same; replaced files are listed for deletion after commit."""
    by_key = {m.media_key: m for m in existing if m.media_key}
    by_url = {m.url: m for m in existing if not m.media_key and m.url}
    kept: set[int] = set()
    result = _MediaChange()
    new: list[ListingMedia] = []
    for item in items:
        # A photo first seen without a MediaKey (a CSV of URLs) is the same photo when a
        # later record gives the key along with the same URL: keep its downloaded file.
        media = (by_key.get(item.media_key) if item.media_key else None) or by_url.get(item.url)
        if media is None or media.pk in kept:
            new.append(
                ListingMedia(
                    listing=listing,
                    media_key=item.media_key,
                    order=item.order,
                    url=item.url,
                    caption=item.caption,
                )
            )
            continue
        kept.add(media.pk)
        update: list[str] = []
        if media.media_key != item.media_key:
            media.media_key = item.media_key
            update.append("media_key")
        if media.url != item.url:
            # A new picture behind the same MediaKey: the old file and thumbnail are stale.
            result.orphaned_files += [f.name for f in (media.image, media.thumbnail) if f]
            media.url, media.image, media.thumbnail = item.url, "", ""
            update += ["url", "image", "thumbnail"]
            result.to_fetch = True
        if media.order != item.order:
            media.order = item.order
            update.append("order")
        if media.caption != item.caption:
            media.caption = item.caption
            update.append("caption")
        if update:
            media.save(update_fields=update)
            result.changed = True
    gone = [m for m in existing if m.pk not in kept]
    if gone:
        result.orphaned_files += [f.name for m in gone for f in (m.image, m.thumbnail) if f]
        ListingMedia.objects.filter(pk__in=[m.pk for m in gone]).delete()
        result.changed = True
    if new:
        ListingMedia.objects.bulk_create(new)
        result.changed = result.to_fetch = True
    return result


def _open_houses_sync(listing: Listing, items: list[OpenHouseItem], *, existing: list) -> bool:
    def identity(key: str, start: dt.datetime) -> tuple[str, Any]:
        return (key, None) if key else ("", start)

    by_identity = {identity(o.open_house_key, o.start_time): o for o in existing}
    kept: set[int] = set()
    changed = False
    new: list[OpenHouse] = []
    for item in items:
        row = by_identity.get(identity(item.open_house_key, item.start_time))
        if row is None or row.pk in kept:
            new.append(
                OpenHouse(
                    listing=listing,
                    open_house_key=item.open_house_key,
                    start_time=item.start_time,
                    end_time=item.end_time,
                    remarks=item.remarks,
                )
            )
            continue
        kept.add(row.pk)
        if (row.start_time, row.end_time, row.remarks) != (
            item.start_time,
            item.end_time,
            item.remarks,
        ):
            row.start_time, row.end_time, row.remarks = item.start_time, item.end_time, item.remarks
            row.save(update_fields=["start_time", "end_time", "remarks"])
            changed = True
    gone = [o.pk for o in existing if o.pk not in kept]
    if gone:
        OpenHouse.objects.filter(pk__in=gone).delete()
        changed = True
    if new:
        OpenHouse.objects.bulk_create(new)
        changed = True
    return changed


def _delete_files_after_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete replaced photo %s", name)

    if names:
        transaction.on_commit(delete)


# --- The one writer ---------------------------------------------------------------------------


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        label = {f.name: f.verbose_name for f in Listing._meta.fields}
        return "; ".join(
            f"{label.get(name, name)}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


class _NotLooked:
    pass


NOT_LOOKED_UP: Any = _NotLooked()


def _lock_listings_writes() -> None:
    """Takes the listings data version's row (listings migration 0009) at the start of a
    transaction that will write listings data. Every such write takes it anyway, until commit;
    taking it first, before any listing row, makes writers queue instead of deadlocking (two
    imports over the same listings in different orders, a photo saved during an import)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM listings_data_version WHERE id = 1 FOR UPDATE")


def _locked_listings(keys: Iterable[str]) -> dict[str, Listing]:
    """The stored listings for these keys, locked for the caller's transaction, with their media
    and open houses prefetched. Locked so two imports of the same key (an overlapping beat run, a
    manual import) cannot both read the old state and both record the same event."""
    return {
        listing.listing_key: listing
        for listing in Listing.objects.select_for_update(of=("self",))
        .filter(listing_key__in=list(keys))
        .order_by()
        .prefetch_related(
            Prefetch("media", queryset=ListingMedia.objects.order_by()),
            Prefetch("open_houses", queryset=OpenHouse.objects.order_by()),
        )
    }


def listing_upsert(*, record: Any, current: Listing | None = NOT_LOOKED_UP) -> UpsertResult:
    """Creates or updates the listing a RESO record describes, with its media, open houses and
    history events, in one transaction (a savepoint inside the caller's).

    Raises RecordError for a record we refuse; nothing of it is written. A record older than the
    stored listing (by ModificationTimestamp) is ignored; the same record twice writes nothing.
    ``current``: the stored listing already locked by the caller (None: known not to exist), so
    a batch looks its listings up in one query instead of one per record.
    """
    parsed: ParsedRecord = parse_record(record)
    with transaction.atomic():
        if current is NOT_LOOKED_UP:
            listing = _locked_listings([parsed.listing_key]).get(parsed.listing_key)
        else:
            listing = current
        created = listing is None
        if created:
            values = dict(parsed.values)
            listing = Listing(listing_key=parsed.listing_key, **values)
            old_status, old_price = "", None
        else:
            if parsed.modification_timestamp < listing.modification_timestamp:
                return UpsertResult(outcome="stale", listing=listing)
            old_status, old_price = listing.standard_status, listing.list_price
        changed_fields = [
            name for name, value in parsed.values.items() if getattr(listing, name) != value
        ]
        for name in changed_fields:
            setattr(listing, name, parsed.values[name])
        if not listing.listing_id:
            # ListingId is the MLS number people read; a feed that leaves it empty still has
            # a unique key to show instead.
            listing.listing_id = listing.listing_key
            changed_fields.append("listing_id")
        # A newer timestamp on the same data is not a change worth a write (or an "updated").
        data_changed = created or any(f != "modification_timestamp" for f in changed_fields)
        if data_changed:
            # Nullable model fields are not blank=True (the model serves forms too); for a feed,
            # null means "not given", which is valid.
            unset = [
                f.name for f in Listing._meta.fields if f.null and getattr(listing, f.name) is None
            ]
            try:
                listing.full_clean(exclude=unset, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise RecordError(_validation_message(exc)) from None
            if created:
                listing.save(force_insert=True)
            else:
                listing.save(update_fields=changed_fields)
        media = _MediaChange()
        open_houses_changed = False
        if parsed.media is not None:
            media = _media_sync(
                listing, parsed.media, existing=[] if created else list(listing.media.all())
            )
            _delete_files_after_commit(media.orphaned_files)
        if parsed.open_houses is not None:
            open_houses_changed = _open_houses_sync(
                listing,
                parsed.open_houses,
                existing=[] if created else list(listing.open_houses.all()),
            )
        media_changed = media.changed
        media_or_open_houses = media_changed or open_houses_changed
        if media_or_open_houses and not data_changed and "modification_timestamp" in changed_fields:
            # What we applied came with this timestamp: store it so older records lose.
            listing.save(update_fields=["modification_timestamp"])
        events = ListingEvent.objects.bulk_create(
            _history_events(
                listing=listing,
                created=created,
                old_status=old_status,
                old_price=old_price,
                occurred_at=parsed.modification_timestamp,
            )
        )
        if created:
            outcome: Outcome = "created"
        elif data_changed or media_changed or open_houses_changed:
            outcome = "updated"
        else:
            outcome = "unchanged"
    return UpsertResult(
        outcome=outcome, listing=listing, events=events, photos_pending=media.to_fetch
    )


# --- Batches ---------------------------------------------------------------------------------


def _dispatch_matching(after_event_id: int) -> None:
    try:
        # The saved-searches issue adds this task; until then there is nothing to match, and
        # the events wait in the table for the matcher's first run. Imported here, not at the
        # top, because searches sits above listings: listings must not need it to load.
        from searches.tasks import match_events  # type: ignore[import-not-found]
    except ImportError:
        return
    try:
        match_events.delay(after_event_id=after_event_id)
    except Exception:  # the broker being down must not fail an import that has committed
        logger.warning("could not dispatch match_events(after_event_id=%s)", after_event_id)


def _dispatch_photos(listing_ids: list[int]) -> None:
    from .tasks import import_photos

    for listing_id in listing_ids:
        try:
            import_photos.delay(listing_id)
        except Exception:  # photos are an extra; the listing data has committed
            logger.warning("could not dispatch import_photos(%s)", listing_id)


def _run_error(run: ListingImportRun, *, index: int | None, key: str, message: str) -> None:
    if len(run.errors) < MAX_STORED_ERRORS:
        run.errors.append({"index": index, "listing_key": key, "message": message})


def listings_import_records(
    records: Iterable[Any],
    *,
    source: str,
    feed: ListingFeed | None = None,
    run: ListingImportRun | None = None,
    first_index: int = 1,
    fetch_photos: bool = True,
) -> ListingImportRun:
    """Upserts each record in its own savepoint inside one transaction; a refused record is
    reported in the run (its 1-based position, ListingKey and why) and the batch goes on.

    Without ``run`` this is a whole import: the run is created and finished here. With ``run``
    (a feed page) the counts add to it and the caller finishes it; with ``feed`` the feed's
    high-water mark moves to the newest record of the batch in the same transaction, so it
    advances only when the batch commits.
    """
    finish = run is None
    with transaction.atomic():
        _lock_listings_writes()
        if run is None:
            run = ListingImportRun.objects.create(source=source[:500], feed=feed)
        first_event_id: int | None = None
        photo_listing_ids: list[int] = []
        newest: dt.datetime | None = None
        records = list(records)
        looked_up: dict[str, Listing] = {}
        chunk_end = 0
        used_keys: set[str] = set()
        for index, record in enumerate(records, start=first_index):
            position = index - first_index
            if position >= chunk_end:
                chunk_end = position + LOOKUP_CHUNK
                looked_up = _locked_listings(
                    {record_key(r) for r in records[position:chunk_end]} - {""}
                )
            timestamp = record_timestamp(record)
            if timestamp is not None and (newest is None or timestamp > newest):
                newest = timestamp
            key = record_key(record)
            # A key met again in the same batch: what we looked up is out of date.
            current = NOT_LOOKED_UP if key in used_keys else looked_up.get(key)
            used_keys.add(key)
            try:
                result = listing_upsert(record=record, current=current)
            except RecordError as exc:
                run.skipped += 1
                _run_error(run, index=index, key=record_key(record), message=str(exc))
                continue
            except DatabaseError as exc:
                # listing_upsert's savepoint has rolled back; the batch's transaction is usable.
                run.skipped += 1
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                _run_error(run, index=index, key=record_key(record), message=message)
                continue
            if result.outcome == "stale":
                run.unchanged += 1
            else:
                setattr(run, result.outcome, getattr(run, result.outcome) + 1)
            if result.events and first_event_id is None:
                first_event_id = result.events[0].pk
            if result.photos_pending and fetch_photos:
                photo_listing_ids.append(result.listing.pk)
        if finish:
            _run_finish(run)
        else:
            run.save(update_fields=["created", "updated", "unchanged", "skipped", "errors"])
        if feed is not None and newest is not None:
            # Never backwards (a page re-sent out of order, an old file for the same feed).
            ListingFeed.objects.filter(
                Q(high_water_mark__isnull=True) | Q(high_water_mark__lt=newest), pk=feed.pk
            ).update(high_water_mark=newest)
            feed.refresh_from_db(fields=["high_water_mark"])
        if first_event_id is not None:
            transaction.on_commit(lambda: _dispatch_matching(first_event_id - 1))
        if photo_listing_ids:
            transaction.on_commit(lambda: _dispatch_photos(photo_listing_ids))
    return run


def _run_finish(run: ListingImportRun, *, failed: bool = False) -> None:
    if failed:
        run.status = ListingImportRun.Status.FAILED
    elif run.skipped:
        run.status = ListingImportRun.Status.PARTIAL
    else:
        run.status = ListingImportRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()


def listings_import_file(*, path: str, fetch_photos: bool = True) -> ListingImportRun:
    """Imports a JSON or CSV export. An unreadable file is a failed run with the reason."""
    from .feeds.files import FileFormatError, read_records_file

    try:
        records = read_records_file(path)
    except FileFormatError as exc:
        run = ListingImportRun.objects.create(source=str(path)[:500])
        _run_error(run, index=None, key="", message=str(exc))
        _run_finish(run, failed=True)
        return run
    return listings_import_records(records, source=str(path), fetch_photos=fetch_photos)


# --- RESO Web API replication -----------------------------------------------------------------


class FeedBusyError(Exception):
    """Another run of the same feed is in progress."""


def listing_feed_ensure(*, name: str, base_url: str) -> ListingFeed:
    feed, created = ListingFeed.objects.get_or_create(name=name, defaults={"base_url": base_url})
    if not created and feed.base_url != base_url:
        # The same feed moved host (MLS vendors do); its high-water mark still holds.
        feed.base_url = base_url
        feed.save(update_fields=["base_url"])
    return feed


def _feed_claim(feed: ListingFeed) -> bool:
    now = timezone.now()
    claimed = (
        ListingFeed.objects.filter(pk=feed.pk)
        .exclude(last_status="running", last_run_at__gt=now - FEED_CLAIM_STALE_AFTER)
        .update(last_status="running", last_run_at=now)
    )
    return claimed == 1


def listings_feed_replicate(
    *,
    feed: ListingFeed,
    client: ResoClient,
    top: int = 200,
    fetch_photos: bool = True,
) -> ListingImportRun:
    """Fetches what changed since the feed's high-water mark, page by page. Each page is applied
    in its own transaction together with the new mark, so a failure after page k leaves pages
    1…k applied and the next run resumes after page k; the failing page writes nothing."""
    if not _feed_claim(feed):
        raise FeedBusyError(f"feed {feed.name} is already being imported")
    feed.refresh_from_db()
    run = ListingImportRun.objects.create(source=client.base_url[:500], feed=feed)
    error = ""
    position = 1
    try:
        for page in client.property_pages(since=feed.high_water_mark, top=top):
            listings_import_records(
                page.records,
                source=client.base_url,
                feed=feed,
                run=run,
                first_index=position,
                fetch_photos=fetch_photos,
            )
            position += len(page.records)
    except FeedError as exc:
        error = str(exc)
    except Exception as exc:  # a time limit or a bug: still report it and release the feed
        error = f"{exc.__class__.__name__}: {exc}"
        logger.exception("feed %s failed", feed.name)
        raise
    finally:
        run.refresh_from_db(fields=["created", "updated", "unchanged", "skipped", "errors"])
        if error:
            _run_error(run, index=None, key="", message=f"Feed failed: {error}")
        _run_finish(run, failed=bool(error))
        ListingFeed.objects.filter(pk=feed.pk).update(
            last_status=run.status, last_error=error, last_run_at=timezone.now()
        )
        feed.refresh_from_db()
    return run


# --- Photos ---------------------------------------------------------------------------------


def _storage_stem(listing: Listing, media: ListingMedia, data: bytes) -> str:
    key = re.sub(r"[^A-Za-z0-9_-]+", "-", listing.listing_key).strip("-")[:60] or "listing"
    # The content's hash in the name: a new picture gets a new URL, so media can be served with
    # a year-long immutable Cache-Control and browsers never show a stale photo.
    return f"{key}-{media.pk}-{hashlib.sha256(data).hexdigest()[:12]}"


def listing_photos_fetch(*, listing_id: int, policy: RetryPolicy | None = None) -> dict[str, Any]:
    """Downloads the listing's feed photos that we do not hold yet, checks them with Pillow and
    stores each with a thumbnail; makes thumbnails for held photos that lack one. Idempotent.

    The network and Pillow work happen outside any transaction; each photo is then saved under a
    row lock, and only if its URL is still the one we fetched (an import may have changed it).
    """
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        return {"stored": 0, "thumbnails": 0, "failed": []}
    max_bytes = settings.LISTING_PHOTO_MAX_BYTES
    stored = thumbnails = 0
    failed: list[dict[str, Any]] = []
    for media in listing.media.filter(thumbnail="").order_by("order", "id"):
        try:
            if media.image:
                # A photo we already hold (uploaded, or the demo's): only its thumbnail is missing.
                with media.image.open("rb") as handle:
                    data = handle.read(max_bytes + 1)
                photo_check(data, max_bytes=max_bytes)
                extension = ""
            elif media.url:
                data = photo_download(media.url, max_bytes=max_bytes, policy=policy)
                extension = photo_check(data, max_bytes=max_bytes)
            else:
                continue
            thumb = photo_thumbnail(data)
        except (PhotoError, OSError) as exc:
            logger.warning("photo %s of listing %s refused: %s", media.pk, listing_id, exc)
            failed.append({"media_id": media.pk, "url": media.url, "reason": str(exc)})
            continue
        stem = _storage_stem(listing, media, data)
        image_name = (
            default_storage.save(f"listings/{stem}.{extension}", ContentFile(data))
            if extension
            else ""
        )
        thumb_name = default_storage.save(f"listings/thumbs/{stem}.jpg", ContentFile(thumb))
        with transaction.atomic():
            _lock_listings_writes()
            current = ListingMedia.objects.select_for_update().filter(pk=media.pk).first()
            still_wanted = (
                current is not None
                and not current.thumbnail
                and current.url == media.url
                and (current.image.name or "") == (media.image.name or "")
            )
            if not still_wanted:
                _delete_files_after_commit([n for n in (image_name, thumb_name) if n])
                continue
            update = ["thumbnail"]
            current.thumbnail = thumb_name
            if image_name:
                current.image = image_name
                update.append("image")
            current.save(update_fields=update)
        stored += bool(image_name)
        thumbnails += 1
    return {"stored": stored, "thumbnails": thumbnails, "failed": failed}


def listings_pending_photos(*, listing_ids: Sequence[int] | None = None) -> list[int]:
    """Listings with a photo not yet held or not yet thumbnailed (for re-dispatching)."""
    media = ListingMedia.objects.filter(thumbnail="")
    if listing_ids is not None:
        media = media.filter(listing_id__in=listing_ids)
    return sorted(set(media.values_list("listing_id", flat=True)))
