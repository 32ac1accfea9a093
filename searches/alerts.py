"""Alert emails: when each automatic search is due, and one email per client per run.

A run (``alerts_send_due``, every few minutes by beat, and right after matching) looks at every
client with matches ready to go. For each, the searches that are *due* (ASAP always; daily at the
chosen hour, weekly on the chosen day, monthly on the 1st, in the search's time zone) give their
ready matches; each listing appears once, with the names of the searches it matched and *why*
("New", "Price −3.2%", "Back on market"). Bursts are batched: at most one alert per client per
``ALERT_MIN_INTERVAL`` and ``ALERT_DAILY_CAP`` per day; what waits goes with the next one.
The email goes through the outbox (consent, suppression and unsubscribe apply there); the same
alert lands in the client's Dashboard feed.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact
from messaging.models import FeedItem
from notifications.emails import absolute_url
from notifications.models import OutboundEmail
from notifications.services import email_enqueue

from .models import SavedSearch, SearchAlert, SearchMatch, SearchTally
from .tokens import make_search_token

logger = logging.getLogger(__name__)

ALERT_MIN_INTERVAL = datetime.timedelta(minutes=15)
EMAIL_LISTINGS = 20


def daily_cap() -> int:
    return getattr(settings, "SEARCH_ALERT_DAILY_CAP", 6)


# --- when a search is due -----------------------------------------------------------------------


def search_zone(search: SavedSearch) -> zoneinfo.ZoneInfo:
    for name in (search.time_zone, search.agent.time_zone, settings.TIME_ZONE):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            continue
    return zoneinfo.ZoneInfo("UTC")


def last_slot(search: SavedSearch, now: datetime.datetime) -> datetime.datetime:
    """The latest scheduled send time at or before ``now`` (ASAP: now itself)."""
    if search.frequency == SavedSearch.Frequency.ASAP:
        return now
    local = now.astimezone(search_zone(search))
    slot = local.replace(hour=search.send_hour, minute=0, second=0, microsecond=0)
    if search.frequency == SavedSearch.Frequency.DAILY:
        if slot > local:
            slot -= datetime.timedelta(days=1)
    elif search.frequency == SavedSearch.Frequency.WEEKLY:
        slot -= datetime.timedelta(days=(local.weekday() - search.send_weekday) % 7)
        if slot > local:
            slot -= datetime.timedelta(days=7)
    else:  # monthly, on the 1st
        slot = slot.replace(day=1)
        if slot > local:
            previous = slot - datetime.timedelta(days=1)
            slot = previous.replace(day=1)
    return slot


def is_due(search: SavedSearch, now: datetime.datetime) -> bool:
    # The first alert (the current matches) goes at once; then the schedule applies.
    if search.last_alert_at is None or search.frequency == SavedSearch.Frequency.ASAP:
        return True
    return search.last_alert_at < last_slot(search, now)


# --- why you got this -----------------------------------------------------------------------------


def match_label(match: SearchMatch) -> str:
    if match.reason in ("price_decrease", "price_increase") and match.old_price:
        old, new = Decimal(match.old_price), Decimal(match.new_price or 0)
        change = (new - old) / old * 100
        sign = "−" if change < 0 else "+"
        return f"Price {sign}{abs(change):.1f}%"
    return {
        "new": "New",
        "current": "New",
        "back_on_market": "Back on market",
        "pending": "Pending",
        "sold": "Sold",
    }.get(match.reason, match.reason.replace("_", " ").capitalize())


@dataclass
class AlertListing:
    listing: object
    labels: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)


def group_by_listing(matches: list[SearchMatch]) -> list[AlertListing]:
    """Each listing once, with every label and search name it earned, newest match first."""
    grouped: OrderedDict[int, AlertListing] = OrderedDict()
    for match in sorted(matches, key=lambda m: (m.matched_at, m.pk), reverse=True):
        entry = grouped.setdefault(match.listing_id, AlertListing(listing=match.listing))
        label = match_label(match)
        if label not in entry.labels:
            entry.labels.append(label)
        if match.search.name not in entry.searches:
            entry.searches.append(match.search.name)
    for entry in grouped.values():
        entry.searches.sort(key=str.casefold)
    return list(grouped.values())


def alert_title(entries: list[AlertListing], searches: list[SavedSearch]) -> str:
    count = len(entries)
    homes = f"{count} home{'s' if count != 1 else ''}"
    if len(searches) == 1:
        return f"{homes} for “{searches[0].name}”"[:200]
    return f"{homes} for your {len(searches)} saved searches"


# --- sending ------------------------------------------------------------------------------------


def _alerting_searches(contact: Contact):
    return SavedSearch.objects.filter(
        contact=contact,
        kind=SavedSearch.Kind.AUTOMATIC,
        is_paused=False,
        client_alerts_off=False,
    ).select_related("agent")


def contacts_with_ready_matches() -> list[int]:
    """Clients with an alerting search flagged as having ready matches (SearchTally's
    alert_pending, a small partial index) — not a scan of every match by state."""
    return list(
        SearchTally.objects.filter(
            alert_pending=True,
            search__kind=SavedSearch.Kind.AUTOMATIC,
            search__is_paused=False,
            search__client_alerts_off=False,
            search__contact__isnull=False,
        )
        .values_list("search__contact_id", flat=True)
        .distinct()
    )


def _take_pending_flags(searches: list[SavedSearch]) -> None:
    """Clears the searches' alert_pending flags before their ready matches are read, row locks
    taken in key order (the matcher's upserts take them in the same order: no deadlock). A
    batch that commits meanwhile waits for this transaction and sets the flag again after it,
    so its matches go with the next run, never lost; if this transaction rolls back, the flags
    come back with it."""
    ids = sorted(search.pk for search in searches)
    locked = SearchTally.objects.select_for_update().filter(search_id__in=ids).order_by("search")
    SearchTally.objects.filter(
        search_id__in=list(locked.values_list("search_id", flat=True))
    ).update(alert_pending=False)


def alerts_send_due(*, now: datetime.datetime | None = None) -> int:
    """Sends every alert that is due now. Returns how many went out."""
    now = now or timezone.now()
    sent = 0
    for contact_id in contacts_with_ready_matches():
        try:
            if alert_send_for_contact(contact_id=contact_id, now=now) is not None:
                sent += 1
        except Exception:  # one client's bad data must not stop everyone's alerts
            logger.exception("alert for contact %s failed", contact_id)
    return sent


@transaction.atomic
def alert_send_for_contact(
    *, contact_id: int, now: datetime.datetime | None = None
) -> SearchAlert | None:
    """One alert to this client with every ready match of their due searches, or None if
    nothing is due (or the batching interval or the daily cap holds it back)."""
    now = now or timezone.now()
    # The row lock makes two runs at once send one alert, not two.
    contact = Contact.objects.select_for_update().select_related("agent").filter(pk=contact_id)
    contact = contact.first()
    if contact is None:
        return None
    recent = SearchAlert.objects.filter(contact=contact, created_at__gt=now - ALERT_MIN_INTERVAL)
    if recent.exists():
        return None
    today = SearchAlert.objects.filter(
        contact=contact, created_at__gt=now - datetime.timedelta(days=1)
    )
    if today.count() >= daily_cap():
        return None
    due = [search for search in _alerting_searches(contact) if is_due(search, now)]
    if not due:
        return None
    _take_pending_flags(due)
    matches = list(
        SearchMatch.objects.filter(
            search__in=due, state=SearchMatch.State.READY, alert__isnull=True
        )
        .select_related("listing", "search")
        .prefetch_related("listing__media")
    )
    if not matches:
        return None
    entries = group_by_listing(matches)
    matched_searches = [s for s in due if any(m.search_id == s.pk for m in matches)]
    alert = SearchAlert.objects.create(
        agent=contact.agent,
        contact=contact,
        created_at=now,
        listing_count=len(entries),
        title=alert_title(entries, matched_searches),
    )
    SearchMatch.objects.filter(pk__in=[m.pk for m in matches]).update(
        state=SearchMatch.State.SENT, alert=alert
    )
    SavedSearch.objects.filter(pk__in=[s.pk for s in matched_searches]).update(
        last_alert_at=now, emails_sent=F("emails_sent") + 1
    )
    alert_url = reverse("portal:search_alert", args=[alert.pk])
    item = FeedItem.objects.create(
        agent=contact.agent,
        contact=contact,
        category=FeedItem.Category.SEARCHES,
        title=alert.title,
        payload={"url": alert_url, "alert": alert.pk},
        share_key=f"alert:{alert.pk}",
    )
    item.listings.set([entry.listing for entry in entries[:EMAIL_LISTINGS]])
    email_enqueue(
        kind=OutboundEmail.Kind.ALERT,
        template="search_alert",
        context=alert_email_context(alert, entries, matched_searches),
        idempotency_key=f"alert:{alert.pk}",
        to_contact=contact,
    )
    return alert


def _photo_url(listing) -> str:
    media = list(listing.media.all())  # prefetched, in display order
    src = media[0].thumb_src if media else ""
    return absolute_url(src) if src and src.startswith("/") else src


def alert_email_context(
    alert: SearchAlert, entries: list[AlertListing], searches: list[SavedSearch]
) -> dict:
    alert_url = absolute_url(reverse("portal:search_alert", args=[alert.pk]))
    return {
        "agent_name": alert.agent.display_name,
        "contact_first_name": alert.contact.first_name,
        "title": alert.title,
        "alert_url": alert_url,
        "listing_count": len(entries),
        "more_count": max(0, len(entries) - EMAIL_LISTINGS),
        "listings": [
            {
                "address": entry.listing.address_line,
                "city": entry.listing.city,
                "price": entry.listing.list_price,
                "beds": entry.listing.bedrooms_total,
                "baths": entry.listing.bathrooms_total_integer,
                "area": entry.listing.living_area,
                "photo_url": _photo_url(entry.listing),
                "labels": entry.labels,
                "searches": entry.searches,
                "url": f"{alert_url}?listing={entry.listing.pk}",
            }
            for entry in entries[:EMAIL_LISTINGS]
        ],
        "searches": [
            {
                "name": search.name,
                "frequency": search.get_frequency_display().lower(),
                "manage_url": absolute_url(
                    reverse("search_email:manage", args=[make_search_token(search.pk)])
                ),
            }
            for search in searches
        ],
    }
