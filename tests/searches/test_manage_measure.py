"""Figures for the management pages at a realistic size: queries and render time, printed as
"[measure] …" (run with -s); only the query bounds are asserted, never the time."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from searches.models import SavedSearch, SearchMatch
from tests.clients.factories import ClientContactFactory, ContactFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def measure(client, url, label, runs=5):
    client.get(url)  # warm templates and caches
    walls, cpus = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200
    walls.sort()
    cpus.sort()
    # CPU time of this process (Django's share) is steadier than wall time on a shared machine.
    print(
        f"[measure] {label}: {len(queries.captured_queries)} queries, median "
        f"{cpus[runs // 2]:.1f} ms CPU / {walls[runs // 2]:.1f} ms wall over {runs} runs"
    )
    return len(queries.captured_queries)


def test_measure_management_pages(agent, agent_client, client_contact, portal_client):
    contacts = [ClientContactFactory(agent=agent, reverse_prospecting=True) for _ in range(40)]
    listings = ListingFactory.create_batch(60, city="Hartford")
    searches = SavedSearch.objects.bulk_create(
        [
            SavedSearch(
                agent=agent,
                contact=contacts[n % 40],
                name=f"Search {n}",
                criteria={"q": "Hartford", "min_price": 100000 + n},
                kind="automatic",
                requires_screening=n % 3 == 0,
                created_by=agent.user,
                c_area_kind="city",
                c_city="HARTFORD",
                c_min_price=100000 + n,
            )
            for n in range(500)
        ]
    )
    SearchMatch.objects.bulk_create(
        [
            SearchMatch(
                search=search,
                listing=listings[n % 60],
                reason="new",
                state="screening",
                matched_at=search.created_at,
            )
            for n, search in enumerate(s for s in searches if s.requires_screening)
            for _ in range(1)
        ]
        + [
            SearchMatch(
                search=searches[0],
                listing=listing,
                reason="new",
                state="screening",
                matched_at=searches[0].created_at,
            )
            for listing in listings[1:]
        ]
    )
    for n in range(30):
        SavedSearch.objects.create(
            agent=agent, contact=client_contact, name=f"For Ann {n}", kind="automatic"
        )
        SavedSearch.objects.create(
            agent=agent,
            contact=client_contact,
            name=f"Ann's own {n}",
            kind="automatic",
            created_by=client_contact.user,
        )
    other_agents_contacts = [ContactFactory(reverse_prospecting=True) for _ in range(20)]
    for contact in other_agents_contacts:
        SavedSearch.objects.create(
            agent=contact.agent, contact=contact, name="Theirs", criteria={"q": "Hartford"}
        )

    assert measure(agent_client, "/agent/searches/", "Saved searches, page 1 of 560") <= 12
    assert measure(agent_client, "/agent/searches/?state=screening", "…filtered: screening") <= 12
    assert measure(agent_client, "/agent/searches/screening/", "Screening, 226 waiting") <= 12
    assert (
        measure(agent_client, f"/agent/listings/{listings[0].pk}/prospects/", "Who's looking") <= 12
    )
    assert measure(agent_client, "/agent/searches/screening/count/", "Nav count fragment") <= 6
    assert measure(portal_client, "/portal/searches/", "My Searches, 60 searches") <= 15
