"""Saved searches and matches for the management-UI tests (rows written directly: these tests are
about the pages, the engine has its own)."""

import datetime

from django.utils import timezone

from searches.models import SavedSearch, SearchMatch, SearchTally
from tests.listings.factories import ListingFactory


def make_search(agent, contact=None, **fields) -> SavedSearch:
    fields.setdefault("name", "Hartford homes")
    fields.setdefault("criteria", {"q": "Hartford"})
    fields.setdefault("kind", SavedSearch.Kind.AUTOMATIC if contact else SavedSearch.Kind.SAVED)
    fields.setdefault("created_by", agent.user)
    tally = {k: fields.pop(k) for k in ("match_count", "last_match_at") if k in fields}
    search = SavedSearch.objects.create(agent=agent, contact=contact, **fields)
    if tally:
        SearchTally.objects.create(search=search, **tally)
    return search


def make_match(search, *, state=SearchMatch.State.SCREENING, listing=None, **fields):
    fields.setdefault("reason", "new")
    fields.setdefault("matched_at", timezone.now() - datetime.timedelta(hours=1))
    return SearchMatch.objects.create(
        search=search, listing=listing or ListingFactory(), state=state, **fields
    )
