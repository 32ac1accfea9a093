"""A RESO Web API (OData) client: Property records changed since a high-water mark, page by page.

    GET {base}/Property?$filter=ModificationTimestamp gt 2026-01-02T03:04:05Z
        &$orderby=ModificationTimestamp,ListingKey&$top=200&$expand=Media,OpenHouse

then each ``@odata.nextLink`` until there is none. Auth is a bearer token, or OAuth2 client
credentials (token fetched from the token URL, cached until shortly before it expires).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from django.core.cache import cache

from .http import FetchError, RetryPolicy, fetch

MAX_PAGES = 10_000  # a nextLink loop from a broken server must end somewhere
TOKEN_EXPIRY_MARGIN = 60  # seconds: never present a token about to expire mid-request


class FeedError(Exception):
    """The feed failed (after retries); nothing of the failing page was applied."""


class FeedAuthError(FeedError):
    pass


@dataclass(frozen=True)
class BearerToken:
    token: str


@dataclass
class ClientCredentials:
    token_url: str
    client_id: str
    client_secret: str
    scope: str = ""
    _token: str = field(default="", repr=False)
    _expires_at: float = field(default=0.0, repr=False)

    @property
    def cache_key(self) -> str:
        digest = hashlib.sha256(f"{self.token_url}\n{self.client_id}".encode()).hexdigest()
        return f"listings:reso-oauth:{digest[:32]}"


Auth = BearerToken | ClientCredentials


@dataclass(frozen=True)
class Page:
    number: int
    url: str
    records: list[Any]


def odata_timestamp(moment: dt.datetime) -> str:
    """An OData DateTimeOffset literal in UTC, e.g. 2026-01-02T03:04:05.123456Z."""
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def property_url(base_url: str, *, since: dt.datetime | None, top: int) -> str:
    base = base_url.rstrip("/")
    if not base.endswith("/Property"):
        base += "/Property"
    params = {}
    if since is not None:
        params["$filter"] = f"ModificationTimestamp gt {odata_timestamp(since)}"
    params["$orderby"] = "ModificationTimestamp,ListingKey"
    params["$top"] = str(top)
    params["$expand"] = "Media,OpenHouse"
    # %20 rather than + for spaces: OData servers differ on "+", all accept %20; "$" and ","
    # stay literal because several servers match the system query options textually.
    return base + "?" + urlencode(params, quote_via=quote, safe="$,:")


def _cache_call(method, *args, **kwargs):
    # The shared token cache saves a token request per run; with the cache down we simply ask
    # the token URL each time.
    try:
        return method(*args, **kwargs)
    except Exception:
        return None


class ResoClient:
    def __init__(self, base_url: str, *, auth: Auth, policy: RetryPolicy | None = None):
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise FeedError(f"{base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.policy = policy or RetryPolicy()

    # --- auth ---------------------------------------------------------------------------

    def _access_token(self, *, renew: bool = False) -> str:
        auth = self.auth
        if isinstance(auth, BearerToken):
            return auth.token
        now = time.time()
        if not renew and auth._token and auth._expires_at > now:
            return auth._token
        if not renew:
            cached = _cache_call(cache.get, auth.cache_key)
            if cached:
                auth._token, auth._expires_at = cached["token"], cached["expires_at"]
                if auth._expires_at > now:
                    return auth._token
        form = {
            "grant_type": "client_credentials",
            "client_id": auth.client_id,
            "client_secret": auth.client_secret,
        }
        if auth.scope:
            form["scope"] = auth.scope
        try:
            response = fetch(
                auth.token_url,
                policy=self.policy,
                data=urlencode(form).encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
            )
        except FetchError as exc:
            if exc.status in (400, 401, 403):
                raise FeedAuthError(f"OAuth2 token request refused: {exc}") from None
            raise FeedError(f"OAuth2 token request failed: {exc}") from None
        try:
            payload = json.loads(response.body)
            token = payload["access_token"]
            lifetime = int(payload.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise FeedAuthError("OAuth2 token response has no access_token") from None
        auth._token = token
        auth._expires_at = now + max(0, lifetime - TOKEN_EXPIRY_MARGIN)
        if lifetime > TOKEN_EXPIRY_MARGIN:
            _cache_call(
                cache.set,
                auth.cache_key,
                {"token": token, "expires_at": auth._expires_at},
                timeout=lifetime - TOKEN_EXPIRY_MARGIN,
            )
        return token

    def _get_json(self, url: str) -> dict:
        renewed = False
        while True:
            headers = {
                "Accept": "application/json",
                "Authorization": f"Bearer {self._access_token()}",
            }
            try:
                response = fetch(url, policy=self.policy, headers=headers)
                break
            except FetchError as exc:
                if exc.status in (401, 403):
                    if isinstance(self.auth, ClientCredentials) and not renewed:
                        # The cached token may have been revoked early: get a fresh one, once.
                        self._access_token(renew=True)
                        renewed = True
                        continue
                    raise FeedAuthError(f"the feed refused our credentials: {exc}") from None
                raise FeedError(str(exc)) from None
        try:
            payload = json.loads(response.body, parse_float=Decimal)
        except ValueError:
            raise FeedError(f"{url}: the response is not JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
            raise FeedError(f'{url}: the response is not a RESO payload ({{"value": [...]}})')
        return payload

    # --- pages --------------------------------------------------------------------------

    def property_pages(self, *, since: dt.datetime | None, top: int) -> Iterator[Page]:
        """Pages in order; the next is requested only when the caller asks for it, so a page is
        fetched after the previous one has been applied."""
        url: str | None = property_url(self.base_url, since=since, top=top)
        base = urlsplit(self.base_url)
        number = 0
        while url:
            number += 1
            if number > MAX_PAGES:
                raise FeedError(f"more than {MAX_PAGES} pages; stopping")
            payload = self._get_json(url)
            yield Page(number=number, url=url, records=payload["value"])
            next_link = payload.get("@odata.nextLink")
            if next_link:
                target = urlsplit(next_link)
                if not target.scheme:
                    # A relative nextLink is relative to the service root.
                    next_link = f"{base.scheme}://{base.netloc}/{next_link.lstrip('/')}"
                elif (target.scheme, target.netloc) != (base.scheme, base.netloc):
                    # Our bearer token goes only to the host we were given.
                    raise FeedError(f"nextLink points to another host: {next_link}")
            url = next_link or None
