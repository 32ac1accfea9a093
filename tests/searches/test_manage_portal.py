"""My Searches in the portal: the alert state and settings of each search, pausing own searches,
switching off alerts of the agent's searches (the agent is told), removing own searches."""

import pytest
from django.urls import reverse

from notifications.models import AgentNotification
from searches.models import ChangeType, SavedSearch, SearchMatch
from tests.searches.factories import make_match, make_search

pytestmark = pytest.mark.django_db

MY = "/portal/searches/"


def settings_url(search):
    return reverse("portal:search_settings", args=[search.pk])


def test_each_search_shows_its_alert_state_and_settings(portal_client, agent, client_contact):
    make_search(agent, client_contact, name="From Dana", frequency="weekly", send_weekday=4)
    make_search(agent, client_contact, name="Plain", kind="saved")
    own = make_search(
        agent, client_contact, name="Mine", created_by=client_contact.user, is_paused=True
    )
    own.paused_by = "client"
    own.save()
    body = portal_client.get(MY).content.decode()
    assert "Automatic · Weekly on Friday at 8:00 AM" in body
    assert "Saved · no email" in body
    assert "Automatic · alerts paused" in body
    assert "Turn alerts off" in body and "Resume alerts" in body
    assert 'name="frequency"' in body and 'name="change_types"' in body
    # A client never sees the agent-only settings.
    assert "requires_screening" not in body and 'name="kind"' not in body


def test_client_changes_frequency_time_and_change_types(portal_client, agent, client_contact):
    search = make_search(agent, client_contact, name="From Dana", requires_screening=True)
    response = portal_client.post(
        settings_url(search),
        {
            "action": "save",
            "frequency": "weekly",
            "send_hour": "19",
            "send_weekday": "5",
            "change_types": [str(ChangeType.NEW), str(ChangeType.PRICE_INCREASE)],
        },
        follow=True,
    )
    search.refresh_from_db()
    assert (search.frequency, search.send_hour, search.send_weekday) == ("weekly", 19, 5)
    assert search.change_types == ChangeType.NEW | ChangeType.PRICE_INCREASE
    assert search.requires_screening  # the agent's call, untouched
    assert "Saved. Alerts for “From Dana”: Weekly on Saturday at 7:00 PM." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"frequency": "hourly"}, "Select a valid choice."),
        ({"change_types": []}, "Choose at least one kind of change to hear about."),
        ({"send_hour": "25"}, "Select a valid choice."),
        ({"action": "explode"}, "That action isn’t available."),
    ],
)
def test_bad_settings_get_a_message(portal_client, agent, client_contact, bad, words):
    search = make_search(agent, client_contact)
    data = {"action": "save", "frequency": "daily", "send_hour": "8", "change_types": ["1"]}
    data.update(bad)
    response = portal_client.post(settings_url(search), data, follow=True)
    assert response.status_code == 200
    assert words in response.content.decode()
    search.refresh_from_db()
    assert search.frequency == "daily" and search.send_hour == 8


def test_settings_of_a_saved_search_are_refused_politely(portal_client, agent, client_contact):
    search = make_search(agent, client_contact, name="Plain", kind="saved")
    response = portal_client.post(
        settings_url(search),
        {"action": "save", "frequency": "asap", "change_types": ["1"]},
        follow=True,
    )
    assert "“Plain” sends no email, so it has no alert settings." in response.content.decode()
    search.refresh_from_db()
    assert search.kind == "saved"


def test_switching_off_an_agents_search_tells_the_agent(portal_client, agent, client_contact):
    search = make_search(agent, client_contact, name="From Dana")
    ready = make_match(search, state=SearchMatch.State.READY)
    response = portal_client.post(settings_url(search), {"action": "off"}, follow=True)
    search.refresh_from_db()
    assert search.client_alerts_off and not search.is_paused
    ready.refresh_from_db()
    assert ready.state == SearchMatch.State.SKIPPED
    body = response.content.decode()
    assert "Alerts for “From Dana” are off. Dana Whitaker keeps the search and has been told." in (
        body
    )
    assert "Turn alerts on" in body
    note = AgentNotification.objects.get(agent=agent)
    assert "switched off alerts for “From Dana”" in note.text
    portal_client.post(settings_url(search), {"action": "on"})
    search.refresh_from_db()
    assert not search.client_alerts_off


def test_client_pauses_and_resumes_their_own_search(portal_client, agent, client_contact):
    own = make_search(agent, client_contact, name="Mine", created_by=client_contact.user)
    response = portal_client.post(settings_url(own), {"action": "off"}, follow=True)
    own.refresh_from_db()
    assert own.is_paused and own.paused_by == "client"
    assert "Paused “Mine”. Resume it any time." in response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"#saved-search-{own.pk}")
    portal_client.post(settings_url(own), {"action": "on"})
    own.refresh_from_db()
    assert not own.is_paused


def test_client_removes_their_own_search(portal_client, agent, client_contact):
    own = make_search(agent, client_contact, name="Mine", created_by=client_contact.user)
    response = portal_client.post(reverse("portal:search_delete", args=[own.pk]), follow=True)
    assert not SavedSearch.objects.filter(pk=own.pk).exists()
    assert "Deleted “Mine”." in response.content.decode()


def test_another_clients_search_is_404(
    portal_client, other_agent, other_client_contact, agent, client_contact
):
    theirs = make_search(other_agent, other_client_contact, name="Theirs")
    same_agent_other_client = make_search(agent, None, name="Agent only")
    for search in (theirs, same_agent_other_client):
        for action in ("off", "save"):
            response = portal_client.post(
                settings_url(search), {"action": action, "frequency": "asap"}
            )
            assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.client_alerts_off and theirs.frequency == "daily"


def test_settings_need_post_and_a_client(portal_client, agent_client, agent, client_contact):
    search = make_search(agent, client_contact)
    assert portal_client.get(settings_url(search)).status_code == 405
    assert agent_client.post(settings_url(search), {"action": "off"}).status_code == 403


def test_my_searches_query_count_stays_bounded(
    portal_client, agent, client_contact, django_assert_max_num_queries
):
    for n in range(30):
        make_search(agent, client_contact, name=f"From Dana {n}")
        make_search(agent, client_contact, name=f"Mine {n}", created_by=client_contact.user)
    with django_assert_max_num_queries(15):
        response = portal_client.get(MY)
    assert response.content.decode().count('name="change_types"') > 60
