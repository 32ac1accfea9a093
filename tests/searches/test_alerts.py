"""Alert emails: schedules (time frozen), batching, the daily cap, one email per client, labels,
links, suppression, first send, screening, and the signed manage / keep links."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.services import contact_opt_out
from listings.models import ListingEvent
from messaging.models import FeedItem
from notifications.models import OutboundEmail
from searches import alerts
from searches.matching import match_event_range
from searches.models import ChangeType, SavedSearch, SearchAlert, SearchMatch
from searches.services import (
    saved_search_create,
    screening_review,
    search_client_alerts,
    search_pause,
)
from searches.tokens import make_search_token
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")


def at(text: str) -> datetime.datetime:
    """A moment in New York time: "2026-11-23 09:30"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=NY)


def _search(contact, **fields):
    fields.setdefault("kind", SavedSearch.Kind.AUTOMATIC)
    fields.setdefault("criteria", {"q": "Hartford"})
    fields.setdefault("name", "Hartford homes")
    return SavedSearch.objects.create(agent=contact.agent, contact=contact, **fields)


def _match(search, listing=None, *, kind="new", old=None, new=None, when=None):
    listing = listing or ListingFactory()
    before = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    event = ListingEvent.objects.create(
        listing=listing, kind=kind, old_price=old, new_price=new, occurred_at=timezone.now()
    )
    match_event_range(before, event.pk, now=when)
    return SearchMatch.objects.get(search=search, event=event)


def _alert_emails():
    return OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ALERT).order_by("id")


# --- schedules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frequency,last,now,due",
    [
        ("daily", "2026-11-22 08:00", "2026-11-23 07:59", False),
        ("daily", "2026-11-22 08:00", "2026-11-23 08:00", True),
        ("daily", "2026-11-23 08:01", "2026-11-23 23:00", False),
        ("weekly", "2026-11-16 08:05", "2026-11-22 23:00", False),  # Monday 16th → Sunday
        ("weekly", "2026-11-16 08:05", "2026-11-23 08:00", True),  # the next Monday, 8 AM
        ("monthly", "2026-11-01 08:00", "2026-11-30 22:00", False),
        ("monthly", "2026-11-01 08:00", "2026-12-01 08:00", True),
        ("asap", "2026-11-23 08:00", "2026-11-23 08:01", True),
    ],
)
def test_when_a_search_is_due(client_contact, frequency, last, now, due):
    search = _search(
        client_contact, frequency=frequency, send_hour=8, send_weekday=0, last_alert_at=at(last)
    )
    assert alerts.is_due(search, at(now)) is due


def test_the_hour_is_the_clients_time_zone_not_the_servers(client_contact):
    search = _search(
        client_contact,
        frequency="daily",
        send_hour=8,
        time_zone="America/Los_Angeles",
        last_alert_at=at("2026-11-22 11:00"),  # 8 AM in Los Angeles yesterday
    )
    assert not alerts.is_due(search, at("2026-11-23 10:59"))  # 7:59 AM Pacific
    assert alerts.is_due(search, at("2026-11-23 11:00"))


def test_a_new_search_sends_its_first_alert_at_once(client_contact):
    search = _search(client_contact, frequency="weekly")
    assert alerts.is_due(search, at("2026-11-25 03:00"))


# --- one email per client, labels, links ------------------------------------------------------------


def test_one_email_per_client_with_each_listing_once_and_why(client_contact):
    downtown = _search(client_contact, name="Downtown condos", frequency="asap")
    family = _search(
        client_contact,
        name="Family homes",
        frequency="asap",
        change_types=ChangeType.PRICE_DECREASE | ChangeType.NEW,
    )
    shared = ListingFactory(street_name="Elm", list_price=Decimal("435600"))
    _match(downtown, shared, kind="price_decrease", old=Decimal("450000"), new=Decimal("435600"))
    only_new = ListingFactory(street_name="Oak")
    _match(downtown, only_new)
    assert family.matches.count() == 2  # the same two events matched the second search

    alert = alerts.alert_send_for_contact(contact_id=client_contact.pk)

    assert alert is not None and alert.listing_count == 2
    (email,) = _alert_emails()
    assert email.status in (OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENT)
    assert email.subject == "2 homes for your 2 saved searches"
    assert "Price −3.2%" in email.body_text and "New" in email.body_text
    assert email.body_text.count("Elm") == 1  # once, with both searches named
    assert "Matched: Downtown condos, Family homes" in email.body_text
    assert email.headers["List-Unsubscribe"].startswith("<http")
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    manage_links = re.findall(r"http://testserver/email/searches/[^/\s]+/", email.body_text)
    assert len(manage_links) == 2
    assert f"/portal/alerts/{alert.pk}/?listing={shared.pk}" in email.body_html
    # Matches are spent, the feed has the alert, the searches count the email.
    assert not SearchMatch.objects.filter(state=SearchMatch.State.READY).exists()
    item = FeedItem.objects.get(contact=client_contact, category=FeedItem.Category.SEARCHES)
    assert item.title == alert.title and item.payload["url"] == f"/portal/alerts/{alert.pk}/"
    downtown.refresh_from_db()
    assert downtown.emails_sent == 1 and downtown.last_alert_at is not None
    # Nothing left: the next run sends nothing.
    assert alerts.alerts_send_due(now=timezone.now() + datetime.timedelta(hours=1)) == 0


