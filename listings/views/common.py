"""What both faces' search pages share: bind the query string, run the search, pick the full
page or (for an htmx request) just the results partial."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render

from .. import search, selectors
from ..forms import ListingSearchForm, SaveSearchForm


def is_htmx(request: HttpRequest) -> bool:
    # A history restore (back button after htmx pushed the URL) needs the whole page.
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def search_context(
    request: HttpRequest,
    *,
    face: str,
    detail_url,
    reactions_for=None,
    contacts=None,
    shared: bool = False,
) -> dict:
    """``shared``: the results every client shares come through the cache
    (``selectors.search_results_shared``)."""
    form = ListingSearchForm(request.GET)
    context: dict = {
        "form": form,
        "face": face,
        "criteria": {},
        "results": None,
        "save_form": None,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    if not form.is_valid():
        return context
    criteria = form.criteria
    after = form.cleaned_data["after"]
    find = selectors.search_results_shared if shared else selectors.search_results
    results = find(criteria, after=after, reactions_for=reactions_for, detail_url=detail_url)
    query_string = search.criteria_to_query_string(criteria)
    next_url = None
    if results.next_cursor:
        joiner = "&" if query_string else ""
        next_url = f"?{query_string}{joiner}after={results.next_cursor}"
    context.update(
        criteria=criteria,
        results=results,
        query_string=query_string,
        is_first_page=after is None,
        next_url=next_url,
        cursor_ignored=form.cursor_ignored,
        save_form=SaveSearchForm(initial={"name": search.describe(criteria)}, contacts=contacts),
        map_state={
            "markers": results.markers,
            "bbox": criteria.get("bbox"),
            "poly": criteria.get("poly"),
        },
    )
    return context


def canonical_url(request: HttpRequest, context: dict) -> str:
    if context["results"] is not None:
        query = context["query_string"]
        cursor = context["form"].cleaned_data.get("after")
        if cursor is not None and request.GET.get("after"):
            query = (
                f"{query}&after={request.GET['after']}"
                if query
                else f"after={request.GET['after']}"
            )
    else:
        query = urlencode([(k, v) for k, v in request.GET.items() if v.strip()])
    return f"{request.path}?{query}" if query else request.path


def map_settings() -> dict:
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }


def render_search(request: HttpRequest, template: str, context: dict):
    if is_htmx(request):
        # Field errors ride along out of band into the slots next to their fields.
        response = render(request, "listings/_search_results.html", {**context, "oob": True})
        # The address bar shows the search's canonical query string, not every empty field.
        response["HX-Push-Url"] = canonical_url(request, context)
        return response
    return render(request, template, context)


def recipients_summary(contacts) -> str:
    """ "Ann O'Neil, Bea Lee, Cy Park…" — up to three names for a "sent to" message."""
    names = ", ".join(contact.full_name for contact in contacts[:3])
    return names + ("…" if len(contacts) > 3 else "")
