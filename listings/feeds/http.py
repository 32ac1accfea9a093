"""HTTP GET/POST with bounded retries, on the standard library (urllib.request).

Retried: 429, 5xx, timeouts and refused or reset connections — what a busy MLS API does now and
then. Not retried: other 4xx (a bad token or a bad URL will not get better by asking again).
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

USER_AGENT = "HomePortal-listings-import/1.0"
RETRY_STATUSES = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A request that failed for good (after retries, or at once for a permanent error)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class TooLargeError(FetchError):
    pass


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects, but never carries the Authorization header to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urlsplit(newurl).netloc != urlsplit(req.full_url).netloc:
            new.remove_header("Authorization")
        return new


_opener = urllib.request.build_opener(_SameHostRedirects())


class NonPublicAddressError(OSError):
    """The host resolved to an address that is not on the public internet (loopback, private,
    link-local such as a cloud's metadata service, reserved). An OSError, so urllib reports it
    as a URLError; not a ConnectionError, so it is not retried."""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _public_only_connection(address, *args, **kwargs):
    """socket.create_connection, refusing a peer that is not public. The check is on the
    address actually connected to, before any byte is sent (no TLS handshake, no request), so
    a redirect or a DNS answer that changes between a check and the connection cannot get
    past it."""
    sock = socket.create_connection(address, *args, **kwargs)
    peer = sock.getpeername()[0]
    if not is_public_address(peer):
        sock.close()
        raise NonPublicAddressError(f"{address[0]} is at {peer}, which is not a public address")
    return sock


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_only_connection  # __init__ sets the plain one


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_only_connection


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


# For URLs that come from data (a feed's photo links), not from our own settings.
_public_opener = urllib.request.build_opener(
    _SameHostRedirects(), _PublicHTTPHandler(), _PublicHTTPSHandler()
)


@dataclass
class RetryPolicy:
    max_attempts: int = 4
    # Waits base, 2×base, 4×base… capped; a server's Retry-After wins when it is within the cap.
    backoff: float = 1.0
    max_backoff: float = 30.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: str | None) -> float:
        wait = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        if retry_after:
            seconds = _retry_after_seconds(retry_after)
            if seconds is not None:
                wait = min(self.max_backoff, max(wait, seconds))
        return wait


def _retry_after_seconds(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _read_limited(stream, max_bytes: int | None, url: str) -> bytes:
    if max_bytes is None:
        return stream.read()
    body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise TooLargeError(f"{url} is larger than {max_bytes} bytes")
    return body


def fetch(
    url: str,
    *,
    policy: RetryPolicy,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    max_bytes: int | None = None,
    public_only: bool = False,
) -> Response:
    """One request, retried on transient failures; raises FetchError when it gives up.
    ``public_only``: refuse hosts (redirects included) that are not on the public internet."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{url!r} is not an http(s) URL")
    last_problem = ""
    for attempt in range(1, policy.max_attempts + 1):
        request = urllib.request.Request(
            url,
            data=data,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            method="POST" if data is not None else "GET",
        )
        retry_after = None
        try:
            opener = _public_opener if public_only else _opener
            with opener.open(request, timeout=policy.timeout) as response:
                length = response.headers.get("Content-Length")
                if (
                    max_bytes is not None
                    and length
                    and length.isdigit()
                    and int(length) > max_bytes
                ):
                    raise TooLargeError(f"{url} is {length} bytes; the limit is {max_bytes}")
                body = _read_limited(response, max_bytes, url)
                return Response(
                    url=response.geturl(),
                    status=response.status,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    body=body,
                )
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace").strip()
            exc.close()
            last_problem = f"HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
            if exc.code not in RETRY_STATUSES:
                raise FetchError(f"{url}: {last_problem}", status=exc.code) from None
            retry_after = exc.headers.get("Retry-After")
        except TimeoutError:
            last_problem = f"timed out after {policy.timeout:g} s"
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                last_problem = f"timed out after {policy.timeout:g} s"
            elif isinstance(exc.reason, ConnectionError):
                last_problem = f"connection failed ({exc.reason})"
            else:
                # DNS failures, bad certificates: asking again will not help.
                raise FetchError(f"{url}: {exc.reason}") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            # Reset connections and truncated bodies (IncompleteRead) are worth another try.
            last_problem = f"connection failed ({exc.__class__.__name__}: {exc})"
        if attempt < policy.max_attempts:
            wait = policy.delay(attempt, retry_after)
            logger.warning(
                "%s: %s; retry %d/%d in %.1f s",
                url,
                last_problem,
                attempt,
                policy.max_attempts - 1,
                wait,
            )
            policy.sleep(wait)
    raise FetchError(f"{url}: {last_problem} (gave up after {policy.max_attempts} attempts)")
