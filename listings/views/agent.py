from functools import partial

from django.shortcuts import render

from clients.decorators import agent_required
from clients.selectors import contacts_for_agent

from ..selectors import get_listing_for_detail
from ..templatetags.listing_cards import detail_href
from .common import map_settings, render_search, search_context


@agent_required
def listing_search(request):
    context = search_context(
        request,
        face="agent",
        detail_url=partial(detail_href, "agent:listing_detail"),  # one reverse per page
        # Only the choices are needed here, not the emails and groups the selector prefetches.
        contacts=contacts_for_agent(request.agent).prefetch_related(None),
    )
    return render_search(request, "listings/agent_search.html", context)


@agent_required
def listing_detail(request, pk: int):
    listing = get_listing_for_detail(pk)
    return render(request, "listings/agent_detail.html", {"listing": listing, **map_settings()})
