"""Save this search, for both faces: the search arrives as its query string and is validated
again with the Search Listings form, so a saved search always holds clean criteria."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect

from listings import search
from listings.forms import ListingSearchForm, SaveSearchForm

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
    if contacts is not None:
        contact = save_form.cleaned_data.get("contact")
    saved = saved_search_create(
        agent=agent,
        contact=contact,
        name=save_form.cleaned_data["name"],
        criteria=search_form.criteria,
        created_by=request.user,
    )
    whose = f" for {contact.full_name}" if contacts is not None and contact else ""
    messages.success(
        request,
        f"Saved “{saved.name}”{whose}. Find it under "
        f"{'Searches' if contacts is not None else 'My Searches'}.",
    )
    query = search.criteria_to_query_string(search_form.criteria)
    return redirect(f"{search_url}?{query}" if query else search_url)
