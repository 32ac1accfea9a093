"""A client's busiest portal pages (the Dashboard, the Search Listings landing view), whole, in
the cache, for as long as nothing they show has changed.

Building such a page costs ~5 ms of CPU (most of it templates); serving it from here costs the
session, user and contact reads every portal page makes, one more statement and a Redis GET.
The key is everything the page is made of:

- the view, the full path (filters, page number) and the htmx headers;
- every column of the user, the contact, their agent, the agent's user and preferences, as
  ``client_required`` loaded them (names, branding, the contact card);
- the client's portal version (``clients.portal_version``: their feed, messages, reactions and
  comments) and the listings data version (prices, photos, statuses; it carries the database's
  random epoch, so two databases sharing a Redis never share keys), read in one statement
  before the view reads anything: a write committed in between can only put newer data under
  the older key, never older data under the newer one.

What moves with time and no write ("3 hours ago", the feed's period filter) is at most
``PAGE_TIMEOUT`` old. The CSRF token is written into the page at each serve (the cached copy
holds a placeholder, put there by ``clients.context_processors.branding``). Never cached: a
request other than GET, a page with flash messages waiting, an answer other than 200, one that
sets a cookie or changes the session. PostgreSQL only (the versions); ``PORTAL_PAGE_CACHE``
turns it off.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.session import SessionStorage
from django.db import DEFAULT_DB_ALIAS, connection, router
from django.http import HttpResponse
from django.middleware.csrf import get_token

from clients.models import AgentPreferences, PortalVersion

from .models import Listing
from .selectors import listings_data_version
from .shared_cache import shared_get, shared_set

PAGE_TIMEOUT = 60
CSRF_PLACEHOLDER = "csrf-placeholder-of-a-cached-page"


def cached_portal_page(when=None):
    """Decorate a ``client_required`` view; ``when(request)`` may narrow which requests."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable(request, when):
                return view(request, *args, **kwargs)
            key = _page_key(request, view)
            token = get_token(request).encode()
            cached = shared_get(key)
            if cached is not None:
                content, headers = cached
                response = HttpResponse(content.replace(CSRF_PLACEHOLDER.encode(), token))
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
                shared_set(key, (response.content, list(response.headers.items())), PAGE_TIMEOUT)
            response.content = response.content.replace(CSRF_PLACEHOLDER.encode(), token)
            return response

        return wrapper

    return decorate


def _cacheable(request, when) -> bool:
    return (
        request.method == "GET"
        and settings.PORTAL_PAGE_CACHE
        and connection.vendor == "postgresql"
        and not request.session.get(SessionStorage.session_key)  # flash messages waiting
        and (when is None or when(request))
    )


def _page_key(request, view) -> str:
    contact = request.client_contact
    agent = contact.agent
    parts = [
        view.__module__,
        view.__qualname__,
        request.get_full_path(),
        request.headers.get("HX-Request"),
        request.headers.get("HX-Target"),
        [_columns(row) for row in (request.user, contact, agent, agent.user, _preferences(agent))],
        _versions(contact),
    ]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    return f"portal-page:{digest}"


def _columns(row) -> list | None:
    return None if row is None else [getattr(row, f.attname) for f in row._meta.concrete_fields]


def _preferences(agent) -> AgentPreferences | None:
    try:
        return agent.preferences  # loaded with the contact (client_contact_for_user)
    except AgentPreferences.DoesNotExist:
        return None


def _versions(contact) -> list:
    """The client's portal version and the listings data version, in one statement where both
    live in one database; with a replica for listings, the data version is read there."""
    versions = PortalVersion._meta.db_table
    if (router.db_for_read(Listing) or DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
        mine = PortalVersion.objects.filter(contact_id=contact.pk).values_list("version").first()
        return [mine, listings_data_version()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT version FROM {versions} WHERE contact_id = %s), "  # noqa: S608 — our own names
            "(SELECT epoch || ':' || version FROM listings_data_version WHERE id = 1)",
            [contact.pk],
        )
        return list(cursor.fetchone())
