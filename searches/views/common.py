"""Save this search, for both faces: the search arrives as its query string and is validated
again with the Search Listings form, so a saved search always holds clean criteria."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect

from listings import search
from listings.forms import ListingSearchForm, SaveSearchForm

from ..forms import AlertSettingsForm
from ..services import saved_search_create


def save_search(request, *, agent, contact, contacts, search_url: str):
    query = request.POST.get("query", "")[:4000]
    search_form = ListingSearchForm(QueryDict(query))
    save_form = SaveSearchForm(request.POST, contacts=contacts)
    back = f"{search_url}?{query}" if query else search_url
    if not search_form.is_valid():
        messages.error(request, "Fix the search before saving it.")
        return redirect(back)
    if not save_form.is_valid():
        for errors in save_form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    alert_settings = None
    if contacts is not None:
        contact = save_form.cleaned_data.get("contact")
        # The agent's Save panel carries the alert settings (searches/_alert_fields.html); they
        # matter only for a client, since alerts need someone to go to.
        if contact is not None and "kind" in request.POST:
            alert_form = AlertSettingsForm(request.POST)
            if not alert_form.is_valid():
                for errors in alert_form.errors.values():
                    for error in errors:
                        messages.error(request, error)
                return redirect(back)
            alert_settings = alert_form.cleaned_data
    saved = saved_search_create(
        agent=agent,
        contact=contact,
        name=save_form.cleaned_data["name"],
        criteria=search_form.criteria,
        created_by=request.user,
        alert_settings=alert_settings,
    )
    whose = f" for {contact.full_name}" if contacts is not None and contact else ""
    alerting = ""
    if saved.kind == saved.Kind.AUTOMATIC and contacts is not None:
        alerting = " New matches will be emailed" + (
            " after your review." if saved.requires_screening else "."
        )
    messages.success(
        request,
        f"Saved “{saved.name}”{whose}.{alerting} Find it under "
        f"{'Searches' if contacts is not None else 'My Searches'}.",
    )
    query = search.criteria_to_query_string(search_form.criteria)
    return redirect(f"{search_url}?{query}" if query else search_url)
