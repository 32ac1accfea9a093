"""Feed photo URLs are data from the MLS: downloading them must never make our server reach its
own network (a cloud's metadata service at 169.254.169.254, an admin port on localhost, a
database on 10.x). The check is on the address actually connected to, so DNS names and
redirects are covered too."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from listings import services
from listings.feeds import http as feed_http
from listings.feeds.http import RetryPolicy, is_public_address
from listings.feeds.photos import PhotoError, photo_download
from listings.models import ListingMedia
from tests.listings.factories import ListingFactory

FAST = RetryPolicy(max_attempts=3, backoff=0.01, max_backoff=0.05, timeout=2.0)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


class PhotoHost:
    """A photo host on a loopback address; ``redirect_to`` makes every answer a redirect."""

    def __init__(self, address: str = "127.0.0.1", redirect_to: str | None = None):
        self.requests: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                host.requests.append(self.path)
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.end_headers()
                    return
                body = _jpeg()
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.url = f"http://{address}:{self.server.server_address[1]}/front.jpg"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def photo_host():
    host = PhotoHost()
    yield host
    host.close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.0.0.7",
        "172.16.5.4",
        "192.168.1.20",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "fc00::1",
        "fe80::1%eth0",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
    ],
)
def test_addresses_of_our_own_network_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_internet_addresses_are_public(address):
    assert is_public_address(address)


def test_a_photo_on_a_loopback_host_is_refused_before_any_request(photo_host):
    with pytest.raises(PhotoError, match="not a public address"):
        photo_download(photo_host.url, max_bytes=10**6, policy=FAST)
    assert photo_host.requests == []  # refused at connect: nothing was sent, and no retry


def test_a_name_that_resolves_to_loopback_is_refused(photo_host):
    url = photo_host.url.replace("127.0.0.1", "localhost")
    with pytest.raises(PhotoError, match="not a public address"):
        photo_download(url, max_bytes=10**6, policy=FAST)
    assert photo_host.requests == []


def test_a_redirect_from_a_public_host_to_a_private_one_is_refused(photo_host, monkeypatch):
    # 127.0.0.2 plays the public photo host that redirects to our own network (127.0.0.1).
    real = feed_http.is_public_address
    monkeypatch.setattr(
        feed_http, "is_public_address", lambda address: address == "127.0.0.2" or real(address)
    )
    public = PhotoHost("127.0.0.2", redirect_to=photo_host.url)
    try:
        with pytest.raises(PhotoError, match="not a public address"):
            photo_download(public.url, max_bytes=10**6, policy=FAST)
    finally:
        public.close()
    assert public.requests == ["/front.jpg"]
    assert photo_host.requests == []


def test_the_setting_lets_a_local_mls_through(photo_host, settings):
    settings.LISTING_PHOTO_ALLOW_PRIVATE_HOSTS = True
    assert photo_download(photo_host.url, max_bytes=10**6, policy=FAST) == _jpeg()


@pytest.mark.django_db
def test_a_refused_photo_keeps_its_feed_url_and_the_listing_its_other_photos(photo_host):
    listing = ListingFactory()
    ListingMedia.objects.create(listing=listing, order=0, url=photo_host.url)
    result = services.listing_photos_fetch(listing_id=listing.pk, policy=FAST)
    assert result["stored"] == 0
    assert "not a public address" in result["failed"][0]["reason"]
    media = ListingMedia.objects.get(listing=listing)
    assert not media.image and media.url == photo_host.url
