"""Reads for searches, each scoped to the agent or the client asking."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from clients.models import Agent, Contact
from listings import search
from listings.models import Listing, ListingMedia

from .models import DEFAULT_CHANGE_TYPES, ChangeType, PreviousSearch, SavedSearch, SearchMatch


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


# --- Managing searches and alerts (agent list, edit, screening; client settings) -----------------

SEARCHES_PER_PAGE = 25
SCREENING_LIMIT = 300

STATE_FILTERS = {
    "alerting": "Alerting",
    "paused": "Paused",
    "screening": "Screening waiting",
    "flagged": "Flagged",
}


def _state_q(state: str) -> Q | None:
    alerting = Q(kind=SavedSearch.Kind.AUTOMATIC, is_paused=False, client_alerts_off=False)
    return {
        "alerting": alerting,
        "paused": Q(is_paused=True) | Q(client_alerts_off=True),
        "screening": Q(screening_waiting__gt=0),
        "flagged": Q(flagged_stale_at__isnull=False)
        | Q(flagged_broad_at__isnull=False)
        | ~Q(slowed_from="")
        | Q(paused_by=SavedSearch.PausedBy.SYSTEM),
    }.get(state)


def search_flags(search: SavedSearch) -> list[tuple[str, str]]:
    """What the agent should notice about a search, as (tone, words) pairs."""
    flags = []
    # "Paused after no reply" is the state badge itself (search_state), not repeated here.
    if search.slowed_from:
        flags.append(("warning", "Slowed to weekly"))
    if search.flagged_broad_at:
        flags.append(("warning", "500+ matches — narrow it"))
    if search.flagged_stale_at:
        flags.append(("muted", "No matches in 90 days"))
    return flags


def search_state(search: SavedSearch) -> tuple[str, str]:
    """The search's alert state in a few words, for a badge: (tone, words)."""
    if search.kind != SavedSearch.Kind.AUTOMATIC:
        return "muted", "Saved · no email"
    if search.is_paused:
        who = {
            SavedSearch.PausedBy.CLIENT: "Paused by the client",
            SavedSearch.PausedBy.SYSTEM: "Paused after no reply",
        }.get(search.paused_by, "Paused")
        return ("danger" if search.paused_by == SavedSearch.PausedBy.SYSTEM else "warning"), who
    if search.client_alerts_off:
        return "warning", "Client switched alerts off"
    return "success", "Alerting"


def schedule_text(search: SavedSearch, agent: Agent | None = None) -> str:
    """ "Daily at 8:00 AM", "Weekly on Monday at 8:00 AM", "As soon as possible"."""
    if search.kind != SavedSearch.Kind.AUTOMATIC:
        return "Runs when opened"
    hour = f"{(search.send_hour % 12) or 12}:00 {'AM' if search.send_hour < 12 else 'PM'}"
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return {
        SavedSearch.Frequency.ASAP: "As soon as possible",
        SavedSearch.Frequency.DAILY: f"Daily at {hour}",
        SavedSearch.Frequency.WEEKLY: f"Weekly on {days[search.send_weekday % 7]} at {hour}",
        SavedSearch.Frequency.MONTHLY: f"Monthly on the 1st at {hour}",
    }.get(search.frequency, search.get_frequency_display())


def _annotate_manage(rows, *, base_url: str) -> list:
    _annotate(rows, base_url=base_url)
    for row in rows:
        row.flags = search_flags(row)
        row.state_tone, row.state_label = search_state(row)
        row.schedule = schedule_text(row)
        row.change_type_bits = [bit for bit in ChangeType.values if row.change_types & bit]
    return rows


def agent_search_filters(agent: Agent, params) -> dict:
    """The list's filters from the query string; anything unknown is ignored, never an error."""
    contact_id = params.get("contact", "")
    kind = params.get("kind", "")
    state = params.get("state", "")
    return {
        "contact": int(contact_id) if contact_id.isdigit() and len(contact_id) < 12 else None,
        "kind": kind if kind in SavedSearch.Kind.values else "",
        "state": state if state in STATE_FILTERS else "",
    }


def agent_search_page(agent: Agent, *, filters: dict, page, base_url: str) -> Page:
    """A page of the agent's searches (all their clients' and their own): the count, the page
    with each search's client and waiting screened matches in one statement."""
    waiting = (
        SearchMatch.objects.filter(search=OuterRef("pk"), state=SearchMatch.State.SCREENING)
        .order_by()
        .values("search")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        SavedSearch.objects.filter(agent=agent)
        .select_related("contact", "tally")
        .annotate(screening_waiting=Coalesce(Subquery(waiting), 0))
        .order_by("contact__last_name", "contact__first_name", "-created_at", "-id")
    )
    if filters.get("contact"):
        rows = rows.filter(contact_id=filters["contact"])
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("state"):
        rows = rows.filter(_state_q(filters["state"]))
    page_obj = Paginator(rows, SEARCHES_PER_PAGE).get_page(page)
    page_obj.object_list = _annotate_manage(list(page_obj.object_list), base_url=base_url)
    return page_obj


def contacts_with_searches(agent: Agent) -> list[Contact]:
    """The agent's contacts who have at least one saved search (the list's client filter)."""
    return list(
        Contact.objects.filter(agent=agent, saved_searches__agent=agent)
        .distinct()
        .order_by("last_name", "first_name", "id")
        .only("id", "first_name", "last_name")
    )


