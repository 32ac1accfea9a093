"""Reads for searches, each scoped to the agent or the client asking."""

from __future__ import annotations

from django.db.models import QuerySet

from clients.models import Agent, Contact
from listings import search

from .models import PreviousSearch, SavedSearch


def _annotate(rows, *, base_url: str) -> list:
    for row in rows:
        row.summary = search.describe(row.criteria)
        query = search.criteria_to_query_string(row.criteria)
        row.url = f"{base_url}?{query}" if query else base_url
    return rows


def saved_searches_for_contact(contact: Contact, *, base_url: str) -> list[SavedSearch]:
    rows = SavedSearch.objects.filter(agent_id=contact.agent_id, contact=contact)
    return _annotate(list(rows.order_by("-created_at")), base_url=base_url)


def previous_searches_for_contact(
    contact: Contact, *, base_url: str, limit: int = 20
) -> list[PreviousSearch]:
    rows = PreviousSearch.objects.filter(contact=contact).order_by("-run_at", "-id")[:limit]
    return _annotate(list(rows), base_url=base_url)


def saved_searches_for_agent(agent: Agent) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(agent=agent).select_related("contact").order_by("-created_at")


def saved_searches_list_for_agent(agent: Agent, *, base_url: str) -> list[SavedSearch]:
    return _annotate(list(saved_searches_for_agent(agent)), base_url=base_url)
