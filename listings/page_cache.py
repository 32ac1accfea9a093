"""A client's busiest portal pages (the Dashboard, the Search Listings landing view, a listing
page), whole, in the cache, for as long as nothing they show has changed.

Building such a page costs ~5 ms of CPU (most of it templates); serving it from here costs one
statement (the session, its user and the state below, ``clients.sessions``) and a Redis GET,
or no GET when this process served it last (``LocalPages``).
The key is everything the page is made of:

- the view, the full path (filters, page number) and the htmx headers;
- which version of the client's user, their contact, their agent, the agent's user and
  preferences rows it shows (names, branding, the contact card): each row's ``xmin`` and
  ``ctid``, which every UPDATE moves (``clients.portal_version.PORTAL_STATE_COLUMNS``);
- the client's portal version (``clients.portal_version``: their feed, messages, reactions and
  comments) and the listings data version (prices, photos, statuses; it carries the database's
  random epoch, so two databases sharing a Redis never share keys), read in one statement
  with the session, before the view reads anything: a write committed in between can only put
  newer data under the older key, never older data under the newer one.

What moves with time and no write ("3 hours ago", the feed's period filter) is at most
``PAGE_TIMEOUT`` old; a view whose page changes at a known time (an open house ending) says
when with ``response.page_valid_until``, and the cached page is not served after it.

The CSRF token is written into the page at each serve (the cached copy holds a placeholder, put
there by ``clients.context_processors.branding``). Never cached: a request other than GET, a
page with flash messages waiting, an answer other than 200, one that sets a cookie or changes
the session. PostgreSQL only (the versions); ``PORTAL_PAGE_CACHE`` turns it off.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from functools import wraps
from time import time

from django.conf import settings
from django.contrib.messages.storage.session import SessionStorage
from django.db import DEFAULT_DB_ALIAS, connection, router
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clients.models import User
from clients.portal_version import PORTAL_STATE_STATEMENT
from clients.prepared import execute_prepared

from .models import Listing
from .selectors import listings_data_version
from .shared_cache import shared_get, shared_set

PAGE_TIMEOUT = 60
# Derived from SECRET_KEY: the same in every process that shares the cache, and no text a
# client could type into a comment or a name to have their token written there.
CSRF_PLACEHOLDER = "csrf-" + salted_hmac("listings.page_cache", "csrf placeholder").hexdigest()
_PLACEHOLDER = CSRF_PLACEHOLDER.encode()


def cached_portal_page(when=None, on_hit=None):
    """Decorate a portal view, outside ``client_required`` (a hit needs none of the objects it
    loads); ``when(request)`` may narrow which requests; ``on_hit(contact_id, *args, **kwargs)``
    does on a hit what the view does besides its page (counting a visit). Anything but a
    logged-in client with a portal goes straight to the view, which answers as it always does."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            portal = _portal_state(request) if _cacheable(request, when) else None
            if portal is None:
                return view(request, *args, **kwargs)
            state, contact_id = portal
            key = _page_key(request, view, state)
            token = get_token(request).encode()
            cached = _cached_page(key)
            if cached is not None and (cached[2] is None or timezone.now() <= cached[2]):
                if on_hit is not None:
                    on_hit(contact_id, *args, **kwargs)
                content, headers, _, _ = cached
                response = HttpResponse(content.replace(_PLACEHOLDER, token))
                for name, value in headers:
                    response[name] = value
                return response
            request.csrf_placeholder = CSRF_PLACEHOLDER
            try:
                response = view(request, *args, **kwargs)
            finally:
                del request.csrf_placeholder
            if response.streaming:
                return response
            if (
                response.status_code == 200
                and not response.cookies
                and not request.session.modified
            ):
                until = getattr(response, "page_valid_until", None)
                timeout = _timeout()
                page = (response.content, list(response.headers.items()), until, time() + timeout)
                shared_set(key, page, timeout)
                local_pages.put(key, page)
            response.content = response.content.replace(_PLACEHOLDER, token)
            return response

        # Read with the session (clients.middleware.AuthenticationMiddleware).
        wrapper.wants_portal_state = True
        return wrapper

    return decorate


class LocalPages:
    """The pages this process stored or fetched last, in front of Redis: a hit then costs no
    round trip (~0.3 ms of CPU for the app, Redis and the kernel together, a fifth of a cached
    Dashboard). The key holds the page's whole state, so a copy here is exactly as current as
    Redis's; each expires when Redis's does (the time is in the value). Bounded by bytes
    (``PORTAL_PAGE_CACHE_LOCAL_BYTES`` per process, 0: off), least recently used out first."""

    def __init__(self):
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str, now: float):
        with self.lock:
            page = self.entries.get(key)
            if page is None:
                return None
            if page[3] <= now:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return page

    def put(self, key: str, page: tuple) -> None:
        limit = settings.PORTAL_PAGE_CACHE_LOCAL_BYTES
        if _page_size(page) > limit:
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = page
            self.size += _page_size(page)
            while self.size > limit:
                self._drop(next(iter(self.entries)))

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0

    def _drop(self, key: str) -> None:
        self.size -= _page_size(self.entries.pop(key))


local_pages = LocalPages()


def _page_size(page: tuple) -> int:
    return len(page[0]) + 1024  # the headers and the entry itself, roughly


def _cached_page(key: str):
    now = time()
    page = local_pages.get(key, now)
    if page is None:
        page = shared_get(key)
        if page is None or len(page) != 4 or page[3] <= now:
            return None
        local_pages.put(key, page)
    return page


def _timeout() -> int:
    # Spread over the last quarter of PAGE_TIMEOUT: pages cached together (a burst of clients
    # after a deploy, a client opening many homes) do not all expire in the same second.
    return PAGE_TIMEOUT - random.randint(0, PAGE_TIMEOUT // 4)  # noqa: S311 — not a secret


def _cacheable(request, when) -> bool:
    user = request.user
    return (
        request.method == "GET"
        and settings.PORTAL_PAGE_CACHE
        and connection.vendor == "postgresql"
        and user.is_authenticated
        and user.role == User.Role.CLIENT
        and not user.must_change_password
        and not request.session.get(SessionStorage.session_key)  # flash messages waiting
        and (when is None or when(request))
    )


def _page_key(request, view, state: list) -> str:
    parts = [
        view.__module__,
        view.__qualname__,
        request.get_full_path(),
        request.headers.get("HX-Request"),
        request.headers.get("HX-Target"),
        state,
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()  # repr: str, int and None only
    return f"portal-page:{digest}"


def _portal_state(request) -> tuple[list, int] | None:
    """What the key needs — which version of the client's user, contact, agent, agent's user and
    agent's preferences rows the page shows (names, branding, the contact card), the client's
    portal version and the listings data version — and the contact's id; None when the user
    has no portal (the view says what then). Usually read with the session, in the request's
    first statement (``clients.sessions``); otherwise in one statement here. With a replica
    for listings, the data version is read there."""
    row = getattr(request, "portal_state", None)
    if row is None:
        with connection.cursor() as cursor:
            execute_prepared(
                cursor,
                connection,
                "clients_portal_state",
                PORTAL_STATE_STATEMENT,
                [request.user.pk],
            )
            row = cursor.fetchone()
    if row is None:
        return None
    row_versions, portal_version, data_version, contact_id = row
    if _listings_database() != DEFAULT_DB_ALIAS:
        data_version = listings_data_version()
    return [row_versions, portal_version, data_version], contact_id


def _listings_database() -> str:
    return router.db_for_read(Listing) or DEFAULT_DB_ALIAS
