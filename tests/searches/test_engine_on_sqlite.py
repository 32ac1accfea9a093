"""`make run` serves the demo from SQLite: the matcher's portable path (no covering indexes, no
prepared statement, the contact checked by a join) must work there too. Runs in a fresh
interpreter with the embedded default settings and a throwaway SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = """
import django, datetime
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from decimal import Decimal
from django.utils import timezone
from clients.models import Agent, Contact, User
from listings.models import Listing, ListingEvent
from searches.matching import match_event_range, reverse_prospect_search_ids
from searches.models import SavedSearch, SearchMatch

user = User.objects.create_user(email="a@example.com", password="x" * 12, role="agent")
agent = Agent.objects.create(user=user)
contact = Contact.objects.create(agent=agent, first_name="Ann", last_name="Lee",
                                 reverse_prospecting=True)

def listing(n, **fields):
    base = dict(listing_key=f"K{n}", listing_id=f"MB{n:06d}", standard_status="Active",
                list_price=Decimal("300000"), city="Avon", postal_code="06001",
                street_number=str(n), street_name="Maple", street_suffix="St",
                latitude=Decimal("41.8"), longitude=Decimal("-72.9"), property_type="Residential",
                bedrooms_total=3, public_remarks="Sunny porch and a barn.",
                modification_timestamp=timezone.now())
    base.update(fields)
    return Listing.objects.create(**base)

homes = [listing(1), listing(2, public_remarks="Plain."), listing(3, list_price=Decimal("900000"))]
searches = {
    "city": {"q": "Avon", "max_price": 400000},
    "barn": {"q": "Avon", "keywords": "barn"},
    "address": {"q": "2 Maple"},
}
made = {name: SavedSearch.objects.create(agent=agent, contact=contact, name=name, criteria=c,
                                         kind="automatic") for name, c in searches.items()}
events = [ListingEvent.objects.create(listing=h, kind="new", occurred_at=timezone.now())
          for h in homes]
result = match_event_range(0, events[-1].pk)
again = match_event_range(0, events[-1].pk)
got = {(m.search.name, m.listing.listing_id) for m in SearchMatch.objects.select_related("search", "listing")}
assert got == {("city", "MB000001"), ("city", "MB000002"), ("barn", "MB000001"),
               ("barn", "MB000003"), ("address", "MB000002")}, got
assert again.matches_created == 0
assert made["city"].__class__.objects.get(pk=made["city"].pk).match_count == 2
assert sorted(reverse_prospect_search_ids(homes[0])) == sorted([made["city"].pk, made["barn"].pk])
Contact.objects.filter(pk=contact.pk).update(reverse_prospecting=False)
assert reverse_prospect_search_ids(homes[0]) == []
print("ok")
"""


def test_the_matcher_works_on_sqlite(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal_project.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'engine.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")
