"""The agent's Saved searches page, the edit page, pause/resume/delete, and the alert settings on
Save this search."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from searches.models import ChangeType, SavedSearch, SearchMatch
from tests.clients.factories import ClientContactFactory
from tests.searches.factories import make_match, make_search

pytestmark = pytest.mark.django_db

LIST = "/agent/searches/"


def test_the_list_shows_every_clients_search_with_its_numbers(
    agent_client, agent, client_contact, other_agent, other_client_contact
):
    now = timezone.now()
    make_search(
        agent,
        client_contact,
        name="Downtown condos",
        criteria={"q": "Hartford", "min_price": 300000, "beds": 2},
        match_count=42,
        emails_sent=7,
        last_match_at=now,
        last_alert_at=now,
        frequency="weekly",
        send_weekday=2,
    )
    make_search(agent, None, name="My own watch")
    make_search(other_agent, other_client_contact, name="Omar's secret search")
    body = agent_client.get(LIST).content.decode()
    assert "Downtown condos" in body and "Ann O&#x27;Neil" in body
    assert "Hartford · $300k+ · 2+ beds" in body
    assert "Weekly on Wednesday at 8:00 AM" in body
    assert ">42<" in body and ">7<" in body
    assert "My own watch" in body and "Just you" in body
    assert "Omar" not in body and "Bea Other" not in body
    # Run opens Search Listings with the criteria (jsonb keeps its own key order).
    run = re.search(r'href="(/agent/listings/\?[^"]*)"[^>]*>[^<]*<svg[^>]*>.*?</svg>Run', body)
    assert run is not None
    assert set(run.group(1).split("?")[1].split("&amp;")) == {
        "q=Hartford",
        "min_price=300000",
        "beds=2",
    }


def test_flags_are_spelled_out(agent_client, agent, client_contact):
    now = timezone.now()
    make_search(agent, client_contact, name="Stale", flagged_stale_at=now)
    make_search(agent, client_contact, name="Broad", flagged_broad_at=now)
    make_search(agent, client_contact, name="Slow", slowed_from="daily", frequency="weekly")
    make_search(agent, client_contact, name="Silent", is_paused=True, paused_by="system")
    body = agent_client.get(LIST).content.decode()
    for words in (
        "No matches in 90 days",
        "500+ matches — narrow it",
        "Slowed to weekly",
        "Paused after no reply",
    ):
        assert words in body


def test_filters_by_client_kind_and_state(agent_client, agent, client_contact):
    second = ClientContactFactory(agent=agent, first_name="Zed", last_name="Zimmer")
    make_search(agent, client_contact, name="Ann alerting")
    make_search(agent, client_contact, name="Ann paused", is_paused=True, paused_by="agent")
    make_search(agent, second, name="Zed saved", kind="saved")
    screened = make_search(agent, second, name="Zed screened", requires_screening=True)
    make_match(screened)
    make_search(agent, second, name="Zed flagged", flagged_stale_at=timezone.now())

    def names(query):
        body = agent_client.get(f"{LIST}?{query}").content.decode()
        return {
            n
            for n in ("Ann alerting", "Ann paused", "Zed saved", "Zed screened", "Zed flagged")
            if n in body
        }

    assert names(f"contact={client_contact.pk}") == {"Ann alerting", "Ann paused"}
    assert names("kind=saved") == {"Zed saved"}
    assert names("state=paused") == {"Ann paused"}
    assert names("state=screening") == {"Zed screened"}
    assert names("state=flagged") == {"Zed flagged"}
    assert names("state=alerting") == {"Ann alerting", "Zed screened", "Zed flagged"}


@pytest.mark.parametrize(
    "query",
    [
        "contact=abc",
        "contact=99999999999999999999",
        "kind=<script>",
        "state=everything",
        "page=9999",
        "page=-1",
        "contact=1&state=paused&kind=automatic&page=x",
    ],
)
def test_hostile_filters_never_fail(agent_client, agent, client_contact, query):
    make_search(agent, client_contact)
    response = agent_client.get(f"{LIST}?{query}")
    assert response.status_code == 200


def test_another_agents_contact_filter_shows_nothing_of_theirs(
    agent_client, other_agent, other_client_contact
):
    make_search(other_agent, other_client_contact, name="Their search")
    body = agent_client.get(f"{LIST}?contact={other_client_contact.pk}").content.decode()
    assert "Their search" not in body and "Bea" not in body


def test_the_list_is_paginated(agent_client, agent, client_contact):
    for n in range(30):
        make_search(agent, client_contact, name=f"Search {n:02d}")
    first = agent_client.get(LIST).content.decode()
    second = agent_client.get(f"{LIST}?page=2").content.decode()
    assert "page 1 of 2" in first and "page 2 of 2" in second
    assert first.count('class="table__primary"') == 25
    assert second.count('class="table__primary"') == 5


@pytest.mark.parametrize("count", [3, 60])
def test_query_count_is_bounded(
    agent_client, agent, client_contact, django_assert_max_num_queries, count
):
    contacts = [ClientContactFactory(agent=agent) for _ in range(5)]
    for n in range(count):
        search = make_search(
            agent, contacts[n % 5], name=f"S{n}", requires_screening=True, match_count=n
        )
        if n % 7 == 0:
            make_match(search)
    with django_assert_max_num_queries(12):
        response = agent_client.get(LIST)
    assert response.status_code == 200


def test_the_nav_counts_matches_waiting_for_review(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, requires_screening=True)
    make_match(search)
    make_match(search)
    page = agent_client.get("/agent/").content.decode()
    # The nav loads the count after the page (no query on every back-office page).
    assert 'hx-get="/agent/searches/screening/count/" hx-trigger="load"' in page
    badge = agent_client.get("/agent/searches/screening/count/").content.decode()
    assert '2<span class="visually-hidden"> matches waiting for your review' in badge


# --- pause, resume, delete ---------------------------------------------------------------------


def test_pause_and_resume(agent_client, agent, client_contact):
    search = make_search(agent, client_contact)
    ready = make_match(search, state=SearchMatch.State.READY)
    response = agent_client.post(reverse("agent:search_pause", args=[search.pk]), follow=True)
    search.refresh_from_db()
    assert search.is_paused and search.paused_by == "agent"
    ready.refresh_from_db()
    assert ready.state == SearchMatch.State.SKIPPED
    assert "Paused “Hartford homes” for Ann O&#x27;Neil" in response.content.decode()
    agent_client.post(reverse("agent:search_resume", args=[search.pk]))
    search.refresh_from_db()
    assert not search.is_paused


def test_actions_return_to_the_filtered_list_but_never_elsewhere(
    agent_client, agent, client_contact
):
    search = make_search(agent, client_contact)
    url = reverse("agent:search_pause", args=[search.pk])
    back = f"{LIST}?state=alerting&page=1"
    assert agent_client.post(url, {"next": back})["Location"] == back
    for hostile in ("https://evil.example/", "//evil.example/agent/searches/", "/portal/"):
        assert agent_client.post(url, {"next": hostile})["Location"] == LIST


def test_actions_need_post(agent_client, agent, client_contact):
    search = make_search(agent, client_contact)
    for name in ("search_pause", "search_resume"):
        assert agent_client.get(reverse(f"agent:{name}", args=[search.pk])).status_code == 405
    search.refresh_from_db()
    assert not search.is_paused


def test_delete_asks_first_then_deletes(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, name="Old search")
    url = reverse("agent:search_delete", args=[search.pk])
    page = agent_client.get(url).content.decode()
    assert "Delete “Old search”?" in page and "Pause instead" in page
    assert SavedSearch.objects.filter(pk=search.pk).exists()
    response = agent_client.post(url, follow=True)
    assert not SavedSearch.objects.filter(pk=search.pk).exists()
    assert "Deleted “Old search” for Ann O&#x27;Neil." in response.content.decode()


def test_another_agents_search_is_404_for_every_action(
    agent_client, other_agent, other_client_contact
):
    theirs = make_search(other_agent, other_client_contact, name="Theirs")
    for name in ("search_pause", "search_resume", "search_delete", "search_edit"):
        url = reverse(f"agent:{name}", args=[theirs.pk])
        assert agent_client.post(url).status_code == 404, name
    assert agent_client.get(reverse("agent:search_edit", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_paused and theirs.name == "Theirs"


# --- edit -------------------------------------------------------------------------------------


def _edit_data(**overrides):
    data = {
        "name": "Renamed",
        "kind": "automatic",
        "frequency": "weekly",
        "send_hour": "18",
        "send_weekday": "4",
        "time_zone": "America/Chicago",
        "change_types": [str(ChangeType.NEW), str(ChangeType.SOLD)],
        "first_send": "new_only",
        "requires_screening": "on",
    }
    data.update(overrides)
    return data


def test_edit_page_shows_the_settings_and_a_criteria_link(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, criteria={"q": "Hartford", "beds": 3})
    body = agent_client.get(reverse("agent:search_edit", args=[search.pk])).content.decode()
    assert 'value="Hartford homes"' in body
    assert "Hartford · 3+ beds" in body
    assert f'href="/agent/searches/{search.pk}/criteria/"' in body  # opens Search Listings
    assert "Let me review matches before my client sees them" in body


def test_edit_saves_name_and_alert_settings(agent_client, agent, client_contact):
    search = make_search(agent, client_contact)
    response = agent_client.post(reverse("agent:search_edit", args=[search.pk]), _edit_data())
    assert response.status_code == 302
    search.refresh_from_db()
    assert search.name == "Renamed"
    assert (search.frequency, search.send_hour, search.send_weekday) == ("weekly", 18, 4)
    assert search.time_zone == "America/Chicago"
    assert search.change_types == ChangeType.NEW | ChangeType.SOLD
    assert search.requires_screening


def test_saving_without_touching_frequency_keeps_a_slow_down(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, frequency="weekly", slowed_from="daily")
    agent_client.post(reverse("agent:search_edit", args=[search.pk]), _edit_data())
    search.refresh_from_db()
    assert search.slowed_from == "daily"


@pytest.mark.parametrize(
    "bad",
    [
        {"frequency": "hourly"},
        {"send_hour": "99"},
        {"send_weekday": "funday"},
        {"change_types": []},
        {"change_types": ["1024"]},
        {"kind": "telepathic"},
        {"time_zone": "Mars/Olympus"},
        {"name": ""},
        {"name": "x" * 400},
    ],
)
def test_bad_settings_are_explained_not_saved(agent_client, agent, client_contact, bad):
    search = make_search(agent, client_contact)
    response = agent_client.post(reverse("agent:search_edit", args=[search.pk]), _edit_data(**bad))
    assert response.status_code == 200
    assert "Some settings need a look" in response.content.decode()
    search.refresh_from_db()
    assert search.name == "Hartford homes" and search.frequency == "daily"


def test_a_search_just_for_the_agent_has_a_name_and_no_alerts(agent_client, agent):
    search = make_search(agent, None)
    url = reverse("agent:search_edit", args=[search.pk])
    page = agent_client.get(url).content.decode()
    assert "just for you, so it sends no email" in page and 'name="frequency"' not in page
    # What a browser sends: the name only.
    assert agent_client.post(url, {"name": "Renamed"}).status_code == 302
    search.refresh_from_db()
    assert search.kind == "saved" and search.name == "Renamed"
    # Alert fields sent anyway change nothing.
    agent_client.post(url, _edit_data(name="Again"))
    search.refresh_from_db()
    assert search.kind == "saved" and search.frequency == "daily" and search.name == "Again"


# --- Save this search with alert settings -----------------------------------------------------


def test_the_save_panel_offers_alert_settings(agent_client, agent, client_contact):
    body = agent_client.get("/agent/listings/?q=Hartford").content.decode()
    assert "Alerts for the client" in body
    assert 'name="frequency"' in body and 'name="change_types"' in body
    assert 'value="automatic" checked' in body


def test_saving_for_a_client_makes_an_automatic_search(agent_client, agent, client_contact):
    response = agent_client.post(
        "/agent/searches/save/",
        {
            "name": "For Ann",
            "query": "q=Hartford",
            "contact": client_contact.pk,
            "kind": "automatic",
            "frequency": "asap",
            "send_hour": "8",
            "send_weekday": "0",
            "change_types": [str(ChangeType.NEW), str(ChangeType.PRICE_DECREASE)],
            "first_send": "new_only",
            "requires_screening": "on",
        },
        follow=True,
    )
    saved = SavedSearch.objects.get()
    assert (saved.kind, saved.frequency, saved.requires_screening) == ("automatic", "asap", True)
    assert saved.change_types == ChangeType.NEW | ChangeType.PRICE_DECREASE
    assert "New matches will be emailed after your review." in response.content.decode()


def test_saving_with_bad_alert_settings_explains(agent_client, agent, client_contact):
    response = agent_client.post(
        "/agent/searches/save/",
        {
            "name": "For Ann",
            "query": "q=Hartford",
            "contact": client_contact.pk,
            "kind": "automatic",
            "frequency": "daily",
            "first_send": "all",
        },
        follow=True,
    )
    assert not SavedSearch.objects.exists()
    assert "Choose at least one kind of change to hear about." in response.content.decode()


def test_alert_settings_are_ignored_for_a_search_just_for_the_agent(agent_client, agent):
    agent_client.post(
        "/agent/searches/save/",
        {"name": "Mine", "query": "q=Hartford", "kind": "automatic", "frequency": "bogus"},
    )
    assert SavedSearch.objects.get().kind == "saved"


# --- Edit criteria: Search Listings and back ----------------------------------------------------


def test_edit_criteria_round_trip(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, name="Ann’s search", criteria={"q": "Hartford"})
    url = reverse("agent:search_criteria", args=[search.pk])
    response = agent_client.get(url)
    assert response["Location"] == "/agent/listings/?q=Hartford"
    panel = agent_client.get(response["Location"]).content.decode()
    assert "Update “Ann’s search”" in panel and f'formaction="{url}"' in panel
    response = agent_client.post(
        url, {"query": "q=Hartford&beds=4&after=x", "name": "ignored"}, follow=True
    )
    search.refresh_from_db()
    assert search.criteria == {"q": "Hartford", "beds": 4} and search.name == "Ann’s search"
    assert "Updated “Ann’s search” for Ann O&#x27;Neil: now Hartford · 4+ beds." in (
        response.content.decode()
    )
    # Done editing: the panel no longer offers the update.
    assert "Update “" not in agent_client.get("/agent/listings/?q=Hartford").content.decode()


def test_a_bad_criteria_update_is_explained(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, name="Keep me", criteria={"q": "Hartford"})
    url = reverse("agent:search_criteria", args=[search.pk])
    response = agent_client.post(url, {"query": "min_price=9&max_price=1"}, follow=True)
    assert "Fix the search before updating “Keep me” with it." in response.content.decode()
    search.refresh_from_db()
    assert search.criteria == {"q": "Hartford"}


def test_another_agents_search_cannot_be_edited_from_listings(
    agent_client, other_agent, other_client_contact
):
    theirs = make_search(other_agent, other_client_contact, criteria={"q": "Hartford"})
    url = reverse("agent:search_criteria", args=[theirs.pk])
    assert agent_client.get(url).status_code == 404
    assert agent_client.post(url, {"query": "q=Nowhere"}).status_code == 404
    # A stale or forged session value shows nothing either.
    session = agent_client.session
    session["searches:editing"] = theirs.pk
    session.save()
    assert "Update “" not in agent_client.get("/agent/listings/").content.decode()
    theirs.refresh_from_db()
    assert theirs.criteria == {"q": "Hartford"}
