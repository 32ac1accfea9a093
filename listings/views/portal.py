from django.shortcuts import render

from clients.decorators import client_required

from ..selectors import get_listing
from .common import listing_search_context


@client_required
def search(request):
    return render(request, "listings/portal_search.html", listing_search_context(request))


@client_required
def favorites(request):
    return render(request, "listings/portal_favorites.html", {})


@client_required
def listing_detail(request, pk: int):
    return render(request, "listings/portal_detail.html", {"listing": get_listing(pk)})
