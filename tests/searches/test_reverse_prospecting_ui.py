"""Reverse prospecting on the agent's listing page: own contacts by name with a Send button,
other agents' contacts only as a count beside that agent's own details — never the contact."""

import pytest
from django.urls import reverse

from tests.clients.factories import AgentFactory, ClientContactFactory, ContactFactory
from tests.listings.factories import ListingFactory
from tests.searches.factories import make_search

pytestmark = pytest.mark.django_db


def prospects_url(listing):
    return reverse("agent:listing_prospects", args=[listing.pk])


@pytest.fixture
def listing(db):
    return ListingFactory(city="Hartford", list_price=450000, bedrooms_total=3)


def test_own_contacts_by_name_with_a_send_button(agent_client, agent, client_contact, listing):
    client_contact.reverse_prospecting = True
    client_contact.save()
    make_search(agent, client_contact, name="Hartford 3 beds", criteria={"q": "Hartford"})
    body = agent_client.get(prospects_url(listing)).content.decode()
    assert "<strong>1</strong> saved search with reverse prospecting matches this home" in body
    assert "Ann O&#x27;Neil" in body and "Hartford 3 beds" in body
    assert f"/agent/share/listings/?listing={listing.pk}&amp;to={client_contact.pk}" in body


def test_the_send_button_prefills_the_share_page(agent_client, client_contact, listing):
    response = agent_client.get(
        f"/agent/share/listings/?listing={listing.pk}&to={client_contact.pk}"
    )
    form = response.context["form"]
    assert form.initial["recipients"] == [client_contact.pk]
    assert form.initial["listings"] == [str(listing.pk)]


def test_other_agents_contacts_are_only_a_count_with_that_agents_details(agent_client, listing):
    rival = AgentFactory(
        display_name="Rita Rival",
        phone_mobile="(860) 555-0199",
        public_email="rita@rival.example",
        brokerage_name="Rival Realty",
    )
    for first, last in (("Secret", "Buyer"), ("Hidden", "Person")):
        contact = ContactFactory(
            agent=rival, first_name=first, last_name=last, reverse_prospecting=True
        )
        make_search(rival, contact, name=f"{first}'s private wish", criteria={"q": "Hartford"})
    body = agent_client.get(prospects_url(listing)).content.decode()
    assert "Rita Rival" in body and "(860) 555-0199" in body and "rita@rival.example" in body
    assert "2 clients" in body
    for secret in ("Secret", "Buyer", "Hidden", "Person", "private wish"):
        assert secret not in body


def test_a_contact_with_reverse_prospecting_off_never_counts(
    agent_client, agent, client_contact, other_agent, listing
):
    client_contact.reverse_prospecting = False
    client_contact.save()
    make_search(agent, client_contact, name="Mine, flag off", criteria={"q": "Hartford"})
    off = ContactFactory(agent=other_agent, first_name="Off", reverse_prospecting=False)
    make_search(other_agent, off, name="Theirs, flag off", criteria={"q": "Hartford"})
    body = agent_client.get(prospects_url(listing)).content.decode()
    assert "No saved search with reverse prospecting matches this home" in body
    assert "Ann" not in body and "Omar" not in body


def test_searches_that_do_not_match_are_not_counted(agent_client, agent, listing):
    contact = ClientContactFactory(agent=agent, first_name="Wanda", reverse_prospecting=True)
    make_search(agent, contact, name="Too cheap", criteria={"q": "Hartford", "max_price": 100000})
    make_search(agent, contact, name="Elsewhere", criteria={"q": "Stamford"})
    body = agent_client.get(prospects_url(listing)).content.decode()
    assert "Wanda" not in body


def test_the_listing_page_loads_the_fragment(agent_client, listing):
    body = agent_client.get(reverse("agent:listing_detail", args=[listing.pk])).content.decode()
    assert f'hx-get="{prospects_url(listing)}"' in body


def test_missing_listing_and_clients_are_refused(agent_client, portal_client):
    assert agent_client.get("/agent/listings/99999999/prospects/").status_code == 404
    listing = ListingFactory()
    assert portal_client.get(prospects_url(listing)).status_code == 403


def test_the_same_listing_seen_by_the_other_agent_hides_our_contact(
    agent, client_contact, other_agent, listing, client
):
    client_contact.reverse_prospecting = True
    client_contact.save()
    make_search(agent, client_contact, name="Ann's wish", criteria={"q": "Hartford"})
    client.force_login(other_agent.user)
    body = client.get(prospects_url(listing)).content.decode()
    assert "Dana Whitaker" in body and "1 client" in body
    assert "O&#x27;Neil" not in body and "Ann" not in body and "wish" not in body
