"""Demo feed for the demo client: a few shared homes and a message (idempotent)."""

from __future__ import annotations

from collections import Counter

from clients.models import Contact
from listings.models import Listing

from .models import FeedItem, Message
from .services import message_send, share_listings


def demo_feed_ensure(*, client_email: str) -> Counter:
    created: Counter = Counter()
    contact = (
        Contact.objects.select_related("agent", "agent__user")
        .filter(user__email=client_email)
        .first()
    )
    if contact is None or FeedItem.objects.filter(contact=contact).exists():
        return created
    homes = list(
        Listing.objects.filter(
            standard_status="Active", city=contact.mailing_city or "Guilford"
        ).order_by("-listing_contract_date", "id")[:3]
    ) or list(Listing.objects.filter(standard_status="Active").order_by("id")[:3])
    if homes:
        share_listings(
            agent=contact.agent,
            contacts=[contact],
            listings=homes,
            note="These three just came on the market and fit your list — the second has the yard you wanted.",
        )
        created["shared listings"] += 1
    if not Message.objects.filter(contact=contact).exists():
        message_send(
            contact=contact,
            sender=contact.agent.user,
            body="Welcome to your portal! Tap ♥ on any home you like and I'll set up showings.",
        )
        created["messages"] += 1
    return created
