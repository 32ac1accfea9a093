"""The Dashboard feed's items, rendered in Python (as Search Listings' cards are, see
listings/templatetags/listing_cards.py): a feed page holds up to 20 items of up to four homes
each, and through the template engine each item cost ~0.3 ms. The markup lives only here.
Values are escaped as Django's autoescape does; dates go through Django's own filters."""

from __future__ import annotations

from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import truncatewords
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from clients.templatetags.ui import money
from listings.templatetags.listing_cards import detail_href

register = template.Library()


def _e(value) -> str:
    return escape(str(value))


def _home(listing) -> str:
    photo = listing.photos[0] if listing.photos else None
    image = (
        f'<img src="{_e(photo.thumb_src)}" alt="{_e(listing.address_line)}" width="132" '
        'height="88" loading="lazy">'
        if photo
        else ""
    )
    return (
        f'\n          <a href="{_e(detail_href("portal:listing_detail", listing.pk))}">\n'
        f"            {image}\n"
        f'            <span class="feed-listings__price">{_e(money(listing.list_price))}</span>\n'
        f'            <span class="feed-listings__address muted">{_e(listing.address_line)}</span>\n'
        "          </a>\n          "
    )


NEW_BADGE = ' <span class="badge badge--primary">New</span>'


def _item(item) -> str:
    new = not item.opened_at
    created = item.created_at
    if timezone.is_aware(created):
        created = timezone.localtime(created)  # as the template's date filter does
    text = ""
    if item.message:
        text = f"<p>{_e(truncatewords(item.message.body, 30))}</p>"
    elif item.note:
        text = f"<p>{_e(truncatewords(item.note, 30))}</p>"
    homes = ""
    if item.shown_listings:
        homes = (
            '\n        <div class="feed-listings">\n          '
            + "".join(_home(listing) for listing in item.shown_listings)
            + "\n        </div>\n        "
        )
    badge = NEW_BADGE if new else ""
    return (
        f'\n    <li class="list__item{" list__item--new" if new else ""}">\n'
        '      <div class="list__main">\n'
        '        <p class="list__meta"><span class="badge badge--outline">'
        f"{_e(item.get_category_display())}</span>{badge}\n"
        f'          <time datetime="{_e(date_format(created, "c"))}" '
        f'title="{_e(date_format(created, "N j, Y, P"))}">{_e(naturaltime(item.created_at))}'
        "</time></p>\n"
        f'        <h3><a href="{_e(detail_href("portal:feed_item", item.pk))}">'
        f"{_e(item.title)}</a></h3>\n"
        f"        {text}\n"
        f"        {homes}\n"
        "      </div>\n    </li>\n    "
    )


@register.simple_tag
def feed_items(items) -> SafeString:
    """The ``<li>`` of each feed item, for the Dashboard's ``<ul class="list">``."""
    return mark_safe("".join(_item(item) for item in items))  # every value escaped above
