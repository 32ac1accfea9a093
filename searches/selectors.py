"""Reads for searches, each scoped to the agent or the client asking."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

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


PREVIOUS_PER_PAGE = 20


def agent_searches_for_contact(contact: Contact, *, base_url: str) -> list[SavedSearch]:
    """The searches the agent set up for this client (saved and automatic), newest first."""
    rows = (
        SavedSearch.objects.filter(agent_id=contact.agent_id, contact=contact)
        .exclude(created_by_id=contact.user_id)
        .order_by("-created_at", "-id")
    )
    return _annotate(list(rows), base_url=base_url)


def own_saved_searches_for_contact(contact: Contact, *, base_url: str) -> list[SavedSearch]:
    """The client's own Saved Searches (the ones they may rename and delete)."""
    rows = SavedSearch.objects.filter(
        agent_id=contact.agent_id, contact=contact, created_by_id=contact.user_id
    ).order_by("-created_at", "-id")
    return _annotate(list(rows), base_url=base_url)


def previous_searches_page(contact: Contact, *, base_url: str, page: str | int | None) -> Page:
    """A page of the client's Previous Searches (two queries: the count and the page)."""
    rows = PreviousSearch.objects.filter(contact=contact).order_by("-run_at", "-id")
    page_obj = Paginator(rows, PREVIOUS_PER_PAGE).get_page(page)
    page_obj.object_list = _annotate(list(page_obj.object_list), base_url=base_url)
    return page_obj


def get_own_saved_search(contact: Contact, pk: int) -> SavedSearch:
    """404 unless the search is this client's own (not the agent's, not another client's)."""
    return get_object_or_404(
        SavedSearch,
        pk=pk,
        agent_id=contact.agent_id,
        contact=contact,
        created_by_id=contact.user_id,
    )


def get_previous_search(contact: Contact, pk: int) -> PreviousSearch:
    return get_object_or_404(PreviousSearch, pk=pk, contact=contact)


def saved_searches_for_agent(agent: Agent) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(agent=agent).select_related("contact").order_by("-created_at")


def saved_searches_list_for_agent(agent: Agent, *, base_url: str) -> list[SavedSearch]:
    return _annotate(list(saved_searches_for_agent(agent)), base_url=base_url)
