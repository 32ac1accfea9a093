"""The cache of what every client shares (Search Listings' results, the listing page and its
fragments), keyed by the listings data version (migration 0009), and of each client's own busiest
pages (``page_cache``). A key is dead once the data moves, so the timeout only frees Redis; a
cache outage costs the cache, never the page."""

from __future__ import annotations

import contextlib

from django.core.cache import cache

SHARED_TIMEOUT = 60 * 60


def shared_get(key: str):
    """The cached value, or None when it is missing or the cache is down."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 — a cache outage costs the cache, never the page
        return None


def shared_set(key: str, value, timeout: int = SHARED_TIMEOUT) -> None:
    with contextlib.suppress(Exception):  # as above
        cache.set(key, value, timeout)
