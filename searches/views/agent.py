from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clients.decorators import agent_required
from clients.selectors import contacts_for_agent

from ..models import SavedSearch
from ..selectors import (
    STATE_FILTERS,
    agent_search_filters,
    agent_search_page,
    contacts_with_searches,
    screening_count,
)
from .common import save_search


@agent_required
@require_GET
def search_list(request):
    agent = request.agent
    filters = agent_search_filters(agent, request.GET)
    page = agent_search_page(
        agent,
        filters=filters,
        page=request.GET.get("page"),
        base_url=reverse("agent:listing_search"),
    )
    querystring = urlencode({key: value for key, value in filters.items() if value})
    return render(
        request,
        "searches/agent_search_list.html",
        {
            "page": page,
            "saved_searches": page.object_list,
            "filters": filters,
            "filtered": any(filters.values()),
            "querystring": querystring,
            "contacts": contacts_with_searches(agent),
            "kinds": SavedSearch.Kind.choices,
            "states": list(STATE_FILTERS.items()),
            "screening_waiting": screening_count(agent),
        },
    )


@require_POST
@agent_required
def search_save(request):
    return save_search(
        request,
        agent=request.agent,
        contact=None,
        contacts=contacts_for_agent(request.agent).prefetch_related(None),
        search_url=reverse("agent:listing_search"),
    )
