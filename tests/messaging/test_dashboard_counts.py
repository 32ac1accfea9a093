"""The Dashboard's Quick access counts: one query, each count right, nothing from another client."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.models import ListingComment, ListingReaction
from messaging.models import FeedItem, Message
from messaging.selectors import dashboard_counts
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def give(contact, agent, *, favorites=0, maybes=0, nots=0, commented=0, unread=0, new=0):
    listings = ListingFactory.create_batch(favorites + maybes + nots + commented)
    kinds = ["favorite"] * favorites + ["maybe"] * maybes + ["not_interested"] * nots
    for listing, kind in zip(listings, kinds, strict=False):
        ListingReaction.objects.create(contact=contact, listing=listing, kind=kind)
    for listing in listings[len(kinds) :]:
        for body in ("first", "second"):  # two comments on one home count once
            ListingComment.objects.create(
                contact=contact, listing=listing, author=contact.agent.user, body=body
            )
    for _ in range(unread):
        Message.objects.create(contact=contact, sender=agent.user, from_agent=True, body="hi")
    Message.objects.create(
        contact=contact, sender=agent.user, from_agent=True, body="read", read_at=timezone.now()
    )
    for number in range(new):
        FeedItem.objects.create(
            agent=agent,
            contact=contact,
            category="listings",
            title=f"{number}",
            share_key=f"new-{number}",
        )
    FeedItem.objects.create(
        agent=agent,
        contact=contact,
        category="listings",
        title="seen",
        share_key="seen",
        opened_at=timezone.now(),
    )
    FeedItem.objects.create(
        agent=agent, contact=contact, category="documents", title="doc", share_key="doc"
    )


def test_counts_are_right_and_scoped_to_the_client(
    client_contact, agent, other_client_contact, other_agent
):
    give(client_contact, agent, favorites=3, maybes=2, nots=1, commented=2, unread=4, new=5)
    give(other_client_contact, other_agent, favorites=7, maybes=7, nots=7, commented=7, unread=7)
    with CaptureQueriesContext(connection) as queries:
        counts = dashboard_counts(client_contact)
    assert len(queries) == 1
    assert counts == {
        "new_listings": 5,
        "favorites": 3,
        "maybes": 2,
        "not_interested": 1,
        "commented": 2,
        "messages": 4,
    }


def test_a_new_client_has_all_zeros(client_contact):
    assert set(dashboard_counts(client_contact).values()) == {0}
