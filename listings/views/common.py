from django.core.paginator import Paginator

from ..forms import ListingFilterForm
from ..selectors import listing_cities, listings_search

LISTINGS_PER_PAGE = 24


def listing_search_context(request) -> dict:
    """Shared by both faces' search pages until the full search page lands."""
    form = ListingFilterForm(request.GET or None)
    city = form.cleaned_data["city"] if form.is_valid() else ""
    page = Paginator(listings_search(city=city), LISTINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return {
        "form": form,
        "city": city,
        "cities": listing_cities(),
        "page": page,
        "listings": list(page.object_list),
    }
