from django.shortcuts import render

from clients.decorators import agent_required

from ..selectors import get_listing
from .common import listing_search_context


@agent_required
def listing_search(request):
    return render(request, "listings/agent_search.html", listing_search_context(request))


@agent_required
def listing_detail(request, pk: int):
    return render(request, "listings/agent_detail.html", {"listing": get_listing(pk)})
