"""The listing card of Search Listings, rendered in Python.

A results page shows 50 cards; through the template engine each cost about 0.75 ms (some forty
variable lookups and filters), two thirds of the page. This tag renders the same markup in a
fraction of that. The markup lives only here: change it here."""

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from clients.templatetags.ui import icon, money, thousands

register = template.Library()

REACTION_ICONS = {
    "favorite": ("heart", "Favorite"),
    "maybe": ("maybe", "Maybe"),
    "not_interested": ("x-circle", "Not interested"),
}


@register.simple_tag
def listing_card(listing, href: str = ""):
    href = href or reverse("portal:listing_detail", args=[listing.pk])
    covers = getattr(listing, "cover", None) or []
    photo = covers[0] if covers else None
    if photo is not None:
        media = format_html(
            '<img src="{}" alt="{}" width="640" height="480" loading="lazy" decoding="async">',
            photo.thumb_src,
            photo.caption or listing.address_line,
        )
    else:
        media = format_html('<div class="photo-placeholder">{}</div>', icon("house", stroke="1.5"))
    badges = format_html(
        '<span class="badge badge--dot badge--on-photo badge--{}">{}</span>',
        slugify(listing.standard_status),
        listing.get_standard_status_display(),
    )
    if listing.is_price_reduced:
        badges += mark_safe('<span class="badge badge--on-photo badge--reduced">Price cut</span>')
    reaction = ""
    my_reaction = getattr(listing, "my_reaction", None)
    if my_reaction in REACTION_ICONS:
        name, label = REACTION_ICONS[my_reaction]
        reaction = format_html(
            '<span class="card-reaction card-reaction--{}">{}<span class="visually-hidden">{}</span></span>',
            my_reaction,
            icon(name),
            label,
        )
    price = money(listing.list_price) if listing.list_price is not None else "Price on request"
    facts = []
    if listing.bedrooms_total is not None:
        facts.append(format_html("<span><b>{}</b> bd</span>", listing.bedrooms_total))
    if listing.bathrooms_total_integer is not None:
        facts.append(format_html("<span><b>{}</b> ba</span>", listing.bathrooms_total_integer))
    if listing.living_area:
        facts.append(format_html("<span><b>{}</b> sq ft</span>", thousands(listing.living_area)))
    meta = escape(listing.get_property_type_display())
    if listing.listing_id:
        meta += format_html(" · MLS #{}", listing.listing_id)
    return format_html(
        '<article class="listing-card"><div class="listing-card__media">{}'
        '<div class="listing-card__badges">{}</div>{}</div>'
        '<div class="listing-card__body"><p class="listing-card__price">{}</p>'
        '<p class="listing-card__facts">{}</p>'
        '<h2 class="listing-card__address"><a class="listing-card__link" href="{}">{}, {}, {} {}</a></h2>'
        '<p class="listing-card__meta">{}</p></div></article>',
        media,
        badges,
        reaction,
        price,
        mark_safe("".join(facts)),  # each part built with format_html above
        href,
        listing.address_line,
        listing.city,
        listing.state_or_province,
        listing.postal_code,
        meta,
    )
