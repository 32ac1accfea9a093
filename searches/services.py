"""Writes for searches: recording a client's runs (Previous Searches) and Save this search.
The saved-searches issue adds alerts, frequency and matching on top of these rows."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Agent, Contact, User
from listings import search as listing_search
from listings.services_reactions import client_activity_notify

from .models import PreviousSearch, SavedSearch


@transaction.atomic
def previous_search_record(
    *, contact: Contact, criteria: dict, query_string: str, result_count: int | None
) -> PreviousSearch:
    """One row per run; running the same search again right away (a reload, the back button,
    the next page) moves the last row to now instead of adding a copy."""
    last = (
        PreviousSearch.objects.select_for_update()
        .filter(contact=contact)
        .order_by("-run_at", "-id")
        .first()
    )
    if last is not None and last.criteria == criteria:
        PreviousSearch.objects.filter(pk=last.pk).update(
            run_at=timezone.now(), result_count=result_count
        )
        return last
    return PreviousSearch.objects.create(
        contact=contact,
        criteria=criteria,
        query_string=query_string[:2000],
        result_count=result_count,
    )


@transaction.atomic
def saved_search_create(
    *, agent: Agent, contact: Contact | None, name: str, criteria: dict, created_by: User
) -> SavedSearch:
    """Save this search: a client's own, or an agent's (optionally for one of their contacts)."""
    if contact is not None and contact.agent_id != agent.pk:
        raise PermissionDenied("That contact belongs to another agent.")
    search = SavedSearch(
        agent=agent, contact=contact, name=name.strip(), criteria=criteria, created_by=created_by
    )
    # An empty criteria dict is a real search: every home for sale.
    search.full_clean(exclude=["criteria"])
    search.save()
    if contact is not None and created_by is not None and created_by.pk == contact.user_id:
        client_activity_notify(
            contact=contact,
            kind="saved_search",
            event="saved_search",
            text=f"{contact.full_name} saved a search: {search.name}",
            link=reverse("agent:contact_detail", args=[contact.pk]) + "#saved-searches",
            subject_key=f"search:{search.pk}",
            detail=listing_search.describe(criteria),
        )
    return search


def _client_search(contact: Contact, pk: int) -> SavedSearch:
    """The client's own saved search; the agent's searches for them are read-only here."""
    return SavedSearch.objects.select_for_update().get(
        pk=pk, contact=contact, agent_id=contact.agent_id, created_by_id=contact.user_id
    )


@transaction.atomic
def saved_search_rename(*, contact: Contact, search: SavedSearch, name: str) -> SavedSearch:
    search = _client_search(contact, search.pk)
    search.name = name.strip()
    search.full_clean(exclude=["criteria"])
    search.save(update_fields=["name", "updated_at"])
    return search


@transaction.atomic
def saved_search_delete(*, contact: Contact, search: SavedSearch) -> None:
    _client_search(contact, search.pk).delete()


@transaction.atomic
def previous_search_save(*, contact: Contact, previous: PreviousSearch, name: str) -> SavedSearch:
    """A run from Previous Searches kept as one of the client's Saved Searches."""
    if previous.contact_id != contact.pk:
        raise PermissionDenied("Not this client's search.")
    return saved_search_create(
        agent=contact.agent,
        contact=contact,
        name=(name or listing_search.describe(previous.criteria) or "All homes for sale")[:150],
        criteria=previous.criteria,
        created_by=contact.user,
    )
