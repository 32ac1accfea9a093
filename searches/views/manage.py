"""Managing saved searches and their alerts: the agent's edit, pause/resume, delete and screening
queue, the client's alert settings on My Searches, and reverse prospecting on a listing's page.
Every object comes through a getter scoped to the requester (another's id answers 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.decorators import agent_required, client_required
from listings import search as listing_search
from listings.forms import ListingSearchForm
from listings.models import Listing

from .. import selectors
from ..forms import AlertSettingsForm, SearchNameForm
from ..models import SavedSearch
from ..selectors import (
    get_search_for_agent,
    get_search_for_client,
    schedule_text,
    search_flags,
    search_state,
)
from ..services import (
    saved_search_rename_by_agent,
    screening_review,
    search_client_alerts,
    search_criteria_update,
    search_delete_by_agent,
    search_pause,
    search_resume,
    search_settings_update,
)

MAX_REVIEW_IDS = 1000


def _form_errors(request, *forms) -> None:
    for form in forms:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)


def _back_to_list(request) -> str:
    """Where a list action returns: the list page the agent came from (filters and page kept)."""
    target = request.POST.get("next", "")
    list_url = reverse("agent:search_list")
    if target.startswith(list_url) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return list_url


def _search_listings_url(search: SavedSearch) -> str:
    base = reverse("agent:listing_search")
    query = listing_search.criteria_to_query_string(search.criteria)
    return f"{base}?{query}" if query else base


def _whose(search: SavedSearch) -> str:
    return f" for {search.contact.full_name}" if search.contact_id else ""


# --- Agent: one search ---------------------------------------------------------------------------


@agent_required
@require_http_methods(["GET", "POST"])
def search_edit(request, pk: int):
    agent = request.agent
    search = get_search_for_agent(agent, pk)
    initial = {
        field: getattr(search, field)
        for field in (
            "kind",
            "frequency",
            "send_hour",
            "send_weekday",
            "time_zone",
            "change_types",
            "first_send",
            "requires_screening",
        )
    }
    name_form = SearchNameForm(request.POST or None, initial={"name": search.name})
    # A search just for the agent sends no email: it has a name and criteria only.
    alert_form = (
        AlertSettingsForm(request.POST or None, initial=initial) if search.contact_id else None
    )
    valid = name_form.is_valid() and (alert_form is None or alert_form.is_valid())
    if request.method == "POST" and valid:
        if name_form.cleaned_data["name"] != search.name:
            search = saved_search_rename_by_agent(
                agent=agent, search=search, name=name_form.cleaned_data["name"]
            )
        if alert_form is not None:
            changes = dict(alert_form.cleaned_data)
            if changes.get("frequency") == search.frequency:
                # Saving the same frequency must not undo a slow-down the agent didn't touch.
                changes.pop("frequency")
            search = search_settings_update(search=search, changes=changes)
        messages.success(request, f"Saved “{search.name}”{_whose(search)}.")
        return redirect("agent:search_list")
    search.flags = search_flags(search)
    search.state_tone, search.state_label = search_state(search)
    search.schedule = schedule_text(search)
    return render(
        request,
        "searches/agent_search_edit.html",
        {
            "search": search,
            "name_form": name_form,
            "form": alert_form,
            "summary": listing_search.describe(search.criteria),
            "criteria_url": reverse("agent:search_criteria", args=[search.pk]),
        },
    )


@agent_required
@require_POST
def search_pause_view(request, pk: int):
    search = get_search_for_agent(request.agent, pk)
    search_pause(search=search, by=SavedSearch.PausedBy.AGENT)
    messages.success(request, f"Paused “{search.name}”{_whose(search)}. No alerts until resumed.")
    return redirect(_back_to_list(request))


@agent_required
@require_POST
def search_resume_view(request, pk: int):
    search = get_search_for_agent(request.agent, pk)
    search_resume(search=search)
    extra = (
        " The client switched alerts off for it, so they stay off until the client turns them on."
        if search.client_alerts_off
        else ""
    )
    messages.success(request, f"Resumed “{search.name}”{_whose(search)}.{extra}")
    return redirect(_back_to_list(request))


@agent_required
@require_http_methods(["GET", "POST"])
def search_delete_view(request, pk: int):
    search = get_search_for_agent(request.agent, pk)
    if request.method == "POST":
        search_delete_by_agent(agent=request.agent, search=search)
        if request.session.get(EDITING_SESSION_KEY) == search.pk:
            request.session.pop(EDITING_SESSION_KEY)
        messages.success(request, f"Deleted “{search.name}”{_whose(search)}.")
        return redirect(_back_to_list(request))
    return render(
        request,
        "searches/agent_search_delete.html",
        {"search": search, "summary": listing_search.describe(search.criteria)},
    )


EDITING_SESSION_KEY = "searches:editing"


@agent_required
@require_http_methods(["GET", "POST"])
def search_criteria(request, pk: int):
    """GET: open Search Listings with the search's criteria, remembering which search is being
    edited, so the Save panel there offers "Update" (searches/_alert_fields.html). POST: the
    panel's query string becomes the search's criteria."""
    search = get_search_for_agent(request.agent, pk)
    if request.method == "GET":
        request.session[EDITING_SESSION_KEY] = search.pk
        return redirect(_search_listings_url(search))
    query = request.POST.get("query", "")[:4000]
    form = ListingSearchForm(QueryDict(query))
    if not form.is_valid():
        messages.error(request, f"Fix the search before updating “{search.name}” with it.")
        base = reverse("agent:listing_search")
        return redirect(f"{base}?{query}" if query else base)
    search = search_criteria_update(agent=request.agent, search=search, criteria=form.criteria)
    request.session.pop(EDITING_SESSION_KEY, None)
    messages.success(
        request,
        f"Updated “{search.name}”{_whose(search)}: now {listing_search.describe(search.criteria)}.",
    )
    return redirect("agent:search_edit", pk=search.pk)


# --- Agent: screening ---------------------------------------------------------------------------


@agent_required
@require_GET
def screening_queue(request):
    groups, total = selectors.screening_queue(request.agent)
    shown = sum(len(group.matches) for group in groups)
    return render(
        request,
        "searches/agent_screening.html",
        {"groups": groups, "total": total, "shown": shown, "now": timezone.now()},
    )


@agent_required
@require_GET
def screening_count_badge(request):
    """The nav's count of matches waiting for review (an htmx fragment: one indexed count)."""
    from ..templatetags.searches_ui import screening_badge

    response = HttpResponse(screening_badge(selectors.screening_count(request.agent)))
    response["Cache-Control"] = "private, no-store"
    return response


