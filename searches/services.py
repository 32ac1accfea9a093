"""Writes for searches: recording a client's runs (Previous Searches) and Save this search.
The saved-searches issue adds alerts, frequency and matching on top of these rows."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from clients.models import Agent, Contact, User

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
    return search
