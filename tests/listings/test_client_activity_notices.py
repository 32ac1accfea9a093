"""The agent hears what their client does in the portal: a Favorite, a comment, a saved search
each put an entry on the bell and, per Portal Preferences, email the agent."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import AgentPreferences
from listings.services_reactions import comment_add, reaction_set
from notifications.models import AgentNotification, OutboundEmail
from searches.services import saved_search_create
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def _notice_emails():
    return OutboundEmail.objects.filter(
        kind=OutboundEmail.Kind.AGENT_NOTICE, template="agent_client_activity"
    )


def _switch_off(agent, **flags):
    AgentPreferences.objects.update_or_create(agent=agent, defaults=flags)


def test_a_favorite_rings_the_bell_and_emails_the_agent(portal_client, agent, client_contact):
    listing = ListingFactory()
    portal_client.post(reverse("portal:listing_react", args=[listing.pk]), {"kind": "favorite"})
    notice = AgentNotification.objects.get()
    assert (notice.agent, notice.contact, notice.kind) == (agent, client_contact, "favorited")
    assert notice.link == reverse("agent:listing_detail", args=[listing.pk])
    assert listing.address_line in notice.text
    email = _notice_emails().get()
    assert email.to_address == agent.user.email
    assert client_contact.full_name in email.subject and "favorited" in email.subject
    assert f"/agent/listings/{listing.pk}/" in email.body_text
    assert f"/agent/listings/{listing.pk}/" in email.body_html


@pytest.mark.parametrize("kind", ["maybe", "not_interested"])
def test_maybe_and_not_interested_are_not_news(portal_client, client_contact, kind):
    listing = ListingFactory()
    portal_client.post(reverse("portal:listing_react", args=[listing.pk]), {"kind": kind})
    assert not AgentNotification.objects.exists() and not _notice_emails().exists()


def test_a_favorite_toggled_off_and_on_within_a_minute_notifies_once(client_contact):
    listing = ListingFactory()
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    reaction_set(contact=client_contact, listing=listing, kind="favorite")  # no change
    reaction_set(contact=client_contact, listing=listing, kind=None)
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    reaction_set(contact=client_contact, listing=listing, kind="maybe")
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    assert AgentNotification.objects.count() == 1 and _notice_emails().count() == 1
    later = timezone.now() + timedelta(minutes=2)
    reaction_set(contact=client_contact, listing=listing, kind=None)
    with mock.patch("django.utils.timezone.now", return_value=later):
        reaction_set(contact=client_contact, listing=listing, kind="favorite")
    assert AgentNotification.objects.count() == 2 and _notice_emails().count() == 2


def test_preference_off_keeps_the_bell_but_sends_no_email(agent, client_contact):
    _switch_off(agent, notify_on_favorite=False, notify_on_comment=False)
    listing = ListingFactory()
    reaction_set(contact=client_contact, listing=listing, kind="favorite")
    comment_add(contact=client_contact, author=client_contact.user, listing=listing, body="Hi")
    assert AgentNotification.objects.count() == 2
    assert not _notice_emails().exists()


def test_a_client_comment_notifies_with_a_link_to_the_thread(
    portal_client, agent_client, client_contact
):
    listing = ListingFactory()
    portal_client.post(
        reverse("portal:listing_comment", args=[listing.pk]),
        {"body": "<b>Is the roof new?</b>"},
    )
    notice = AgentNotification.objects.get(kind="commented")
    contact_listings = reverse("agent:contact_listings", args=[client_contact.pk])
    assert notice.link == f"{contact_listings}#commented-{listing.pk}"
    # The link lands on the thread, with the reply form.
    page = agent_client.get(notice.link).content.decode()
    assert f'id="commented-{listing.pk}"' in page and "Is the roof new?" in page
    email = _notice_emails().get()
    assert "<b>Is the roof new?</b>" in email.body_text
    assert "&lt;b&gt;Is the roof new?&lt;/b&gt;" in email.body_html
    assert "<b>Is the roof new?</b>" not in email.body_html


def test_a_burst_of_comments_on_one_listing_is_one_notice(client_contact):
    listing = ListingFactory()
    comment_add(contact=client_contact, author=client_contact.user, listing=listing, body="One")
    comment_add(contact=client_contact, author=client_contact.user, listing=listing, body="Two")
    # The bell entry links to the same place; the second within the minute is quiet.
    assert AgentNotification.objects.filter(kind="commented").count() == 1
    assert _notice_emails().count() == 1


def test_the_agents_own_comment_notifies_nobody(agent, client_contact):
    comment_add(contact=client_contact, author=agent.user, listing=ListingFactory(), body="Hi")
    assert not AgentNotification.objects.exists() and not _notice_emails().exists()


def test_a_client_saving_a_search_notifies_the_agent(portal_client, agent, client_contact):
    portal_client.post(
        "/portal/searches/save/", {"name": "Hartford 3 beds", "query": "q=Hartford&beds=3"}
    )
    notice = AgentNotification.objects.get()
    assert notice.kind == "saved_search" and "Hartford 3 beds" in notice.text
    assert notice.link.startswith(reverse("agent:contact_detail", args=[client_contact.pk]))
    assert "Hartford" in _notice_emails().get().body_text


def test_saved_search_email_follows_its_preference(agent, client_contact):
    _switch_off(agent, notify_on_saved_search=False)
    saved_search_create(
        agent=agent,
        contact=client_contact,
        name="Quiet",
        criteria={},
        created_by=client_contact.user,
    )
    assert AgentNotification.objects.filter(kind="saved_search").count() == 1
    assert not _notice_emails().exists()


def test_an_agent_saving_for_a_client_notifies_nobody(agent, client_contact):
    saved_search_create(
        agent=agent, contact=client_contact, name="For Ann", criteria={}, created_by=agent.user
    )
    assert not AgentNotification.objects.exists() and not _notice_emails().exists()


def test_a_failed_comment_notifies_nobody(portal_client):
    listing = ListingFactory()
    portal_client.post(reverse("portal:listing_comment", args=[listing.pk]), {"body": "  "})
    assert not AgentNotification.objects.exists() and not _notice_emails().exists()
