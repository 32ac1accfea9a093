"""Celery interfaces over the import services: primitives in, idempotent, time-limited.

All are named ``listings.import_*`` so the settings route them to the ``imports`` queue.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from . import services
from .feeds.reso_api import BearerToken, ClientCredentials, ResoClient

logger = logging.getLogger(__name__)

# The beat runs every 5 minutes; a run that overlaps is refused by the feed claim, so a long
# first replication simply continues on the next tick from its last committed page.
FEED_TIME_LIMIT = 30 * 60
FILE_TIME_LIMIT = 30 * 60
PHOTOS_TIME_LIMIT = 5 * 60
CONFIGURED_FEED_NAME = "default"


def configured_feed_client() -> ResoClient | None:
    """The RESO_FEED_* / RESO_OAUTH_* settings as a client; None when no feed is configured."""
    url = settings.RESO_FEED_URL
    if not url:
        return None
    if settings.RESO_OAUTH_TOKEN_URL:
        auth = ClientCredentials(
            token_url=settings.RESO_OAUTH_TOKEN_URL,
            client_id=settings.RESO_OAUTH_CLIENT_ID,
            client_secret=settings.RESO_OAUTH_CLIENT_SECRET,
        )
    elif settings.RESO_FEED_TOKEN:
        auth = BearerToken(settings.RESO_FEED_TOKEN)
    else:
        logger.error("RESO_FEED_URL is set but neither RESO_FEED_TOKEN nor RESO_OAUTH_* are")
        return None
    return ResoClient(url, auth=auth)


@shared_task(
    name="listings.import_feeds",
    time_limit=FEED_TIME_LIMIT,
    soft_time_limit=FEED_TIME_LIMIT - 60,
    ignore_result=True,
)
def import_feeds() -> int | None:
    """One replication run of the configured feed; returns the run id (None: nothing to do)."""
    client = configured_feed_client()
    if client is None:
        return None
    feed = services.listing_feed_ensure(name=CONFIGURED_FEED_NAME, base_url=client.base_url)
    try:
        run = services.listings_feed_replicate(feed=feed, client=client)
    except services.FeedBusyError:
        logger.info("feed %s is still being imported by an earlier run", feed.name)
        return None
    return run.pk


@shared_task(
    name="listings.import_file",
    time_limit=FILE_TIME_LIMIT,
    soft_time_limit=FILE_TIME_LIMIT - 60,
)
def import_file(path: str, fetch_photos: bool = True) -> int:
    """Imports a JSON or CSV export the worker can read; returns the run id. Importing the same
    file again changes nothing."""
    return services.listings_import_file(path=path, fetch_photos=fetch_photos).pk


@shared_task(
    name="listings.import_photos",
    time_limit=PHOTOS_TIME_LIMIT,
    soft_time_limit=PHOTOS_TIME_LIMIT - 30,
    ignore_result=True,
)
def import_photos(listing_id: int) -> dict:
    """Fetches, checks and thumbnails one listing's photos (only those not done yet)."""
    return services.listing_photos_fetch(listing_id=listing_id)


@shared_task(
    name="listings.reports_monthly_update",
    time_limit=15 * 60,
    soft_time_limit=14 * 60,
    ignore_result=True,
)
def reports_monthly_update(report_ids: list[int] | None = None) -> int:
    """The monthly market update of saved reports (the beat passes none: every report due).
    Each report's month is claimed before sending, so a rerun or an overlapping run sends once."""
    from .market import report_monthly_update, reports_due_for_update

    sent = 0
    for report_id in report_ids if report_ids is not None else reports_due_for_update():
        try:
            sent += bool(report_monthly_update(report_id=int(report_id)))
        except Exception:  # one broken report must not stop the others' updates
            logger.exception("market update of report %s failed", report_id)
    return sent
