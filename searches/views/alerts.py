"""The client's page for one alert: every listing it carried, with why it was sent."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clients.decorators import client_required
from listings.models import ListingMedia
from messaging.models import FeedItem
from messaging.services import feed_item_open

from ..alerts import group_by_listing
from ..engagement import engagement_reset
from ..models import SearchAlert, SearchMatch

PER_PAGE = 24


@client_required
def alert_detail(request, pk: int):
    contact = request.client_contact
    alert = get_object_or_404(SearchAlert, pk=pk, contact=contact)
    # Opening an alert counts as reading it: the feed item is marked and slowed searches recover.
    item = FeedItem.objects.filter(contact=contact, share_key=f"alert:{alert.pk}").first()
    if item is not None and item.opened_at is None:
        feed_item_open(item=item)
    engagement_reset(contact)
    wanted = request.GET.get("listing", "")
    matches = list(
        SearchMatch.objects.filter(alert=alert)
        .select_related("search", "listing")
        .prefetch_related(
            Prefetch(
                "listing__media", queryset=ListingMedia.objects.filter(order=0), to_attr="cover"
            )
        )
    )
    if wanted.isdigit() and any(m.listing_id == int(wanted) for m in matches):
        return redirect(reverse("portal:listing_detail", args=[int(wanted)]))
    entries = group_by_listing(matches)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "searches/portal_alert.html", {"alert": alert, "entries": entries, "page": page}
    )
