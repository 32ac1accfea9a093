from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clients.decorators import client_required

from ..selectors import previous_searches_for_contact, saved_searches_for_contact
from .common import save_search


@client_required
def my_searches(request):
    contact = request.client_contact
    base_url = reverse("portal:search")
    context = {
        "saved_searches": saved_searches_for_contact(contact, base_url=base_url),
        "previous_searches": previous_searches_for_contact(contact, base_url=base_url),
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