def get_search_for_agent(agent: Agent, pk: int) -> SavedSearch:
    """404 unless the search is this agent's."""
    return get_object_or_404(
        SavedSearch.objects.select_related("contact", "tally"), pk=pk, agent=agent
    )


def get_search_for_client(contact: Contact, pk: int) -> SavedSearch:
    """404 unless the search is for this client (their own or one their agent made for them)."""
    return get_object_or_404(SavedSearch, pk=pk, agent_id=contact.agent_id, contact=contact)


def manage_rows_for_contact(rows: list[SavedSearch]) -> list[SavedSearch]:
    """My Searches rows with their alert state and schedule (no extra queries)."""
    for row in rows:
        row.flags = search_flags(row)
        row.state_tone, row.state_label = search_state(row)
        row.schedule = schedule_text(row)
        row.change_type_bits = [bit for bit in ChangeType.values if row.change_types & bit]
        row.alerts_silenced = row.is_paused or row.client_alerts_off
    return rows


def alert_choices() -> dict:
    """The choices of AlertSettingsForm, read from the class: building the form lists every
    time zone on disk (~45 ms), too slow for a field set repeated on a page."""
    from .forms import AlertSettingsForm

    fields = AlertSettingsForm.base_fields
    return {
        "kind": fields["kind"].choices,
        "frequency": fields["frequency"].choices,
        "hours": fields["send_hour"].choices,
        "weekdays": fields["send_weekday"].choices,
        "change_types": ChangeType.choices,
        "first_send": fields["first_send"].choices,
        "default_change_types": [bit for bit in ChangeType.values if DEFAULT_CHANGE_TYPES & bit],
    }


def screening_count(agent: Agent) -> int:
    return SearchMatch.objects.filter(
        search__agent=agent, state=SearchMatch.State.SCREENING
    ).count()


@dataclass
class ScreeningGroup:
    search: SavedSearch
    matches: list = field(default_factory=list)


def screening_queue(agent: Agent, *, limit: int = SCREENING_LIMIT) -> tuple[list, int]:
    """Matches waiting for the agent's review, grouped by client and search (oldest first, so
    nothing waits forever), each with its listing, cover photo and why label. Returns the
    groups and the total waiting (the page shows at most ``limit``)."""
    from .alerts import match_label

    waiting = SearchMatch.objects.filter(search__agent=agent, state=SearchMatch.State.SCREENING)
    total = waiting.count()
    if not total:
        return [], 0
    matches = list(
        waiting.select_related("search", "search__contact", "listing")
        # Listing rows are wide (the whole RESO record); the queue shows a few columns.
        .only(
            "id",
            "reason",
            "old_price",
            "new_price",
            "matched_at",
            "search__id",
            "search__name",
            "search__contact__id",
            "search__contact__first_name",
            "search__contact__last_name",
            "listing__id",
            "listing__street_number",
            "listing__street_name",
            "listing__street_suffix",
            "listing__unit_number",
            "listing__city",
            "listing__list_price",
            "listing__bedrooms_total",
            "listing__bathrooms_total_integer",
            "listing__living_area",
        )
        .prefetch_related(
            Prefetch(
                "listing__media", queryset=ListingMedia.objects.filter(order=0), to_attr="cover"
            )
        )
        .order_by(
            "search__contact__last_name",
            "search__contact__first_name",
            "search__contact_id",
            "search_id",
            "matched_at",
            "id",
        )[:limit]
    )
    groups: dict[int, ScreeningGroup] = {}
    for match in matches:
        match.label = match_label(match)
        match.photo = match.listing.cover[0] if match.listing.cover else None
        group = groups.setdefault(match.search_id, ScreeningGroup(search=match.search))
        group.matches.append(match)
    return list(groups.values()), total


# --- Reverse prospecting on a listing's page --------------------------------------------------


@dataclass
class OtherAgentProspects:
    agent: Agent
    search_count: int
    contact_count: int


@dataclass
class ListingProspects:
    total_searches: int = 0
    own: list = field(default_factory=list)  # [(contact, [search names])]
    others: list = field(default_factory=list)  # [OtherAgentProspects]


def listing_prospects(agent: Agent, listing: Listing) -> ListingProspects:
    """Who is looking for a home like this one. The agent's own contacts by name; other agents'
    only as counts, with that agent's own details — never their contacts."""
    from .matching import reverse_prospect_search_ids

    ids = reverse_prospect_search_ids(listing)
    result = ListingProspects(total_searches=len(ids))
    if not ids:
        return result
    rows = list(
        SavedSearch.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", "name", "agent_id", "contact_id")
    )
    own_contacts: dict[int, list[str]] = {}
    others: dict[int, list[set, int]] = {}
    for _pk, name, agent_id, contact_id in rows:
        if agent_id == agent.pk:
            own_contacts.setdefault(contact_id, []).append(name)
        else:
            entry = others.setdefault(agent_id, [set(), 0])
            entry[0].add(contact_id)
            entry[1] += 1
    if own_contacts:
        contacts = Contact.objects.filter(agent=agent, pk__in=own_contacts).order_by(
            "last_name", "first_name", "id"
        )
        result.own = [(c, sorted(own_contacts[c.pk])) for c in contacts]
    if others:
        agents = Agent.objects.filter(pk__in=others).select_related("user")
        result.others = sorted(
            (
                OtherAgentProspects(
                    agent=a, search_count=others[a.pk][1], contact_count=len(others[a.pk][0])
                )
                for a in agents
            ),
            key=lambda o: (-o.contact_count, o.agent.display_name),
        )
    return result
