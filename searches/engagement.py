"""Slowing down instead of going silent, and the flags an agent needs.

Run once a day (beat). For each client whose automatic searches still alert:

1. No alert opened and no login for ``IDLE_AFTER`` (30 days): ASAP and daily searches drop to a
   weekly digest (the agent is told).
2. ``ASK_AFTER`` (14 days) later, still nothing: one email asks "Keep sending these?" with a
   one-click link; the agent is told the date alerts will pause unless the client answers.
3. ``PAUSE_AFTER`` (7 days) after asking, still nothing: the search pauses (the agent is told).

Any sign of life (a login, an alert opened, "keep sending") puts the search back as it was.
Separately, a search with no match for 90 days, or with more than 500 matches so far, is flagged
to the agent once.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact
from messaging.models import FeedItem
from notifications.emails import absolute_url
from notifications.models import OutboundEmail
from notifications.services import agent_notify, email_enqueue

from .matching import BROAD_SEARCH_MATCHES as BROAD_MATCHES
from .models import SavedSearch
from .services import search_flag_broad
from .tokens import make_search_token

IDLE_AFTER = datetime.timedelta(days=30)
ASK_AFTER = datetime.timedelta(days=14)
PAUSE_AFTER = datetime.timedelta(days=7)
STALE_AFTER = datetime.timedelta(days=90)


def last_engaged(contact: Contact, search: SavedSearch) -> datetime.datetime:
    """The last sign the client reads these: a login, an alert opened, "keep sending"."""
    moments = [search.created_at, search.kept_at]
    if contact.user is not None:
        moments.append(contact.user.last_login)
    opened = FeedItem.objects.filter(
        contact=contact, category=FeedItem.Category.SEARCHES, opened_at__isnull=False
    ).aggregate(last=Max("opened_at"))["last"]
    moments.append(opened)
    return max(m for m in moments if m is not None)


def _notify(search: SavedSearch, kind: str, text: str) -> None:
    agent_notify(
        agent=search.agent,
        kind=kind,
        contact=search.contact,
        text=text,
        link=reverse("agent:search_edit", args=[search.pk]),
    )


def review_search(search: SavedSearch, *, now: datetime.datetime) -> str:
    """Moves one search along the slow-down steps. Returns what it did ("" for nothing)."""
    contact = search.contact
    engaged = last_engaged(contact, search)
    who = contact.full_name
    if search.slowed_from:
        if search.slowed_at and engaged > search.slowed_at:
            search.slow_down_undo()
            search.save()
            return "restored"
        if search.keep_asked_at is None and now - search.slowed_at >= ASK_AFTER:
            search.keep_asked_at = now
            search.save(update_fields=["keep_asked_at", "updated_at"])
            keep_question_send(search)
            pause_on = (now + PAUSE_AFTER).date()
            _notify(
                search,
                "search_asked",
                f"{who} has not opened alerts for “{search.name}” in weeks. We asked whether to "
                f"keep sending them; without an answer they pause on {pause_on:%B %-d}.",
            )
            return "asked"
        if search.keep_asked_at is not None and now - search.keep_asked_at >= PAUSE_AFTER:
            search.is_paused, search.paused_by = True, SavedSearch.PausedBy.SYSTEM
            search.save(update_fields=["is_paused", "paused_by", "updated_at"])
            _notify(
                search,
                "search_paused",
                f"Alerts for “{search.name}” ({who}) are paused: no reply to “Keep sending these?”.",
            )
            return "paused"
        return ""
    if now - engaged >= IDLE_AFTER:
        search.slowed_from = search.frequency
        search.slowed_at = now
        if search.frequency in (SavedSearch.Frequency.ASAP, SavedSearch.Frequency.DAILY):
            search.frequency = SavedSearch.Frequency.WEEKLY
        search.save()
        _notify(
            search,
            "search_slowed",
            f"{who} has not opened an alert or logged in for 30 days: “{search.name}” now goes "
            "as a weekly digest.",
        )
        return "slowed"
    return ""


def keep_question_send(search: SavedSearch) -> list[OutboundEmail]:
    token = make_search_token(search.pk)
    return email_enqueue(
        kind=OutboundEmail.Kind.ALERT,
        template="search_keep_question",
        context={
            "contact_first_name": search.contact.first_name,
            "agent_name": search.agent.display_name,
            "search_name": search.name,
            "keep_url": absolute_url(reverse("search_email:keep", args=[token])),
            "manage_url": absolute_url(reverse("search_email:manage", args=[token])),
        },
        idempotency_key=f"search-keep:{search.pk}:{search.slowed_at:%Y%m%d}",
        to_contact=search.contact,
    )


def flag_stale(search: SavedSearch, *, now: datetime.datetime) -> bool:
    last = search.last_match_at or search.created_at
    if search.flagged_stale_at is not None or now - last < STALE_AFTER:
        return False
    search.flagged_stale_at = now
    search.save(update_fields=["flagged_stale_at", "updated_at"])
    who = f" for {search.contact.full_name}" if search.contact_id else ""
    _notify(
        search,
        "search_stale",
        f"“{search.name}”{who} has found nothing in 90 days — it may need wider criteria.",
    )
    return True


def searches_review(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily pass over every alerting search. Returns counts per outcome."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    alerting = SavedSearch.objects.filter(
        kind=SavedSearch.Kind.AUTOMATIC,
        is_paused=False,
        client_alerts_off=False,
        contact__isnull=False,
    ).select_related("agent", "contact__user", "tally")
    for search in alerting.iterator(chunk_size=500):
        with transaction.atomic():
            outcome = review_search(search, now=now)
            if flag_stale(search, now=now):
                counts["stale"] = counts.get("stale", 0) + 1
            if search.match_count > BROAD_MATCHES and search.flagged_broad_at is None:
                search_flag_broad(search)
                counts["broad"] = counts.get("broad", 0) + 1
        if outcome:
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def engagement_reset(contact: Contact) -> int:
    """A sign of life (login, alert opened): slowed searches go back to what they were."""
    slowed = SavedSearch.objects.filter(contact=contact).filter(
        ~Q(slowed_from=""), Q(paused_by="") | Q(paused_by=SavedSearch.PausedBy.SYSTEM)
    )
    count = 0
    for search in slowed:
        search.slow_down_undo()
        search.save()
        count += 1
    return count
