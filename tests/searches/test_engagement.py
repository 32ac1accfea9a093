"""Slowing down instead of going silent: weekly digest after 30 quiet days, one "Keep sending
these?" question, a pause only after the agent was told; any sign of life undoes it. And the
90-days-without-matches flag."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from searches.engagement import engagement_reset, searches_review
from searches.models import SavedSearch, SearchTally
from searches.tokens import make_search_token

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def quiet_search(client_contact, agent):
    """A daily search made 40 days ago by the agent; the client last logged in 40 days ago."""
    long_ago = timezone.now() - 40 * DAY
    search = SavedSearch.objects.create(
        agent=agent,
        contact=client_contact,
        name="Quiet one",
        kind="automatic",
        frequency="daily",
        created_by=agent.user,
        criteria={"q": "Hartford"},
    )
    SearchTally.objects.create(search=search, last_match_at=timezone.now() - DAY)
    SavedSearch.objects.filter(pk=search.pk).update(created_at=long_ago)
    client_contact.user.last_login = long_ago
    client_contact.user.save(update_fields=["last_login"])
    search.refresh_from_db()
    return search


def test_slow_down_then_ask_then_pause_with_the_agent_told_first(quiet_search, agent):
    now = timezone.now()
    assert searches_review(now=now) == {"slowed": 1}
    quiet_search.refresh_from_db()
    assert (quiet_search.frequency, quiet_search.slowed_from) == ("weekly", "daily")
    assert agent.notifications.filter(kind="search_slowed").count() == 1

    assert searches_review(now=now + 13 * DAY) == {}  # not yet
    assert searches_review(now=now + 14 * DAY) == {"asked": 1}
    (question,) = OutboundEmail.objects.filter(template="search_keep_question")
    assert question.subject == "Keep sending you “Quiet one”?"
    assert "/email/searches/" in question.body_text and "/keep/" in question.body_text
    notice = agent.notifications.get(kind="search_asked")
    assert "pause on" in notice.text  # told before anything is paused
    quiet_search.refresh_from_db()
    assert not quiet_search.is_paused

    assert searches_review(now=now + 20 * DAY) == {}
    assert searches_review(now=now + 21 * DAY) == {"paused": 1}
    quiet_search.refresh_from_db()
    assert quiet_search.is_paused and quiet_search.paused_by == "system"
    assert agent.notifications.filter(kind="search_paused").count() == 1
    # Asked once only; a paused search is left alone.
    assert searches_review(now=now + 60 * DAY) == {}
    assert OutboundEmail.objects.filter(template="search_keep_question").count() == 1


def test_keep_sending_link_restores_the_search(quiet_search, client):
    now = timezone.now()
    searches_review(now=now)
    searches_review(now=now + 14 * DAY)
    url = reverse("search_email:keep", args=[make_search_token(quiet_search.pk)])
    assert client.get(url).status_code == 200
    quiet_search.refresh_from_db()
    assert quiet_search.slowed_from == "daily"  # a GET (link scanner) changes nothing
    done = client.post(url)
    assert done.status_code == 200 and "keep coming" in done.content.decode()
    quiet_search.refresh_from_db()
    assert (quiet_search.frequency, quiet_search.slowed_from) == ("daily", "")
    assert quiet_search.keep_asked_at is None and quiet_search.kept_at is not None
    assert searches_review(now=timezone.now() + DAY) == {}


def test_a_login_undoes_the_slow_down(quiet_search, client_contact):
    searches_review(now=timezone.now())
    client_contact.user.last_login = timezone.now() + DAY
    client_contact.user.save(update_fields=["last_login"])
    assert searches_review(now=timezone.now() + 2 * DAY) == {"restored": 1}
    quiet_search.refresh_from_db()
    assert quiet_search.frequency == "daily" and not quiet_search.slowed_from


def test_opening_an_alert_resets_slowed_and_system_paused_searches(quiet_search, client_contact):
    SavedSearch.objects.filter(pk=quiet_search.pk).update(
        frequency="weekly", slowed_from="asap", is_paused=True, paused_by="system"
    )
    assert engagement_reset(client_contact) == 1
    quiet_search.refresh_from_db()
    assert (quiet_search.frequency, quiet_search.is_paused) == ("asap", False)


def test_an_agent_pause_is_not_undone_by_engagement(quiet_search, client_contact):
    SavedSearch.objects.filter(pk=quiet_search.pk).update(
        slowed_from="daily", is_paused=True, paused_by="agent"
    )
    assert engagement_reset(client_contact) == 0


def test_search_without_matches_for_90_days_is_flagged_once(quiet_search, agent):
    SearchTally.objects.filter(search=quiet_search).update(last_match_at=timezone.now() - 91 * DAY)
    client_contact = quiet_search.contact
    client_contact.user.last_login = timezone.now()
    client_contact.user.save(update_fields=["last_login"])
    assert searches_review() == {"stale": 1}
    assert searches_review() == {}
    assert agent.notifications.filter(kind="search_stale").count() == 1


def test_logging_in_restores_slowed_alerts_at_once(quiet_search, client_contact, client):
    from tests.clients.factories import DEFAULT_PASSWORD

    searches_review(now=timezone.now())
    quiet_search.refresh_from_db()
    assert quiet_search.frequency == "weekly"
    client_contact.user.set_password(DEFAULT_PASSWORD)
    client_contact.user.save()
    response = client.post(
        reverse("account_login"),
        {"login": client_contact.user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    quiet_search.refresh_from_db()
    assert (quiet_search.frequency, quiet_search.slowed_from) == ("daily", "")


def test_search_that_piled_up_500_matches_is_flagged_once(quiet_search, agent):
    client_contact = quiet_search.contact
    client_contact.user.last_login = timezone.now()
    client_contact.user.save(update_fields=["last_login"])
    SearchTally.objects.filter(search=quiet_search).update(match_count=501)
    assert searches_review() == {"broad": 1}
    assert searches_review() == {}
    notice = agent.notifications.get(kind="search_broad")
    assert "narrowing" in notice.text
