"""The agent's screening queue: matches of screened searches wait there until approved or
discarded; other agents' matches are never shown and never touched."""

from decimal import Decimal

import pytest
from django.urls import reverse

from searches.models import SearchMatch
from tests.clients.factories import ClientContactFactory
from tests.listings.factories import ListingFactory
from tests.searches.factories import make_match, make_search

pytestmark = pytest.mark.django_db

QUEUE = "/agent/searches/screening/"
REVIEW = "/agent/searches/screening/review/"
COUNT = "/agent/searches/screening/count/"


def test_queue_groups_matches_by_client_and_search_with_why(
    agent_client, agent, client_contact, other_agent, other_client_contact
):
    search = make_search(agent, client_contact, name="Ann’s condos", requires_screening=True)
    make_match(search, listing=ListingFactory(street_name="Elm", list_price=Decimal("399000")))
    make_match(
        search,
        listing=ListingFactory(street_name="Oak"),
        reason="price_decrease",
        old_price=Decimal("500000"),
        new_price=Decimal("484000"),
    )
    make_match(search, state=SearchMatch.State.READY, listing=ListingFactory(street_name="Ready"))
    theirs = make_search(other_agent, other_client_contact, name="Bea’s lofts")
    make_match(theirs, listing=ListingFactory(street_name="Secretive"))
    body = agent_client.get(QUEUE).content.decode()
    assert "Ann O&#x27;Neil · Ann’s condos" in body
    assert "Elm St" in body and "$399,000" in body and "Oak St" in body
    assert "Price −3.2%" in body and ">New<" in body
    assert "Ready St" not in body
    assert "Bea" not in body and "Secretive" not in body
    assert "<strong>2</strong> homes waiting" in body


def test_empty_queue_teaches(agent_client):
    body = agent_client.get(QUEUE).content.decode()
    assert "Nothing waiting for review" in body


def test_approve_and_discard(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, requires_screening=True)
    keep, drop, later = make_match(search), make_match(search), make_match(search)
    response = agent_client.post(REVIEW, {"decision": "approve", "match": [keep.pk]}, follow=True)
    assert "Approved 1 home: they go out with the next alert." in response.content.decode()
    response = agent_client.post(REVIEW, {"decision": "discard", "match": [drop.pk]}, follow=True)
    assert "Discarded 1 home" in response.content.decode()
    states = {m.pk: m.state for m in SearchMatch.objects.all()}
    assert states == {keep.pk: "ready", drop.pk: "discarded", later.pk: "screening"}


def test_other_agents_match_ids_are_ignored(
    agent_client, agent, client_contact, other_agent, other_client_contact
):
    mine = make_match(make_search(agent, client_contact, requires_screening=True))
    theirs = make_match(make_search(other_agent, other_client_contact, requires_screening=True))
    response = agent_client.post(
        REVIEW, {"decision": "approve", "match": [mine.pk, theirs.pk]}, follow=True
    )
    assert "Approved 1 home" in response.content.decode()
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (mine.state, theirs.state) == ("ready", "screening")


@pytest.mark.parametrize(
    "data, words",
    [
        ({"decision": "approve"}, "Tick at least one home first."),
        ({"decision": "approve", "match": ["abc", "1;DROP TABLE", "-4"]}, "Tick at least one"),
        ({"decision": "publish", "match": ["1"]}, "Choose Approve or Discard."),
        ({"match": ["1"]}, "Choose Approve or Discard."),
        ({"decision": "approve", "match": ["9" * 40]}, "Tick at least one home first."),
    ],
)
def test_hostile_reviews_get_a_message(agent_client, agent, client_contact, data, words):
    match = make_match(make_search(agent, client_contact, requires_screening=True))
    response = agent_client.post(REVIEW, data, follow=True)
    assert response.status_code == 200
    assert words in response.content.decode()
    match.refresh_from_db()
    assert match.state == "screening"


def test_review_needs_post_and_an_agent(agent_client, portal_client):
    assert agent_client.get(REVIEW).status_code == 405
    assert portal_client.post(REVIEW, {"decision": "approve", "match": ["1"]}).status_code == 403
    assert portal_client.get(QUEUE).status_code == 403


def test_the_nav_count_follows_a_review(agent_client, agent, client_contact):
    match = make_match(make_search(agent, client_contact, requires_screening=True))
    badge = agent_client.get(COUNT).content.decode()
    assert '1<span class="visually-hidden"> match waiting' in badge
    agent_client.post(REVIEW, {"decision": "discard", "match": [match.pk]})
    assert agent_client.get(COUNT).content == b""


def test_the_nav_count_is_the_agents_own(
    agent_client, other_agent, other_client_contact, portal_client
):
    make_match(make_search(other_agent, other_client_contact, requires_screening=True))
    assert agent_client.get(COUNT).content == b""
    assert portal_client.get(COUNT).status_code == 403


@pytest.mark.parametrize("count", [2, 40])
def test_queue_query_count_is_bounded(agent_client, agent, django_assert_max_num_queries, count):
    contacts = [ClientContactFactory(agent=agent) for _ in range(4)]
    for n in range(count):
        search = make_search(agent, contacts[n % 4], name=f"S{n % 6}", requires_screening=True)
        make_match(search)
    with django_assert_max_num_queries(12):
        response = agent_client.get(QUEUE)
    assert response.status_code == 200
    assert response.content.decode().count('name="match"') == count


def test_screening_links_exist_on_the_list(agent_client, agent, client_contact):
    search = make_search(agent, client_contact, requires_screening=True)
    make_match(search)
    body = agent_client.get(reverse("agent:search_list")).content.decode()
    assert "Review 1 match" in body and "1 to review" in body
