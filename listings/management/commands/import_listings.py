"""import_listings PATH | --url BASE (--token T | --client-id ID --client-secret S --token-url U)"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from listings import services
from listings.feeds.reso_api import BearerToken, ClientCredentials, FeedError, ResoClient
from listings.models import ListingImportRun

ERRORS_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Import listings from a RESO Web API JSON payload or a CSV with RESO column names, or "
        "replicate a RESO Web API (OData) feed from its high-water mark."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help='a .json ({"value": [...]}) or .csv file')
        parser.add_argument("--url", help="RESO Web API base URL (…/odata); Property is added")
        parser.add_argument("--token", help="bearer token for --url")
        parser.add_argument("--client-id", help="OAuth2 client credentials for --url")
        parser.add_argument("--client-secret")
        parser.add_argument("--token-url", help="OAuth2 token endpoint")
        parser.add_argument("--scope", default="", help="OAuth2 scope, if the MLS wants one")
        parser.add_argument("--top", type=int, default=200, help="records per page (default 200)")
        parser.add_argument(
            "--feed", help="name under which the feed's high-water mark is kept (default: host)"
        )
        parser.add_argument(
            "--no-photos", action="store_true", help="import data only; fetch no photos"
        )

    def handle(self, *args, **options):
        fetch_photos = not options["no_photos"]
        if options["path"] and options["url"]:
            raise CommandError("Give either a file PATH or --url, not both.")
        if options["path"]:
            run = services.listings_import_file(path=options["path"], fetch_photos=fetch_photos)
        elif options["url"]:
            run = self._replicate(options, fetch_photos=fetch_photos)
        else:
            raise CommandError("Give a file PATH, or --url with --token or OAuth2 credentials.")
        self._summary(run)
        if run.status == ListingImportRun.Status.FAILED:
            raise CommandError(f"Import failed: {self._failure(run)}")

    def _replicate(self, options, *, fetch_photos: bool) -> ListingImportRun:
        url = options["url"]
        if options["top"] < 1:
            raise CommandError("--top must be at least 1.")
        oauth = [options["client_id"], options["client_secret"], options["token_url"]]
        if any(oauth):
            if not all(oauth):
                raise CommandError("OAuth2 needs --client-id, --client-secret and --token-url.")
            auth = ClientCredentials(
                token_url=options["token_url"],
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                scope=options["scope"],
            )
        elif options["token"]:
            auth = BearerToken(options["token"])
        else:
            raise CommandError("--url needs --token, or --client-id/--client-secret/--token-url.")
        try:
            client = ResoClient(url, auth=auth)
        except FeedError as exc:
            raise CommandError(str(exc)) from None
        name = options["feed"] or urlsplit(url).netloc
        feed = services.listing_feed_ensure(name=name, base_url=client.base_url)
        since = feed.high_water_mark
        self.stdout.write(
            f"Feed {feed.name}: changes since {since.isoformat() if since else 'the beginning'}"
        )
        try:
            run = services.listings_feed_replicate(
                feed=feed, client=client, top=options["top"], fetch_photos=fetch_photos
            )
        except services.FeedBusyError as exc:
            raise CommandError(str(exc)) from None
        feed.refresh_from_db()
        mark = feed.high_water_mark.isoformat() if feed.high_water_mark else "none"
        self.stdout.write(f"High-water mark now {mark}")
        return run

    @staticmethod
    def _failure(run: ListingImportRun) -> str:
        for error in reversed(run.errors):
            if error.get("index") is None:
                return error["message"]
        return "see the run's errors"

    def _summary(self, run: ListingImportRun) -> None:
        self.stdout.write(
            f"{run.source}: {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.skipped} skipped ({run.get_status_display()})"
        )
        record_errors = [e for e in run.errors if e.get("index") is not None]
        for error in record_errors[:ERRORS_SHOWN]:
            key = f" ({error['listing_key']})" if error["listing_key"] else ""
            self.stdout.write(f"  record {error['index']}{key}: {error['message']}")
        if run.skipped > ERRORS_SHOWN:
            self.stdout.write(
                f"  … and {run.skipped - ERRORS_SHOWN} more; see import run {run.pk} in the admin"
            )
