"""Tags for pages other apps own that show a piece of searches/: the screening count in the agent
nav and the alert settings on the Save this search panel (listings cannot import searches)."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from clients.templatetags.ui import icon, money, thousands

from ..models import SavedSearch
from ..selectors import alert_choices

register = template.Library()


def screening_badge(count: int) -> str:
    if not count:
        return ""
    return format_html(
        '<span class="badge badge--primary nav-count">{}<span class="visually-hidden">'
        " match{} waiting for your review</span></span>",
        count,
        "" if count == 1 else "es",
    )


@register.simple_tag
def screening_nav_badge():
    """A placeholder that htmx fills with the count of screened matches waiting for the agent
    (searches.views.manage.screening_count_badge): loaded after the page, so no back-office
    page pays a query for it."""
    return format_html(
        '<span hx-get="{}" hx-trigger="load" hx-swap="outerHTML"></span>',
        reverse("agent:search_screening_count"),
    )


@register.simple_tag
def get_alert_choices():
    return alert_choices()


@register.simple_tag(takes_context=True)
def get_editing_search(context):
    """The agent's search opened from its Edit page with "Edit criteria", if any (one query,
    only then)."""
    from ..views.manage import EDITING_SESSION_KEY

    request = context.get("request")
    agent = getattr(request, "agent", None)
    pk = request.session.get(EDITING_SESSION_KEY) if request is not None else None
    if agent is None or not isinstance(pk, int):
        return None
    return SavedSearch.objects.filter(pk=pk, agent=agent).only("pk", "name").first()


@register.simple_tag
def screening_item(match, now=None):
    """One row of the screening queue, rendered in Python: the queue shows up to 300 and the
    template engine spent ~2.5 ms on each (see docs/benchmarks.md, "Saved searches UI")."""
    listing = match.listing
    photo = match.photo
    if photo is not None:
        media = format_html(
            '<img class="thumb" src="{}" alt="" width="96" height="72" loading="lazy">',
            photo.thumb_src,
        )
    else:
        media = format_html('<span class="thumb thumb--empty">{}</span>', icon("house"))
    price = money(listing.list_price) if listing.list_price is not None else "Price on request"
    facts = []
    if listing.bedrooms_total is not None:
        facts.append(f"{listing.bedrooms_total} bd")
    if listing.bathrooms_total_integer is not None:
        facts.append(f"{listing.bathrooms_total_integer} ba")
    if listing.living_area:
        facts.append(f"{thousands(listing.living_area)} sq ft")
    facts.append(f"matched {_ago(match.matched_at, now or timezone.now())}")
    return format_html(
        '<li class="screening__item">'
        '<input type="checkbox" name="match" value="{pk}" id="m-{pk}" data-screening-row>'
        '<label for="m-{pk}" class="screening__label">{media}<span class="screening__body">'
        '<span class="screening__price">{price} <span class="badge badge--primary">{label}'
        "</span></span>"
        '<span class="screening__address">{address}, {city}</span>'
        '<span class="muted">{facts}</span></span></label>'
        '<a class="btn btn--sm btn--ghost" href="{href}">View<span class="visually-hidden"> '
        "{address}</span></a></li>",
        pk=match.pk,
        media=media,
        price=price,
        label=match.label,
        address=listing.address_line,
        city=listing.city,
        facts=" · ".join(facts),
        href=reverse("agent:listing_detail", args=[listing.pk]),
    )


def _ago(when, now) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


@register.simple_tag
def select_options(choices, selected=None):
    """<option>s of a select, rendered in Python: My Searches repeats the alert settings for
    every search (40-odd options each), too many loops for the template engine."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in choices),
    )


@register.simple_tag
def check_pills(name, choices, checked=()):
    return format_html_join(
        " ",
        '<label class="check-pill"><input type="checkbox" name="{}" value="{}"{}> {}</label>',
        ((name, value, " checked" if value in checked else "", label) for value, label in choices),
    )
