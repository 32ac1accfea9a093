"""The agent's side of Favorites & Comments: the client's levels and comment threads on the
contact's page, and the agent's reply to a thread, scoped to the agent's own contacts."""

import pytest
from django.urls import reverse

from listings.models import ListingComment, ListingReaction
from listings.services_reactions import comment_add, reaction_set
from notifications.models import AgentNotification
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def _url(contact, listing):
    return reverse("agent:contact_listing_comment", args=[contact.pk, listing.pk])


def test_contact_page_loads_the_homes_and_comments_section(agent_client, client_contact):
    body = agent_client.get(reverse("agent:contact_detail", args=[client_contact.pk])).content
    assert reverse("agent:contact_listings", args=[client_contact.pk]).encode() in body


def test_agent_sees_levels_and_threads(agent_client, agent, client_contact):
    fav, maybe, nope = ListingFactory.create_batch(3)
    reaction_set(contact=client_contact, listing=fav, kind="favorite")
    reaction_set(contact=client_contact, listing=maybe, kind="maybe")
    reaction_set(contact=client_contact, listing=nope, kind="not_interested")
    comment_add(contact=client_contact, author=client_contact.user, listing=fav, body="Love it!")
    url = reverse("agent:contact_listings", args=[client_contact.pk])
    partial = agent_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    for text in ("Favorites", "Maybe", "Not interested", "Commented", "Love it!", "Ann O"):
        assert text in partial
    for listing in (fav, maybe, nope):
        assert f'id="listing-{listing.pk}"' in partial
    page = agent_client.get(url).content.decode()
    assert "<html" in page and "Love it!" in page


def test_agent_replies_to_a_thread(agent_client, agent, client_contact, portal_client):
    listing = ListingFactory()
    comment_add(contact=client_contact, author=client_contact.user, listing=listing, body="Pool?")
    response = agent_client.post(_url(client_contact, listing), {"body": "Yes, heated."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#listing-{listing.pk}")
    reply = ListingComment.objects.latest("id")
    assert (reply.author, reply.contact, reply.body) == (agent.user, client_contact, "Yes, heated.")
    # The client sees it in their thread; the agent's own reply rings no bell.
    assert "Yes, heated." in portal_client.get("/portal/favorites/").content.decode()
    assert (
        not AgentNotification.objects.filter(kind="commented")
        .exclude(text__contains="commented")
        .exists()
    )
    assert AgentNotification.objects.filter(kind="commented").count() == 1


def test_agent_reply_with_htmx_swaps_the_card(agent_client, client_contact):
    listing = ListingFactory()
    response = agent_client.post(
        _url(client_contact, listing),
        {"body": "Have a look", "group": "commented"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Have a look" in body and f'id="commented-{listing.pk}"' in body


@pytest.mark.parametrize("body", ["", "  ", "y" * 4001])
def test_empty_or_huge_reply_is_refused(agent_client, client_contact, body):
    listing = ListingFactory()
    response = agent_client.post(
        _url(client_contact, listing), {"body": body}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "field__error" in response.content.decode()
    assert agent_client.post(_url(client_contact, listing), {"body": body}).status_code == 302
    assert not ListingComment.objects.exists()


def test_reply_is_escaped_for_the_client(agent_client, client_contact, portal_client):
    listing = ListingFactory()
    agent_client.post(_url(client_contact, listing), {"body": "<img src=x onerror=alert(1)>"})
    body = portal_client.get("/portal/favorites/").content.decode()
    assert "<img src=x onerror" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_another_agents_contact_is_404_and_unchanged(
    agent_client, other_client_contact, client_contact
):
    listing = ListingFactory()
    assert agent_client.post(_url(other_client_contact, listing), {"body": "Hi"}).status_code == 404
    assert (
        agent_client.get(
            reverse("agent:contact_listings", args=[other_client_contact.pk])
        ).status_code
        == 404
    )
    bad = reverse("agent:contact_listing_comment", args=[client_contact.pk, 999999])
    assert agent_client.post(bad, {"body": "Hi"}).status_code == 404
    assert not ListingComment.objects.exists()


def test_a_client_cannot_use_the_agent_reply(portal_client, client_contact):
    listing = ListingFactory()
    assert portal_client.post(_url(client_contact, listing), {"body": "Hi"}).status_code == 403
    assert not ListingComment.objects.exists()


@pytest.mark.parametrize("count", [10, 1000])
def test_query_count_is_bounded(
    agent_client, agent, client_contact, count, django_assert_max_num_queries
):
    from listings.models import Listing

    listings = Listing.objects.bulk_create(ListingFactory.build_batch(count))
    kinds = ["favorite", "maybe", "not_interested"]
    ListingReaction.objects.bulk_create(
        ListingReaction(contact=client_contact, listing=listing, kind=kinds[index % 3])
        for index, listing in enumerate(listings)
    )
    ListingComment.objects.bulk_create(
        ListingComment(contact=client_contact, listing=listing, author=agent.user, body="x")
        for listing in listings
    )
    url = reverse("agent:contact_listings", args=[client_contact.pk])
    with django_assert_max_num_queries(15):
        assert agent_client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    with django_assert_max_num_queries(15):
        assert agent_client.get(url, {"group": "favorite", "page": 3}).status_code == 200
    with django_assert_max_num_queries(25):
        detail = reverse("agent:contact_detail", args=[client_contact.pk])
        assert agent_client.get(detail).status_code == 200
