"""Writes for searches: recording a client's runs (Previous Searches) and Save this search.
The saved-searches issue adds alerts, frequency and matching on top of these rows."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Agent, Contact, User
from listings import search as listing_search
from listings.services_reactions import client_activity_notify

from .matching import first_send_matches
from .models import PreviousSearch, SavedSearch, SearchMatch, SearchTally

# What AlertSettingsForm edits; both faces write through search_settings_update.
ALERT_SETTING_FIELDS = (
    "kind",
    "frequency",
    "send_hour",
    "send_weekday",
    "time_zone",
    "change_types",
    "first_send",
    "requires_screening",
)
# What a client may change on a search (screening is the agent's call).
CLIENT_SETTING_FIELDS = ("frequency", "send_hour", "send_weekday", "change_types")


@transaction.atomic
def previous_search_record(
    *, contact: Contact, criteria: dict, query_string: str, result_count: int | None
) -> PreviousSearch:
    """One row per run; running the same search again right away (a reload, the back button,
    the next page) moves the last row to now instead of adding a copy."""
    if connection.vendor == "postgresql":
        # A history row is not worth waiting for the disk on every search page (~14 ms under
        # load): if the server crashed this instant, losing the last run is acceptable.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
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
    *,
    agent: Agent,
    contact: Contact | None,
    name: str,
    criteria: dict,
    created_by: User,
    alert_settings: dict | None = None,
) -> SavedSearch:
    """Save this search: a client's own, or an agent's (optionally for one of their contacts).
    ``alert_settings``: AlertSettingsForm's cleaned data (kind, frequency, change types…)."""
    if contact is not None and contact.agent_id != agent.pk:
        raise PermissionDenied("That contact belongs to another agent.")
    search = SavedSearch(
        agent=agent, contact=contact, name=name.strip(), criteria=criteria, created_by=created_by
    )
    for field, value in (alert_settings or {}).items():
        if field in ALERT_SETTING_FIELDS:
            setattr(search, field, value)
    if contact is None:
        search.kind = SavedSearch.Kind.SAVED  # alerts need someone to send them to
    # An empty criteria dict is a real search: every home for sale.
    search.full_clean(exclude=["criteria"])
    search.save()
    if search.kind == SavedSearch.Kind.AUTOMATIC:
        first_send_matches(search)
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


# --- Alerts: settings, pausing, screening ----------------------------------------------------------


def _agent_search(agent: Agent, pk: int) -> SavedSearch:
    return SavedSearch.objects.select_for_update().get(pk=pk, agent=agent)


@transaction.atomic
def search_settings_update(
    *, search: SavedSearch, changes: dict, by_client: Contact | None = None
) -> SavedSearch:
    """Applies AlertSettingsForm's cleaned data. A client changes only the timing and the change
    types of searches that are theirs (made by them or by their agent for them)."""
    if by_client is not None:
        search = SavedSearch.objects.select_for_update().get(pk=search.pk, contact=by_client)
        allowed = CLIENT_SETTING_FIELDS
        if by_client.user_id is not None and search.created_by_id == by_client.user_id:
            allowed = (*allowed, "kind")  # their own search: they decide whether it emails
    else:
        search = _agent_search(search.agent, search.pk)
        allowed = ALERT_SETTING_FIELDS
    was_automatic = search.kind == SavedSearch.Kind.AUTOMATIC
    for field in allowed:
        if field in changes and changes[field] is not None:
            setattr(search, field, changes[field])
    if search.contact_id is None:
        search.kind = SavedSearch.Kind.SAVED
    if "frequency" in changes:
        search.slow_down_clear()
    search.full_clean(exclude=["criteria"])
    search.save()
    if search.kind == SavedSearch.Kind.AUTOMATIC and not was_automatic:
        first_send_matches(search)
    return search


@transaction.atomic
def saved_search_rename_by_agent(*, agent: Agent, search: SavedSearch, name: str) -> SavedSearch:
    search = _agent_search(agent, search.pk)
    search.name = name.strip()
    search.full_clean(exclude=["criteria"])
    search.save(update_fields=["name", "updated_at"])
    return search


@transaction.atomic
def search_criteria_update(*, agent: Agent, search: SavedSearch, criteria: dict) -> SavedSearch:
    """The agent edits what a search looks for (from Search Listings, "Update search")."""
    search = _agent_search(agent, search.pk)
    search.criteria = criteria
    search.flagged_broad_at = None
    search.save()
    return search


