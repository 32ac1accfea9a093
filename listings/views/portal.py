from functools import partial

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clients.decorators import client_required
from searches.services import previous_search_record

from ..forms import CommentForm, ReactionForm
from ..models import ListingReaction
from ..page_cache import cached_portal_page
from ..selectors import (
    FAVORITE_GROUPS,
    comments_for,
    favorite_card,
    favorites_for_contact,
    get_listing,
    get_listing_for_detail,
    get_listing_for_detail_shared,
    reaction_for,
)
from ..services_reactions import comment_add, listing_view_record, reaction_set
from ..templatetags.listing_cards import detail_href
from .common import is_htmx, map_settings, render_search, search_context


def _detail_url(pk: int) -> str:
    return reverse("portal:listing_detail", args=[pk])


def _landing_view(request) -> bool:
    # With criteria, each run is recorded (Previous Searches): those are built every time.
    return not request.GET


@cached_portal_page(when=_landing_view)
@client_required
def search(request):
    contact = request.client_contact
    detail_url = partial(detail_href, "portal:listing_detail")  # one reverse per page
    context = search_context(
        request, face="portal", detail_url=detail_url, reactions_for=contact, shared=True
    )
    # A run is a search with criteria, counted once (not again for its next pages).
    if context["criteria"] and context["is_first_page"]:
        results = context["results"]
        previous_search_record(
            contact=contact,
            criteria=context["criteria"],
            query_string=context["query_string"],
            result_count=None if results.count_capped else results.count,
        )
    return render_search(request, "listings/portal_search.html", context)


FAVORITES_FACE = "favorites"
GROUP_KEYS = {key for key, _, _ in FAVORITE_GROUPS}


def _page_number(value) -> int:
    try:
        return max(1, min(int(value), 100_000))
    except (TypeError, ValueError):
        return 1


@client_required
def favorites(request):
    group = request.GET.get("group")
    group = group if group in GROUP_KEYS else None
    groups = favorites_for_contact(
        contact=request.client_contact, group=group, page=_page_number(request.GET.get("page"))
    )
    context = {
        "groups": groups,
        "group": group,
        "is_empty": not group and not any(g.total for g in groups),
        "reaction_kinds": ListingReaction.Kind,
        "comment_form": CommentForm(),
    }
    return render(request, "listings/portal_favorites.html", context)


def _from_favorites(request) -> bool:
    return request.POST.get("from") == FAVORITES_FACE


def _favorites_card(request, listing, *, comment_form=None, note: str = ""):
    """The htmx answer of an in-place change on Favorites & Comments: the card again."""
    group = request.POST.get("group")
    context = {
        "listing": favorite_card(contact=request.client_contact, listing=listing),
        "group_key": group if group in GROUP_KEYS else "favorite",
        "reaction_kinds": ListingReaction.Kind,
        "comment_form": comment_form or CommentForm(),
        "note": note,
    }
    return render(request, "listings/_fav_card.html", context)


def _favorites_url(request, listing) -> str:
    where = "commented" if request.POST.get("group") == "commented" else "listing"
    return f"{reverse('portal:favorites')}#{where}-{listing.pk}"


def _detail_context(request, listing, *, comment_form=None) -> dict:
    contact = request.client_contact
    return {
        "listing": listing,
        "my_reaction": reaction_for(contact=contact, listing=listing),
        "reaction_kinds": ListingReaction.Kind,
        "comments": comments_for(contact=contact, listing=listing),
        "comment_form": comment_form or CommentForm(),
        **map_settings(),
    }


def _count_visit(contact_id: int, pk: int) -> None:
    listing_view_record(contact_id=contact_id, listing_id=pk)


@cached_portal_page(on_hit=_count_visit)
@client_required
def listing_detail(request, pk: int):
    listing = get_listing_for_detail_shared(pk)
    listing_view_record(contact_id=request.client_contact.pk, listing_id=listing.pk)
    response = render(request, "listings/portal_detail.html", _detail_context(request, listing))
    ends = [house.end_time for house in listing.upcoming_open_houses]
    if ends:
        response.page_valid_until = min(ends)  # the page changes when an open house ends
    return response


@require_POST
@client_required
def listing_react(request, pk: int):
    listing = get_listing(pk)
    form = ReactionForm(request.POST)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        reaction_set(
            contact=request.client_contact, listing=listing, kind=None if kind == "clear" else kind
        )
    my_reaction = reaction_for(contact=request.client_contact, listing=listing)
    label = dict(ListingReaction.Kind.choices).get(my_reaction)
    said = f"Marked as {label}." if label else "Reaction removed."
    if not form.is_valid():
        said = "Choose Favorite, Maybe or Not interested."
    if _from_favorites(request):
        if is_htmx(request):
            return _favorites_card(request, listing, note=said)
        (messages.success if form.is_valid() else messages.error)(request, said)
        return redirect(_favorites_url(request, listing))
    context = {
        "listing": listing,
        "my_reaction": my_reaction,
        "reaction_kinds": ListingReaction.Kind,
        "just_reacted": form.is_valid(),
    }
    if is_htmx(request):
        return render(request, "listings/_reactions.html", context)
    (messages.success if form.is_valid() else messages.error)(request, said)
    return redirect("portal:listing_detail", pk=listing.pk)


@require_POST
@client_required
def listing_comment(request, pk: int):
    listing = get_listing(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        comment_add(
            contact=request.client_contact,
            author=request.user,
            listing=listing,
            body=form.cleaned_data["body"],
        )
        form = CommentForm()
        if _from_favorites(request):
            if is_htmx(request):
                return _favorites_card(request, listing, note="Comment posted.")
            messages.success(request, "Comment posted.")
            return redirect(_favorites_url(request, listing))
        if not is_htmx(request):
            messages.success(request, "Comment posted.")
            return redirect(f"{_detail_url(listing.pk)}#comments")
    if _from_favorites(request):
        if is_htmx(request):
            return _favorites_card(request, listing, comment_form=form)
        for error in form.errors.get("body", []):
            messages.error(request, error)
        return redirect(_favorites_url(request, listing))
    if is_htmx(request):
        context = {
            "listing": listing,
            "comments": comments_for(contact=request.client_contact, listing=listing),
            "comment_form": form,
        }
        return render(request, "listings/_comments.html", context)
    listing = get_listing_for_detail(pk)
    context = _detail_context(request, listing, comment_form=form)
    return render(request, "listings/portal_detail.html", context, status=400)