def test_asap_bursts_are_batched_to_one_email_per_15_minutes(client_contact):
    search = _search(client_contact, frequency="asap")
    start = timezone.now()
    _match(search, when=start)
    assert alerts.alerts_send_due(now=start) == 1
    _match(search, when=start + datetime.timedelta(minutes=2))
    _match(search, when=start + datetime.timedelta(minutes=5))
    assert alerts.alerts_send_due(now=start + datetime.timedelta(minutes=10)) == 0
    assert alerts.alerts_send_due(now=start + datetime.timedelta(minutes=16)) == 1
    second = SearchAlert.objects.order_by("-id").first()
    assert second.listing_count == 2
    assert _alert_emails().count() == 2


def test_the_daily_cap_holds_alerts_until_the_next_day(client_contact, settings):
    settings.SEARCH_ALERT_DAILY_CAP = 2
    search = _search(client_contact, frequency="asap")
    start = timezone.now()
    for step in range(3):
        when = start + datetime.timedelta(minutes=20 * step)
        _match(search, when=when)
        alerts.alerts_send_due(now=when)
    assert SearchAlert.objects.count() == 2
    assert alerts.alerts_send_due(now=start + datetime.timedelta(hours=25)) == 1


def test_a_daily_search_waits_for_its_hour(client_contact):
    search = _search(
        client_contact, frequency="daily", send_hour=8, last_alert_at=at("2026-11-22 08:00")
    )
    _match(search)
    assert alerts.alerts_send_due(now=at("2026-11-23 07:00")) == 0
    assert alerts.alerts_send_due(now=at("2026-11-23 08:00")) == 1


def test_opted_out_and_inactive_clients_get_no_email(client_contact):
    search = _search(client_contact, frequency="asap")
    _match(search)
    contact_opt_out(contact=client_contact, via="email_link")
    alerts.alerts_send_due()
    (email,) = _alert_emails()
    assert email.status == OutboundEmail.Status.SUPPRESSED
    assert mail.outbox == []


def test_paused_search_drops_its_waiting_matches(client_contact):
    search = _search(client_contact, frequency="asap")
    _match(search)
    search_pause(search=search, by="agent")
    assert alerts.alerts_send_due() == 0
    assert search.matches.get().state == SearchMatch.State.SKIPPED


def test_client_switching_off_an_agents_search_tells_the_agent(client_contact, agent):
    search = _search(client_contact, created_by=agent.user)
    search_client_alerts(contact=client_contact, search=search, on=False)
    search.refresh_from_db()
    assert search.client_alerts_off and not search.is_paused
    assert agent.notifications.filter(kind="alerts_off").exists()


# --- first send and screening ---------------------------------------------------------------------


def test_first_send_all_current_matches_once(client_contact, agent):
    ListingFactory.create_batch(3, city="Avon", postal_code="06001")
    ListingFactory(city="Avon", postal_code="06001", standard_status="Closed")
    search = saved_search_create(
        agent=agent,
        contact=client_contact,
        name="Avon",
        criteria={"q": "Avon"},
        created_by=agent.user,
        alert_settings={"kind": "automatic", "frequency": "daily", "first_send": "all"},
    )
    assert search.matches.filter(reason="current").count() == 3
    alert = alerts.alert_send_for_contact(contact_id=client_contact.pk)
    assert alert.listing_count == 3 and alert.title == "3 homes for “Avon”"
    only_new = saved_search_create(
        agent=agent,
        contact=client_contact,
        name="Avon, new only",
        criteria={"q": "Avon"},
        created_by=agent.user,
        alert_settings={"kind": "automatic", "first_send": "new_only"},
    )
    assert not only_new.matches.exists()


def test_screened_matches_go_only_after_the_agent_approves(client_contact, agent, other_agent):
    search = _search(client_contact, frequency="asap", requires_screening=True)
    keep = _match(search)
    drop = _match(search)
    assert alerts.alerts_send_due() == 0
    # Another agent's ids change nothing.
    assert screening_review(agent=other_agent, match_ids=[keep.pk], approve=True) == 0
    assert screening_review(agent=agent, match_ids=[keep.pk], approve=True) == 1
    assert screening_review(agent=agent, match_ids=[drop.pk], approve=False) == 1
    alert = alerts.alert_send_for_contact(contact_id=client_contact.pk)
    assert list(alert.matches.values_list("pk", flat=True)) == [keep.pk]
    drop.refresh_from_db()
    assert drop.state == SearchMatch.State.DISCARDED


def test_broad_search_is_flagged_to_the_agent_once(client_contact, agent, monkeypatch):
    import searches.matching as matching

    monkeypatch.setattr(matching, "BROAD_SEARCH_MATCHES", 2)
    ListingFactory.create_batch(3)
    for name in ("Everything", "Everything again"):
        saved_search_create(
            agent=agent,
            contact=client_contact,
            name=name,
            criteria={},
            created_by=agent.user,
            alert_settings={"kind": "automatic"},
        )
    assert agent.notifications.filter(kind="search_broad").count() == 2  # one per search
    assert SavedSearch.objects.filter(flagged_broad_at__isnull=False).count() == 2


