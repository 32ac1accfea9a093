"""Save this search (both faces) and the minimal lists of saved and previous searches."""

import pytest

from searches.models import PreviousSearch, SavedSearch
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_client_saves_a_search_for_themselves(portal_client, client_contact):
    response = portal_client.post(
        "/portal/searches/save/",
        {"name": "Hartford 3 beds", "query": "q=Hartford&beds=3&after=2026-01-01_4"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/search/?q=Hartford&beds=3"
    saved = SavedSearch.objects.get()
    assert saved.contact == client_contact and saved.agent == client_contact.agent
    assert saved.criteria == {"q": "Hartford", "beds": 3}
    assert saved.created_by == client_contact.user


def test_a_client_cannot_save_for_someone_else(portal_client, client_contact, other_client_contact):
    portal_client.post(
        "/portal/searches/save/",
        {"name": "Mine", "query": "q=Hartford", "contact": other_client_contact.pk},
    )
    assert SavedSearch.objects.get().contact == client_contact


def test_agent_saves_for_one_of_their_contacts(agent_client, agent, client_contact):
    agent_client.post(
        "/agent/searches/save/",
        {"name": "For Ann", "query": "min_price=300000", "contact": client_contact.pk},
    )
    saved = SavedSearch.objects.get()
    assert (saved.agent, saved.contact, saved.criteria) == (
        agent,
        client_contact,
        {"min_price": 300000},
    )


def test_agent_saves_for_nobody(agent_client, agent):
    agent_client.post("/agent/searches/save/", {"name": "Watching", "query": ""})
    assert SavedSearch.objects.get().contact is None


def test_another_agents_contact_is_refused(agent_client, other_client_contact):
    response = agent_client.post(
        "/agent/searches/save/",
        {"name": "Sneaky", "query": "q=Hartford", "contact": other_client_contact.pk},
        follow=True,
    )
    assert not SavedSearch.objects.exists()
    assert "Choose one of your own contacts." in response.content.decode()


def test_an_invalid_search_is_not_saved(portal_client):
    response = portal_client.post(
        "/portal/searches/save/", {"name": "Bad", "query": "min_price=9&max_price=1"}, follow=True
    )
    assert not SavedSearch.objects.exists()
    assert "Fix the search before saving it." in response.content.decode()


def test_save_needs_a_name(portal_client):
    portal_client.post("/portal/searches/save/", {"name": "", "query": "q=Hartford"})
    assert not SavedSearch.objects.exists()


def test_roles_are_kept_apart(agent_client, portal_client):
    assert agent_client.post("/portal/searches/save/", {"name": "x"}).status_code == 403


def test_my_searches_lists_saved_and_previous_searches(
    portal_client, client_contact, other_client_contact
):
    ListingFactory(city="Hartford")
    portal_client.post("/portal/searches/save/", {"name": "Hartford homes", "query": "q=Hartford"})
    portal_client.get("/portal/search/", {"q": "Hartford", "beds": "3"})
    PreviousSearch.objects.create(
        contact=other_client_contact, criteria={"q": "Secret Town"}, query_string="q=Secret+Town"
    )
    html = portal_client.get("/portal/searches/").content.decode()
    assert "Hartford homes" in html
    assert "Hartford · 3+ beds" in html
    assert "/portal/search/?q=Hartford&amp;beds=3" in html
    assert "Secret Town" not in html


def test_agent_search_list_shows_only_their_own(agent_client, agent, other_agent, client_contact):
    SavedSearch.objects.create(
        agent=agent, contact=client_contact, name="Ann's search", criteria={}
    )
    SavedSearch.objects.create(agent=other_agent, name="Not yours", criteria={})
    html = agent_client.get("/agent/searches/").content.decode()
    assert "Ann&#x27;s search" in html or "Ann's search" in html
    assert "Not yours" not in html
