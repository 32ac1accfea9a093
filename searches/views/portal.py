from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clients.decorators import client_required

from ..forms import SavePreviousSearchForm, SearchNameForm
from ..selectors import (
    agent_searches_for_contact,
    alert_choices,
    get_own_saved_search,
    get_previous_search,
    manage_rows_for_contact,
    own_saved_searches_for_contact,
    previous_searches_page,
)
from ..services import previous_search_save, saved_search_delete, saved_search_rename
from .common import save_search


@client_required
def my_searches(request):
    contact = request.client_contact
    base_url = reverse("portal:search")
    context = {
        "agent_searches": manage_rows_for_contact(
            agent_searches_for_contact(contact, base_url=base_url)
        ),
        "saved_searches": manage_rows_for_contact(
            own_saved_searches_for_contact(contact, base_url=base_url)
        ),
        "alert_choices": alert_choices(),
        "previous_page": previous_searches_page(
            contact, base_url=base_url, page=request.GET.get("page")
        ),
    }
    return render(request, "searches/portal_my_searches.html", context)


@require_POST
@client_required
def search_save(request):
    contact = request.client_contact
    return save_search(
        request,
        agent=contact.agent,
        contact=contact,
        contacts=None,
        search_url=reverse("portal:search"),
    )


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@client_required
@require_POST
def search_rename(request, pk: int):
    contact = request.client_contact
    search = get_own_saved_search(contact, pk)
    form = SearchNameForm(request.POST)
    if form.is_valid():
        search = saved_search_rename(contact=contact, search=search, name=form.cleaned_data["name"])
        messages.success(request, f"Renamed to “{search.name}”.")
    else:
        _form_errors(request, form)
    return redirect(f"{reverse('portal:my_searches')}#saved-search-{pk}")


@client_required
@require_POST
def search_delete(request, pk: int):
    contact = request.client_contact
    search = get_own_saved_search(contact, pk)
    saved_search_delete(contact=contact, search=search)
    messages.success(request, f"Deleted “{search.name}”.")
    return redirect(f"{reverse('portal:my_searches')}#saved-heading")


@client_required
@require_POST
def previous_save(request, pk: int):
    contact = request.client_contact
    previous = get_previous_search(contact, pk)
    form = SavePreviousSearchForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(f"{reverse('portal:my_searches')}#previous-heading")
    saved = previous_search_save(contact=contact, previous=previous, name=form.cleaned_data["name"])
    messages.success(request, f"Saved “{saved.name}”. It’s under Saved searches.")
    return redirect(f"{reverse('portal:my_searches')}#saved-search-{saved.pk}")
