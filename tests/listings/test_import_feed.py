"""The RESO Web API client and photos, against a small MLS served by the test on 127.0.0.1."""

import datetime as dt
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from listings import services
from listings.feeds.http import RetryPolicy
from listings.feeds.reso_api import BearerToken, ClientCredentials, ResoClient
from listings.models import Listing, ListingEvent, ListingFeed, ListingMedia
from listings.tasks import import_feeds, import_photos

pytestmark = pytest.mark.django_db

TOKEN = "good-token"
FAST = {"max_attempts": 3, "backoff": 0.01, "max_backoff": 0.05, "timeout": 0.5}


def reso_record(number: int, *, minute: int | None = None, price: int = 400000, **extra) -> dict:
    return {
        "ListingKey": f"FEED-{number:03d}",
        "ListingId": f"CT{number:05d}",
        "StandardStatus": "Active",
        "ListPrice": price,
        "City": "Hartford",
        "StateOrProvince": "CT",
        "PostalCode": "06105",
        "ModificationTimestamp": f"2026-03-10T12:{minute if minute is not None else number:02d}:00Z",
        **extra,
    }


def jpeg(width: int = 1200, height: int = 800) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="JPEG")
    return out.getvalue()


class FakeMLS:
    """An OData Property endpoint, an OAuth2 token endpoint and a photo host, with faults."""

    def __init__(self):
        self.records: list[dict] = []
        self.requests: list[dict] = []
        self.tokens = {TOKEN}
        self.client_secret = "s3cret"
        self.token_requests = 0
        self.faults: list[tuple[str, object]] = []  # (path prefix or "page:N", action), once each
        self.always: dict[str, object] = {}  # "page:N" -> action, every time
        self.photos: dict[str, bytes] = {}
        self.next_link_base = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/odata"

    def property_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/odata/Property"]

    def _handler(self):
        mls = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                mls.handle(self, "GET")

            def do_POST(self):
                mls.handle(self, "POST")

        return Handler

    def _send(self, h, status: int, body: bytes, content_type="application/json", headers=None):
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _fault(self, h, action) -> bool:
        if action is None:
            return False
        if action == "timeout":
            time.sleep(FAST["timeout"] * 2)
            return True
        if action == "garbage":
            self._send(h, 200, b"<html>maintenance</html>", "text/html")
            return True
        self._send(h, int(action), json.dumps({"error": f"fault {action}"}).encode())
        return True

    def handle(self, h, method: str):
        url = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(h.rfile.read(length).decode()).items()}
        self.requests.append(
            {"path": url.path, "raw_query": url.query, "query": query, "headers": dict(h.headers)}
        )
        if url.path.startswith("/photos/"):
            name = url.path.removeprefix("/photos/")
            if name in self.photos:
                return self._send(h, 200, self.photos[name], "image/jpeg")
            return self._send(h, 404, b"no such photo", "text/plain")
        if url.path == "/token" and method == "POST":
            self.token_requests += 1
            if form.get("client_secret") != self.client_secret:
                return self._send(h, 401, b'{"error": "invalid_client"}')
            token = f"oauth-{self.token_requests}"
            self.tokens.add(token)
            return self._send(
                h, 200, json.dumps({"access_token": token, "expires_in": 3600}).encode()
            )
        if url.path != "/odata/Property":
            return self._send(h, 404, b"{}")
        skip = int(query.get("$skip", 0))
        page = skip // int(query["$top"]) + 1
        for index, (key, action) in enumerate(self.faults):
            if key == f"page:{page}":
                del self.faults[index]
                if self._fault(h, action):
                    return
                break
        if self._fault(h, self.always.get(f"page:{page}")):
            return
        if h.headers.get("Authorization") not in {f"Bearer {t}" for t in self.tokens}:
            return self._send(h, 401, b'{"error": "invalid token"}')
        rows = sorted(self.records, key=lambda r: (r["ModificationTimestamp"], r["ListingKey"]))
        if "$filter" in query:
            field, op, since = query["$filter"].split(" ")
            assert (field, op) == ("ModificationTimestamp", "gt")
            rows = [
                r
                for r in rows
                if dt.datetime.fromisoformat(r["ModificationTimestamp"])
                > dt.datetime.fromisoformat(since)
            ]
        top = int(query["$top"])
        body = {"@odata.context": "$metadata#Property", "value": rows[skip : skip + top]}
        if skip + top < len(rows):
            next_query = dict(query, **{"$skip": str(skip + top)})
            body["@odata.nextLink"] = f"{self.next_link_base or self.base}/Property?" + "&".join(
                f"{k}={quote(v)}" for k, v in next_query.items()
            )
        self._send(h, 200, json.dumps(body).encode())