@agent_required
@require_POST
def screening_review_view(request):
    decision = request.POST.get("decision", "")
    ids = [value for value in request.POST.getlist("match") if value.isdigit() and len(value) < 12]
    if decision not in ("approve", "discard"):
        messages.error(request, "Choose Approve or Discard.")
    elif not ids:
        messages.error(request, "Tick at least one home first.")
    else:
        count = screening_review(
            agent=request.agent,
            match_ids=[int(value) for value in ids[:MAX_REVIEW_IDS]],
            approve=decision == "approve",
        )
        homes = f"{count} home{'s' if count != 1 else ''}"
        if decision == "approve":
            messages.success(request, f"Approved {homes}: they go out with the next alert.")
        else:
            messages.success(request, f"Discarded {homes}: the client won’t see them.")
    return redirect("agent:search_screening")


# --- Agent: reverse prospecting (an htmx fragment of the listing page) --------------------------


@agent_required
@require_GET
def listing_prospects(request, pk: int):
    listing = get_object_or_404(Listing, pk=pk)
    prospects = selectors.listing_prospects(request.agent, listing)
    return render(
        request,
        "searches/_listing_prospects.html",
        {
            "listing": listing,
            "prospects": prospects,
            "share_url": reverse("agent:share_listings"),
        },
    )


# --- Client: alert settings of one search --------------------------------------------------------


@client_required
@require_POST
def client_search_settings(request, pk: int):
    contact = request.client_contact
    search = get_search_for_client(contact, pk)
    action = request.POST.get("action", "save")
    own = search.created_by_id is not None and search.created_by_id == contact.user_id
    back = f"{reverse('portal:my_searches')}#{'saved' if own else 'agent'}-search-{search.pk}"
    if action in ("off", "on"):
        search = search_client_alerts(contact=contact, search=search, on=action == "on")
        if action == "on":
            messages.success(request, f"Alerts for “{search.name}” are back on.")
        elif own:
            messages.success(request, f"Paused “{search.name}”. Resume it any time.")
        else:
            messages.success(
                request,
                f"Alerts for “{search.name}” are off. {contact.agent.display_name} keeps the "
                "search and has been told.",
            )
        return redirect(back)
    if action == "email" and own and search.kind == SavedSearch.Kind.SAVED:
        # The client's own saved search starts emailing: daily at 8 by default.
        search = search_settings_update(
            search=search, changes={"kind": SavedSearch.Kind.AUTOMATIC}, by_client=contact
        )
        messages.success(
            request, f"“{search.name}” now emails you new matches: {schedule_text(search)}."
        )
        return redirect(back)
    if action != "save":
        messages.error(request, "That action isn’t available.")
        return redirect(back)
    if search.kind != SavedSearch.Kind.AUTOMATIC:
        messages.error(request, f"“{search.name}” sends no email, so it has no alert settings.")
        return redirect(back)
    form = AlertSettingsForm(request.POST, for_client=True)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    changes = dict(form.cleaned_data)
    if changes.get("frequency") == search.frequency:
        changes.pop("frequency")
    search = search_settings_update(search=search, changes=changes, by_client=contact)
    messages.success(request, f"Saved. Alerts for “{search.name}”: {schedule_text(search)}.")
    return redirect(back)
