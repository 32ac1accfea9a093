from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clients.decorators import agent_required
from clients.selectors import contacts_for_agent

from ..selectors import saved_searches_list_for_agent
from .common import save_search


@agent_required
def search_list(request):
    searches = saved_searches_list_for_agent(
        request.agent, base_url=reverse("agent:listing_search")
    )
    return render(request, "searches/agent_search_list.html", {"saved_searches": searches})


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
