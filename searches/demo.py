"""Demo saved searches for ``seed_demo``: automatic and saved ones, a screened one with matches
waiting in the agent's queue, a first alert in the demo client's feed, and searches of other
contacts (reverse prospecting on) so a listing page shows who is looking. Idempotent."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from clients.models import Agent, Contact
from listings.models import Listing, ListingEvent

from .alerts import alert_send_for_contact
from .models import ChangeType, MatchingCursor, SavedSearch
from .services import saved_search_create

ALERTING = ChangeType.NEW | ChangeType.PRICE_DECREASE | ChangeType.BACK_ON_MARKET


def _busiest_cities(limit: int) -> list[str]:
    rows = (
        Listing.objects.filter(standard_status="Active")
        .values("city")
        .annotate(n=Count("id"))
        .order_by("-n", "city")[:limit]
    )
    return [row["city"] for row in rows] or ["Guilford"]


def demo_searches_ensure(*, client_email: str) -> Counter:
    created: Counter = Counter()
    contact = (
        Contact.objects.select_related("agent__user", "user")
        .filter(user__email=client_email)
        .first()
    )
    if contact is None or SavedSearch.objects.filter(contact=contact, kind="automatic").exists():
        return created
    # The matcher starts after the demo's history: old events are not news.
    latest = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    MatchingCursor.objects.all().delete()
    MatchingCursor.objects.create(last_event_id=latest)

    agent = contact.agent
    cities = _busiest_cities(6)
    home_city = contact.mailing_city if contact.mailing_city in cities else cities[0]
    plans = [
        (
            f"{home_city} family homes",
            {"q": home_city, "beds": 3, "type": "Residential"},
            {"frequency": "daily", "send_hour": 8, "change_types": ALERTING},
        ),
        (
            "Starter homes under $400k",
            {"max_price": 400000, "beds": 2},
            {
                "frequency": "asap",
                "change_types": ALERTING | ChangeType.PENDING,
                "requires_screening": True,
            },
        ),
    ]
    for name, criteria, settings in plans:
        saved_search_create(
            agent=agent,
            contact=contact,
            name=name,
            criteria=criteria,
            created_by=agent.user,
            alert_settings={"kind": "automatic", "first_send": "all", **settings},
        )
        created["automatic searches"] += 1
    saved_search_create(
        agent=agent,
        contact=contact,
        name="Near the water",
        criteria={"q": cities[1] if len(cities) > 1 else home_city, "keywords": "water"},
        created_by=contact.user,
    )
    created["saved searches"] += 1
    if alert_send_for_contact(contact_id=contact.pk) is not None:
        created["search alerts"] += 1

    # Other clients of both agents, with reverse prospecting on, looking in the busiest cities.
    for other_agent in Agent.objects.order_by("id")[:2]:
        others = Contact.objects.filter(agent=other_agent).exclude(pk=contact.pk).order_by("id")
        for index, other in enumerate(others[:8]):
            Contact.objects.filter(pk=other.pk).update(reverse_prospecting=True)
            city = cities[index % len(cities)]
            saved_search_create(
                agent=other_agent,
                contact=other,
                name=f"{city}, {2 + index % 3}+ beds",
                criteria={"q": city, "beds": 2 + index % 3},
                created_by=other_agent.user,
                alert_settings={"kind": "automatic", "first_send": "new_only"},
            )
            created["prospect searches"] += 1
    return created