@pytest.fixture
def mls(settings):
    # This MLS and its photo host are on 127.0.0.1, which feed photo downloads refuse unless
    # told otherwise (tests/listings/test_photo_hosts.py).
    settings.LISTING_PHOTO_ALLOW_PRIVATE_HOSTS = True
    server = FakeMLS()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def client_for(mls, *, token=TOKEN, auth=None) -> ResoClient:
    return ResoClient(
        mls.base, auth=auth or BearerToken(token), policy=RetryPolicy(**FAST, sleep=time.sleep)
    )


def feed_for(mls) -> ListingFeed:
    return services.listing_feed_ensure(name="test-mls", base_url=mls.base)


def replicate(mls, **kwargs) -> tuple:
    feed = feed_for(mls)
    run = services.listings_feed_replicate(
        feed=feed,
        client=kwargs.pop("client", None) or client_for(mls),
        top=kwargs.pop("top", 2),
        fetch_photos=kwargs.pop("fetch_photos", False),
    )
    feed.refresh_from_db()
    return run, feed


# --- Paging and the high-water mark ----------------------------------------------------------


def test_pages_are_followed_and_the_high_water_mark_is_kept(mls):
    mls.records = [reso_record(n) for n in range(1, 6)]

    run, feed = replicate(mls)

    assert (run.status, run.created, run.skipped) == ("succeeded", 5, 0)
    assert Listing.objects.count() == 5
    assert len(mls.property_requests()) == 3  # 2 + 2 + 1, following @odata.nextLink
    first = mls.property_requests()[0]
    assert "$filter" not in first["query"]  # nothing stored yet: the whole feed
    assert first["query"]["$orderby"] == "ModificationTimestamp,ListingKey"
    assert first["query"]["$top"] == "2"
    assert first["query"]["$expand"] == "Media,OpenHouse"
    assert first["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert feed.high_water_mark == dt.datetime(2026, 3, 10, 12, 5, tzinfo=dt.UTC)
    assert feed.last_status == "succeeded"


def test_the_second_run_asks_only_for_what_changed_since_the_mark(mls):
    mls.records = [reso_record(n) for n in range(1, 4)]
    replicate(mls)
    mls.requests.clear()
    mls.records[0] = reso_record(1, minute=30, price=375000)
    mls.records.append(reso_record(4, minute=31))

    run, feed = replicate(mls)

    request = mls.property_requests()[0]
    assert request["query"]["$filter"] == "ModificationTimestamp gt 2026-03-10T12:03:00Z"
    # Encoded with %20, never "+", for the spaces of the filter.
    assert "$filter=ModificationTimestamp%20gt%202026-03-10T12:03:00Z" in request["raw_query"]
    assert (run.created, run.updated, run.unchanged) == (1, 1, 0)
    assert feed.high_water_mark == dt.datetime(2026, 3, 10, 12, 31, tzinfo=dt.UTC)
    assert ListingEvent.objects.filter(kind="price_decrease").count() == 1


@pytest.mark.parametrize("status", [503, 429, 502])
def test_a_503_is_retried_and_the_run_succeeds(mls, status):
    mls.records = [reso_record(1)]
    mls.faults = [("page:1", status)]

    run, _ = replicate(mls)

    assert run.status == "succeeded" and run.created == 1
    assert len(mls.property_requests()) == 2


def test_a_bad_token_fails_the_run_without_writing(mls):
    mls.records = [reso_record(1)]

    run, feed = replicate(mls, client=client_for(mls, token="wrong"))

    assert run.status == "failed"
    assert "401" in run.errors[-1]["message"]
    assert Listing.objects.count() == 0
    assert feed.high_water_mark is None
    assert feed.last_status == "failed" and "401" in feed.last_error
    assert len(mls.property_requests()) == 1  # a refused token is not retried


def test_a_timeout_is_retried_and_reported_when_it_persists(mls):
    mls.records = [reso_record(1)]
    mls.faults = [("page:1", "timeout")]
    run, _ = replicate(mls)
    assert run.status == "succeeded" and run.created == 1

    mls.always = {"page:1": "timeout"}
    mls.records[0] = reso_record(1, minute=40)
    run, feed = replicate(mls)
    assert run.status == "failed"
    assert "timed out" in run.errors[-1]["message"]
    assert "gave up after 3 attempts" in run.errors[-1]["message"]
    assert feed.high_water_mark == dt.datetime(2026, 3, 10, 12, 1, tzinfo=dt.UTC)


def test_a_failure_on_page_two_keeps_page_one_and_the_next_run_resumes(mls):
    mls.records = [reso_record(n) for n in range(1, 6)]
    mls.always = {"page:2": 500}

    run, feed = replicate(mls)

    assert run.status == "failed" and run.created == 2
    assert "HTTP 500" in run.errors[-1]["message"]
    assert sorted(Listing.objects.values_list("listing_key", flat=True)) == ["FEED-001", "FEED-002"]
    assert feed.high_water_mark == dt.datetime(2026, 3, 10, 12, 2, tzinfo=dt.UTC)

    mls.always = {}
    mls.requests.clear()
    run, feed = replicate(mls)
    assert mls.property_requests()[0]["query"]["$filter"] == (
        "ModificationTimestamp gt 2026-03-10T12:02:00Z"
    )
    assert (run.status, run.created) == ("succeeded", 3)
    assert Listing.objects.count() == 5


def test_a_page_that_is_not_json_fails_and_applies_nothing_of_it(mls):
    mls.records = [reso_record(n) for n in range(1, 4)]
    mls.always = {"page:2": "garbage"}
    run, feed = replicate(mls)
    assert run.status == "failed" and "not JSON" in run.errors[-1]["message"]
    assert Listing.objects.count() == 2


def test_bad_records_in_a_page_are_skipped_and_the_mark_still_moves(mls):
    mls.records = [reso_record(1), reso_record(2, ListPrice="abc"), reso_record(3)]
    run, feed = replicate(mls)
    assert (run.status, run.created, run.skipped) == ("partial", 2, 1)
    assert run.errors == [
        {"index": 2, "listing_key": "FEED-002", "message": "ListPrice 'abc' is not a number"}
    ]
    assert feed.high_water_mark == dt.datetime(2026, 3, 10, 12, 3, tzinfo=dt.UTC)


def test_a_next_link_to_another_host_is_refused(mls):
    # Our bearer token must only ever go to the host we were given.
    mls.records = [reso_record(n) for n in range(1, 4)]
    mls.next_link_base = "http://evil.example/odata"
    run, _ = replicate(mls)
    assert run.status == "failed" and "another host" in run.errors[-1]["message"]
    assert Listing.objects.count() == 2


def test_a_second_run_of_a_busy_feed_is_refused(mls):
    feed = feed_for(mls)
    ListingFeed.objects.filter(pk=feed.pk).update(
        last_status="running", last_run_at=dt.datetime.now(dt.UTC)
    )
    with pytest.raises(services.FeedBusyError):
        services.listings_feed_replicate(feed=feed, client=client_for(mls))


# --- OAuth2 client credentials ----------------------------------------------------------------


def oauth(mls, secret="s3cret"):
    return ClientCredentials(
        token_url=mls.base.replace("/odata", "/token"), client_id="portal", client_secret=secret
    )


def test_oauth2_client_credentials_token_is_fetched_once_and_reused(mls):
    mls.records = [reso_record(n) for n in range(1, 4)]
    mls.tokens = set()  # only tokens the token endpoint issues are accepted

    run, _ = replicate(mls, client=client_for(mls, auth=oauth(mls)))
    assert run.status == "succeeded" and run.created == 3
    # A second run (a new client, as in the next beat tick) uses the cached token.
    mls.records.append(reso_record(9))
    run, _ = replicate(mls, client=client_for(mls, auth=oauth(mls)))
    assert run.created == 1

    assert mls.token_requests == 1
    token_request = next(r for r in mls.requests if r["path"] == "/token")
    assert token_request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert {r["headers"]["Authorization"] for r in mls.property_requests()} == {"Bearer oauth-1"}


def test_oauth2_token_is_renewed_once_when_the_feed_refuses_it(mls):
    mls.records = [reso_record(1)]
    mls.tokens = set()
    auth = oauth(mls)
    replicate(mls, client=client_for(mls, auth=auth))
    mls.tokens = set()  # revoked early by the MLS
    mls.records.append(reso_record(2))

    run, _ = replicate(mls, client=client_for(mls, auth=auth))

    assert run.status == "succeeded" and run.created == 1
    assert mls.token_requests == 2


def test_oauth2_with_a_wrong_secret_fails_the_run(mls):
    mls.records = [reso_record(1)]
    run, _ = replicate(mls, client=client_for(mls, auth=oauth(mls, secret="nope")))
    assert run.status == "failed"
    assert "OAuth2 token request refused" in run.errors[-1]["message"]
    assert Listing.objects.count() == 0


# --- Command and beat task ---------------------------------------------------------------------


def test_command_replicates_a_feed_and_prints_a_summary(mls, capsys):
    mls.records = [reso_record(n) for n in range(1, 4)]
    call_command(
        "import_listings", "--url", mls.base, "--token", TOKEN, "--top", "2", "--no-photos"
    )
    out = capsys.readouterr().out
    assert "3 created, 0 updated, 0 unchanged, 0 skipped" in out
    assert "High-water mark now 2026-03-10T12:03:00+00:00" in out
    assert ListingFeed.objects.get().name == urlsplit(mls.base).netloc


def test_command_with_oauth_and_a_bad_token_exit_with_an_error(mls):
    with pytest.raises(CommandError, match="401"):
        call_command("import_listings", "--url", mls.base, "--token", "bad", "--feed", "x")
    with pytest.raises(CommandError, match="--client-id, --client-secret and --token-url"):
        call_command("import_listings", "--url", mls.base, "--client-id", "portal")


def test_import_feeds_task_does_nothing_without_a_configured_feed(settings):
    settings.RESO_FEED_URL = ""
    assert import_feeds.delay().get() is None
    assert ListingFeed.objects.count() == 0


def test_import_feeds_task_reads_the_feed_settings(mls, settings):
    mls.records = [reso_record(n) for n in range(1, 3)]
    settings.RESO_FEED_URL = mls.base
    settings.RESO_FEED_TOKEN = TOKEN
    settings.RESO_OAUTH_TOKEN_URL = ""

    run_id = import_feeds.delay().get()

    assert run_id is not None and Listing.objects.count() == 2
    assert ListingFeed.objects.get().name == "default"
    assert import_feeds.delay().get() is not None  # the next tick: nothing new, no harm
    assert Listing.objects.count() == 2


# --- Photos ----------------------------------------------------------------------------------


def photo_record(mls, *names, minute=1):
    return reso_record(
        1,
        minute=minute,
        Media=[
            {
                "MediaKey": f"M-{name}",
                "MediaURL": f"{mls.base.removesuffix('/odata')}/photos/{name}",
                "Order": n,
            }
            for n, name in enumerate(names)
        ],
    )


def test_photos_are_downloaded_checked_and_thumbnailed_after_commit(
    mls, django_capture_on_commit_callbacks
):
    mls.photos = {"front.jpg": jpeg(1200, 800), "kitchen.png": b""}
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(out, format="PNG")
    mls.photos["kitchen.png"] = out.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        run = services.listings_import_records(
            [photo_record(mls, "front.jpg", "kitchen.png")], source="test"
        )
        assert not any(r["path"].startswith("/photos/") for r in mls.requests)  # not before commit

    assert run.created == 1
    front, kitchen = ListingMedia.objects.order_by("order")
    assert front.image.name.endswith(".jpg") and kitchen.image.name.endswith(".png")
    with default_storage.open(front.thumbnail.name) as handle, Image.open(handle) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (480, 320))
    with default_storage.open(kitchen.thumbnail.name) as handle, Image.open(handle) as thumb:
        assert thumb.size == (300, 200)  # small photos are not enlarged
    assert front.thumb_src.startswith("/media/listings/thumbs/")

    # Importing the same record again fetches nothing.
    mls.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.listings_import_records(
            [photo_record(mls, "front.jpg", "kitchen.png")], source="t"
        )
    assert mls.requests == []