# --- the alert page and the signed links ----------------------------------------------------------


def test_the_client_opens_their_alert_and_no_one_else_can(
    client_contact, portal_client, other_client_contact
):
    search = _search(client_contact, frequency="asap")
    match = _match(search, kind="back_on_market")
    alert = alerts.alert_send_for_contact(contact_id=client_contact.pk)
    url = reverse("portal:search_alert", args=[alert.pk])
    page = portal_client.get(url)
    assert page.status_code == 200
    assert "Back on market" in page.content.decode()
    assert FeedItem.objects.get(share_key=f"alert:{alert.pk}").opened_at is not None
    to_listing = portal_client.get(f"{url}?listing={match.listing_id}")
    assert (
        to_listing.status_code == 302 and f"/portal/listings/{match.listing_id}/" in to_listing.url
    )
    assert portal_client.get(f"{url}?listing=999999").status_code == 200
    from django.test import Client

    stranger = Client()
    stranger.force_login(other_client_contact.user)
    assert stranger.get(url).status_code == 404


def test_manage_link_changes_frequency_and_pauses_without_login(client, client_contact, agent):
    search = _search(client_contact, frequency="asap", created_by=agent.user)
    url = reverse("search_email:manage", args=[make_search_token(search.pk)])
    page = client.get(url)
    assert page.status_code == 200 and "Alerts for “Hartford homes”" in page.content.decode()
    # A GET (a link scanner) changes nothing; a POST with a bad value explains itself.
    bad = client.post(url, {"action": "save", "frequency": "hourly", "change_types": ["1"]})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    none_chosen = client.post(url, {"action": "save", "frequency": "daily"})
    assert "Choose at least one kind of change" in none_chosen.content.decode()
    ok = client.post(
        url,
        {
            "action": "save",
            "frequency": "weekly",
            "send_hour": "18",
            "send_weekday": "4",
            "change_types": ["1", "2"],
        },
    )
    assert ok.status_code == 302
    search.refresh_from_db()
    assert (search.frequency, search.send_hour, search.send_weekday, search.change_types) == (
        "weekly",
        18,
        4,
        3,
    )
    client.post(url, {"action": "pause"})
    search.refresh_from_db()
    assert search.client_alerts_off
    assert agent.notifications.filter(kind="alerts_off").exists()


@pytest.mark.parametrize("token", ["forged", "x" * 300, make_search_token(10**9), "a:b:c"])
def test_forged_or_unknown_manage_links_get_a_clear_400(client, token):
    assert client.get(f"/email/searches/{token}/").status_code == 400
    assert client.post(f"/email/searches/{token}/keep/").status_code == 400


def test_unsubscribe_token_is_not_a_search_token(client, client_contact):
    from notifications.tokens import make_contact_token

    search = _search(client_contact)
    token = make_contact_token(search.pk, "unsubscribe")
    assert client.get(f"/email/searches/{token}/").status_code == 400


def test_a_long_alert_is_paginated_and_bad_pages_are_harmless(client_contact, agent, portal_client):
    ListingFactory.create_batch(30, city="Avon", postal_code="06001")
    saved_search_create(
        agent=agent,
        contact=client_contact,
        name="Avon",
        criteria={"q": "Avon"},
        created_by=agent.user,
        alert_settings={"kind": "automatic"},
    )
    alert = alerts.alert_send_for_contact(contact_id=client_contact.pk)
    url = reverse("portal:search_alert", args=[alert.pk])
    first = portal_client.get(url).content.decode()
    assert "Homes 1–24 of 30" in first
    assert "Homes 25–30 of 30" in portal_client.get(f"{url}?page=2").content.decode()
    for junk in ("999", "-1", "abc", "1" * 400):
        assert portal_client.get(f"{url}?page={junk}").status_code == 200


def test_a_client_turns_their_own_saved_search_into_alerts(client_contact, portal_client):
    from tests.listings.factories import ListingFactory as Listings

    Listings.create_batch(2, city="Avon", postal_code="06001")
    own = SavedSearch.objects.create(
        agent=client_contact.agent,
        contact=client_contact,
        name="Mine",
        criteria={"q": "Avon"},
        created_by=client_contact.user,
    )
    agents = _search(client_contact, name="Agent's", kind="saved")
    url = reverse("portal:search_settings", args=[own.pk])
    assert portal_client.post(url, {"action": "email"}).status_code == 302
    own.refresh_from_db()
    assert own.kind == "automatic" and own.matches.count() == 2
    # Not for a search the agent made: the agent decides whether that one emails.
    portal_client.post(reverse("portal:search_settings", args=[agents.pk]), {"action": "email"})
    agents.refresh_from_db()
    assert agents.kind == "saved"
    page = portal_client.get(reverse("portal:my_searches")).content.decode()
    assert "Email me new matches" not in page.split("Mine")[1].split("</li>")[0]
