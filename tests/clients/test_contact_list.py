"""Contact Management: search, filters, sort, columns saved per agent, pagination, query counts."""

import pytest
from django.urls import reverse

from clients.columns import COLUMNS, DEFAULT_COLUMNS
from clients.models import AgentPreferences, Contact, ContactEmail
from clients.services import contact_opt_out, preferences_update
from tests.clients.factories import (
    ClientContactFactory,
    ContactEmailFactory,
    ContactFactory,
    ContactGroupFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("agent:contact_list")


def names(response):
    return [c.full_name for c in response.context["contacts"]]


def test_search_finds_by_name_email_and_phone(agent_client, agent):
    ann = ContactFactory(
        agent=agent, first_name="Annabel", last_name="Zed", phone_mobile="203 555 0199"
    )
    ContactEmailFactory(contact=ann, address="annabel@zed.example")
    ContactFactory(agent=agent, first_name="Bob", last_name="Other")
    for q in ["annab", "zed.example", "555 0199"]:
        response = agent_client.get(URL, {"q": q})
        assert names(response) == ["Annabel Zed"], q


def test_filters_by_group_status_portal_opted_out_and_invalid_email(
    agent_client, agent, client_contact
):
    buyers = ContactGroupFactory(agent=agent, name="Buyers")
    in_group = ContactFactory(agent=agent, first_name="Gina", last_name="Group")
    in_group.groups.add(buyers)
    prospect = ContactFactory(
        agent=agent, first_name="Pat", last_name="Prospect", status="prospect"
    )
    opted = ContactFactory(agent=agent, first_name="Olly", last_name="Opted")
    contact_opt_out(contact=opted, via="agent")
    bad = ContactFactory(agent=agent, first_name="Ivy", last_name="Invalid")
    ContactEmailFactory(contact=bad, validity=ContactEmail.Validity.INVALID)

    assert names(agent_client.get(URL, {"group": buyers.pk})) == ["Gina Group"]
    assert names(agent_client.get(URL, {"status": "prospect"})) == [prospect.full_name]
    assert names(agent_client.get(URL, {"portal": "yes"})) == [client_contact.full_name]
    assert client_contact.full_name not in names(agent_client.get(URL, {"portal": "no"}))
    assert names(agent_client.get(URL, {"opted_out": "yes"})) == ["Olly Opted"]
    assert names(agent_client.get(URL, {"invalid": "on"})) == ["Ivy Invalid"]


def test_hostile_filter_values_do_not_break_the_page(agent_client, agent, other_agent):
    foreign_group = ContactGroupFactory(agent=other_agent)
    ContactFactory(agent=agent)
    for params in [
        {"group": foreign_group.pk},
        {"group": "x'; drop"},
        {"status": "nope"},
        {"sort": "-password"},
        {"page": "999"},
        {"per_page": "10000"},
        {"q": "x" * 500},
    ]:
        assert agent_client.get(URL, params).status_code == 200, params


def test_sort_by_every_column_both_ways(agent_client, agent):
    preferences_update(agent=agent, contact_list_columns=list(COLUMNS))
    ContactFactory(agent=agent, first_name="Amy", last_name="Alpha", status="prospect")
    ContactFactory(agent=agent, first_name="Zoe", last_name="Zulu", status="active")
    for key in COLUMNS:
        for sort in (key, f"-{key}"):
            response = agent_client.get(URL, {"sort": sort})
            assert response.status_code == 200, sort
            assert len(response.context["contacts"]) == 2
    assert names(agent_client.get(URL, {"sort": "name"})) == ["Amy Alpha", "Zoe Zulu"]
    assert names(agent_client.get(URL, {"sort": "-name"})) == ["Zoe Zulu", "Amy Alpha"]
    assert names(agent_client.get(URL, {"sort": "status"})) == ["Zoe Zulu", "Amy Alpha"]


def test_pagination_and_count(agent_client, agent):
    ContactFactory.create_batch(30, agent=agent)
    response = agent_client.get(URL, {"per_page": 25, "page": 2})
    assert response.context["page"].paginator.count == 30
    assert len(response.context["contacts"]) == 5
    assert "30</strong> contacts" in response.content.decode()


def test_list_page_queries_do_not_grow_with_page_size(
    agent_client, agent, django_assert_max_num_queries
):
    preferences_update(agent=agent, contact_list_columns=list(COLUMNS))
    group = ContactGroupFactory(agent=agent)
    for _ in range(40):
        contact = ClientContactFactory(agent=agent)
        ContactEmailFactory(contact=contact, is_primary=False, notify=False)
        contact.groups.add(group)
    with django_assert_max_num_queries(12):
        response = agent_client.get(URL, {"per_page": 100})
    assert len(response.context["contacts"]) == 40


def test_columns_are_saved_per_agent_in_the_chosen_order(agent_client, agent, other_agent):
    response = agent_client.post(
        reverse("agent:contact_columns"), {"columns": ["favorites", "status", "name", "bogus"]}
    )
    assert response.status_code == 302
    assert AgentPreferences.objects.get(agent=agent).contact_list_columns == [
        "favorites",
        "status",
        "name",
    ]
    ContactFactory(agent=agent)
    page = agent_client.get(URL)
    assert [c["key"] for c in page.context["header"]] == ["favorites", "status", "name"]
    assert not AgentPreferences.objects.filter(agent=other_agent).exists()


def test_name_column_cannot_be_removed_and_reset_restores_default(agent_client, agent):
    agent_client.post(reverse("agent:contact_columns"), {"columns": ["status"]})
    assert AgentPreferences.objects.get(agent=agent).contact_list_columns == ["name", "status"]
    agent_client.post(reverse("agent:contact_columns"), {"reset": "1"})
    assert AgentPreferences.objects.get(agent=agent).contact_list_columns == DEFAULT_COLUMNS


def test_action_required_banner_stays_on_the_list(agent_client, agent):
    contact = ContactFactory(agent=agent)
    ContactEmailFactory(contact=contact, validity=ContactEmail.Validity.INVALID)
    body = agent_client.get(URL).content.decode()
    assert "Action Required" in body
    assert reverse("agent:invalid_emails") in body


def test_other_agents_contacts_never_listed(agent_client, agent, other_agents_contact):
    ContactFactory(agent=agent, first_name="Mine")
    response = agent_client.get(URL)
    assert other_agents_contact.full_name not in response.content.decode()
    assert Contact.objects.count() == 2