@pytest.mark.parametrize(
    ("content", "setup", "reason"),
    [
        (b"<html>not a photo</html>", None, "not an image"),
        (jpeg(400, 300), ("LISTING_PHOTO_MAX_BYTES", 500), "the limit is 500"),
        (jpeg(400, 300), ("MAX_IMAGE_PIXELS", 100_000), "decompression bomb"),
    ],
    ids=["non-image", "oversized", "decompression-bomb"],
)
def test_refused_photos_keep_the_feed_url_and_no_file(
    mls, settings, monkeypatch, content, setup, reason
):
    if setup and setup[0] == "LISTING_PHOTO_MAX_BYTES":
        settings.LISTING_PHOTO_MAX_BYTES = setup[1]
    elif setup:
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", setup[1])
    mls.photos = {"bad.jpg": content}
    services.listings_import_records([photo_record(mls, "bad.jpg")], source="t", fetch_photos=False)
    listing = Listing.objects.get()

    result = services.listing_photos_fetch(listing_id=listing.pk, policy=RetryPolicy(**FAST))

    assert result["stored"] == 0
    assert reason in result["failed"][0]["reason"]
    media = ListingMedia.objects.get()
    assert (media.image.name, media.thumbnail.name) == ("", "")
    assert media.src.endswith("/photos/bad.jpg")
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []


