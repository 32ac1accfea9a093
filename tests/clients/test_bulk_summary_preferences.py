"""Bulk actions, the Contact Summary report, Portal Preferences and the agent's view of a client."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from clients.models import AgentPreferences, Contact, PortalLogin
from clients.selectors import agent_wants_notice, portal_card_fields_for_agent
from notifications.models import OutboundEmail
from searches.models import PreviousSearch, SavedSearch
from tests.clients.factories import ContactEmailFactory, ContactFactory, ContactGroupFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db
BULK = reverse("agent:contacts_bulk")


def test_bulk_group_add_remove_and_status(agent_client, agent):
    group = ContactGroupFactory(agent=agent)
    contacts = ContactFactory.create_batch(3, agent=agent)
    ids = [c.pk for c in contacts]
    agent_client.post(BULK, {"action": "group_add", "ids": ids, "group": group.pk})
    assert group.contacts.count() == 3
    agent_client.post(BULK, {"action": "group_remove", "ids": ids[:2], "group": group.pk})
    assert list(group.contacts.all()) == [contacts[2]]
    agent_client.post(BULK, {"action": "status", "ids": ids, "status": "past_client"})
    assert set(Contact.objects.values_list("status", flat=True)) == {"past_client"}
    assert all(c.consent_events.exists() for c in Contact.objects.all())


def test_bulk_invite_and_export(agent_client, agent, django_capture_on_commit_callbacks):
    contact = ContactFactory(agent=agent, first_name="Bulk")
    ContactEmailFactory(contact=contact, address="bulk@example.com")
    no_email = ContactFactory(agent=agent, first_name="Nomail")
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            BULK, {"action": "invite", "ids": [contact.pk, no_email.pk]}, follow=True
        )
    body = response.content.decode()
    assert "Sent 1 portal invitation" in body and "Nomail" in body
    assert len(mail.outbox) == 1
    export = agent_client.post(BULK, {"action": "export", "ids": [contact.pk]})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "Bulk"


@pytest.mark.parametrize("action", ["group_add", "group_remove", "status", "invite", "export"])
def test_bulk_with_a_foreign_id_is_404_and_does_nothing(
    agent_client, agent, other_agent, other_client_contact, action
):
    group = ContactGroupFactory(agent=agent)
    mine = ContactFactory(agent=agent)
    ContactEmailFactory(contact=mine)
    data = {
        "action": action,
        "ids": [mine.pk, other_client_contact.pk],
        "group": group.pk,
        "status": "inactive",
    }
    assert agent_client.post(BULK, data).status_code == 404
    assert agent_client.post(BULK, {**data, "ids": [mine.pk, "abc"]}).status_code == 404
    mine.refresh_from_db()
    assert mine.status == "active" and not mine.groups.exists() and mine.user is None
    assert not OutboundEmail.objects.exists()


def test_bulk_with_a_foreign_group_changes_nothing(agent_client, agent, other_agent):
    foreign = ContactGroupFactory(agent=other_agent)
    mine = ContactFactory(agent=agent)
    agent_client.post(BULK, {"action": "group_add", "ids": [mine.pk], "group": foreign.pk})
    assert not foreign.contacts.exists()


def test_contact_summary_counts_and_csv(
    agent_client, agent, client_contact, django_assert_max_num_queries
):
    listing = ListingFactory()
    client_contact.listing_views.create(listing=listing, view_count=3)
    client_contact.listing_reactions.create(listing=listing, kind="favorite")
    client_contact.listing_comments.create(
        listing=listing, body="Love the kitchen", author=client_contact.user
    )
    SavedSearch.objects.create(agent=agent, contact=client_contact, name="2 beds")
    PortalLogin.objects.create(contact=client_contact)
    ContactFactory.create_batch(20, agent=agent)
    with django_assert_max_num_queries(8):
        response = agent_client.get(reverse("agent:contact_summary"), {"period": "30"})
    row = next(r for r in response.context["rows"] if r.pk == client_contact.pk)
    assert (
        row.login_count,
        row.viewed_count,
        row.favorite_count,
        row.comment_count,
        row.search_count,
    ) == (1, 1, 1, 1, 1)
    export = agent_client.get(reverse("agent:contact_summary"), {"period": "all", "format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Name", "Status", "Portal", "Last visit"]
    assert any(r[0] == client_contact.full_name for r in rows[1:])
    assert (
        agent_client.get(reverse("agent:contact_summary"), {"period": "bogus"}).status_code == 200
    )


def test_portal_preferences_saved_and_exposed(agent_client, agent):
    assert portal_card_fields_for_agent(agent) == set(AgentPreferences.CardField.values)
    response = agent_client.post(
        reverse("agent:portal_preferences"),
        {
            "invitation_message": "Welcome!",
            "portal_card_fields": ["photo", "phone_mobile"],
            "notify_on_comment": "on",
        },
    )
    assert response.status_code == 302
    preferences = AgentPreferences.objects.get(agent=agent)
    assert preferences.invitation_message == "Welcome!"
    assert portal_card_fields_for_agent(agent) == {"photo", "phone_mobile"}
    assert agent_wants_notice(agent, "comment") and not agent_wants_notice(agent, "favorite")


def test_client_view_shows_portal_status_activity_and_emails(agent_client, agent, client_contact):
    listing = ListingFactory()
    client_contact.listing_views.create(listing=listing)
    client_contact.listing_reactions.create(listing=listing, kind="favorite")
    PreviousSearch.objects.create(contact=client_contact, query_string="beds=3", criteria={})
    OutboundEmail.objects.create(
        kind="message",
        to_contact=client_contact,
        to_address="x@example.com",
        template="agent_message",
        subject="Homes for you",
        body_text="hi",
        idempotency_key="k1",
        status="sent",
    )
    body = agent_client.get(
        reverse("agent:contact_detail", args=[client_contact.pk])
    ).content.decode()
    for text in [
        "Recent activity",
        "Viewed",
        "Favorite",
        "Searched",
        "Homes for you",
        reverse("agent:contact_edit", args=[client_contact.pk]),
        f"for_contact={client_contact.pk}",
        "Invited",
        "Accepted",
    ]:
        assert text in body, text