@transaction.atomic
def search_pause(*, search: SavedSearch, by: str) -> SavedSearch:
    search = SavedSearch.objects.select_for_update().get(pk=search.pk)
    search.is_paused, search.paused_by = True, by
    search.save(update_fields=["is_paused", "paused_by", "updated_at"])
    # Matches waiting for an alert are not sent later in a burst.
    search.matches.filter(state=SearchMatch.State.READY, alert__isnull=True).update(
        state=SearchMatch.State.SKIPPED
    )
    return search


@transaction.atomic
def search_resume(*, search: SavedSearch) -> SavedSearch:
    search = SavedSearch.objects.select_for_update().get(pk=search.pk)
    search.slow_down_undo()
    search.is_paused, search.paused_by = False, SavedSearch.PausedBy.NONE
    search.kept_at = timezone.now()
    search.save()
    return search


@transaction.atomic
def search_delete_by_agent(*, agent: Agent, search: SavedSearch) -> None:
    _agent_search(agent, search.pk).delete()


@transaction.atomic
def search_client_alerts(*, contact: Contact, search: SavedSearch, on: bool) -> SavedSearch:
    """A client switches alerts of one of their searches off (or back on). For a search the
    agent made, the agent is told."""
    search = SavedSearch.objects.select_for_update().get(pk=search.pk, contact=contact)
    if search.created_by_id == contact.user_id and contact.user_id is not None:
        # Their own search: off is a plain pause.
        if on:
            return search_resume(search=search)
        return search_pause(search=search, by=SavedSearch.PausedBy.CLIENT)
    search.client_alerts_off = not on
    search.save(update_fields=["client_alerts_off", "updated_at"])
    if not on:
        search.matches.filter(state=SearchMatch.State.READY, alert__isnull=True).update(
            state=SearchMatch.State.SKIPPED
        )
        client_activity_notify(
            contact=contact,
            kind="alerts_off",
            event="saved_search",
            text=f"{contact.full_name} switched off alerts for “{search.name}”",
            link=reverse("agent:search_list") + f"?contact={contact.pk}",
            subject_key=f"search:{search.pk}",
            detail=listing_search.describe(search.criteria),
        )
    return search


@transaction.atomic
def search_keep_sending(*, search: SavedSearch) -> SavedSearch:
    """The client answered "Keep sending these?" with yes (or resumed from the email)."""
    search = SavedSearch.objects.select_for_update().get(pk=search.pk)
    search.slow_down_undo()
    search.kept_at = timezone.now()
    search.save()
    return search


@transaction.atomic
def screening_review(*, agent: Agent, match_ids: list[int], approve: bool) -> int:
    """The agent approves (they go with the next alert) or discards screened matches.
    Ids of other agents' matches are ignored."""
    matches = SearchMatch.objects.filter(
        pk__in=match_ids, search__agent=agent, state=SearchMatch.State.SCREENING
    )
    searches = sorted(set(matches.values_list("search_id", flat=True)))
    reviewed = matches.update(
        state=SearchMatch.State.READY if approve else SearchMatch.State.DISCARDED,
        reviewed_at=timezone.now(),
    )
    if approve and reviewed:
        # The next alert run looks only at flagged searches (alerts.contacts_with_ready_matches).
        SearchTally.objects.bulk_create(
            [SearchTally(search_id=pk, alert_pending=True) for pk in searches],
            update_conflicts=True,
            unique_fields=["search"],
            update_fields=["alert_pending"],
        )
    return reviewed


def search_flag_broad(search: SavedSearch) -> None:
    """Tells the agent once that a search matches more than 500 homes."""
    from notifications.services import agent_notify

    updated = SavedSearch.objects.filter(pk=search.pk, flagged_broad_at__isnull=True).update(
        flagged_broad_at=timezone.now()
    )
    if updated:
        who = f" for {search.contact.full_name}" if search.contact_id else ""
        agent_notify(
            agent=search.agent,
            kind="search_broad",
            contact=search.contact,
            text=f"“{search.name}”{who} matches more than 500 homes — consider narrowing it.",
            link=reverse("agent:search_edit", args=[search.pk]),
        )