def test_no_photos_means_no_download(mls, django_capture_on_commit_callbacks):
    mls.photos = {"front.jpg": jpeg()}
    with django_capture_on_commit_callbacks(execute=True):
        services.listings_import_records(
            [photo_record(mls, "front.jpg")], source="t", fetch_photos=False
        )
    assert mls.requests == []
    assert ListingMedia.objects.get().thumbnail.name == ""


def test_a_changed_photo_url_is_downloaded_again(mls, settings, django_capture_on_commit_callbacks):
    mls.photos = {"a.jpg": jpeg(800, 600), "b.jpg": jpeg(600, 600)}
    with django_capture_on_commit_callbacks(execute=True):
        services.listings_import_records([photo_record(mls, "a.jpg")], source="t")
    old = ListingMedia.objects.get()
    old_names = (old.image.name, old.thumbnail.name)
    changed = photo_record(mls, "b.jpg", minute=20)
    changed["Media"][0]["MediaKey"] = "M-a.jpg"  # same key, new picture

    with django_capture_on_commit_callbacks(execute=True):
        services.listings_import_records([changed], source="t")

    media = ListingMedia.objects.get()
    assert media.pk == old.pk and media.url.endswith("/photos/b.jpg")
    with default_storage.open(media.thumbnail.name) as handle, Image.open(handle) as thumb:
        assert thumb.size == (480, 480)
    # The old picture's files are gone; only the new photo and its thumbnail are stored.
    stored = {
        str(p.relative_to(settings.MEDIA_ROOT))
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }
    assert stored == {media.image.name, media.thumbnail.name}
    # A new picture has a new name, so a long browser cache never shows the old one.
    assert set(old_names).isdisjoint(stored)


def test_import_photos_task_thumbnails_a_photo_we_already_hold():
    listing = services.listing_upsert(record=reso_record(1)).listing
    name = default_storage.save("listings/demo/house.jpg", ContentFile(jpeg(800, 533)))
    media = ListingMedia.objects.create(listing=listing, image=name)

    import_photos.delay(listing.pk)

    media.refresh_from_db()
    assert media.image.name == name
    with default_storage.open(media.thumbnail.name) as handle, Image.open(handle) as thumb:
        assert thumb.size == (480, 320)
