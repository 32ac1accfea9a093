"""Search Listings' repeated markup, rendered in Python: the listing cards (portal), the result
rows (agent) and the search form's fields.

A results page shows 50 cards or rows and some twenty form fields. Through the template engine
each card cost about 0.75 ms (some forty variable lookups and filters) and each field ~0.25 ms
(Django renders a widget through two or three templates); here they are string building. The
markup lives only here: change it here. Values are escaped with ``html.escape`` (as Django's
``escape``); the icons are our own constants.
"""

from __future__ import annotations

from html import escape

from django import forms, template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.timezone import get_current_timezone_name

from clients.templatetags.ui import icon, money, thousands
from listings.shared_cache import shared_get, shared_set

register = template.Library()

REACTION_ICONS = {
    "favorite": ("heart", "Favorite"),
    "maybe": ("maybe", "Maybe"),
    "not_interested": ("x-circle", "Not interested"),
}

_PLACEHOLDER_PK = 987654321
_url_makers: dict[tuple[str, str], tuple[str, str]] = {}


def detail_href(view_name: str, pk: int) -> str:
    """``reverse(view_name, args=[pk])`` for an ``<int:pk>`` URL, resolved once per view name
    (and script prefix) instead of once per listing: 50 reverses were ~1 ms of a page."""
    key = (view_name, get_script_prefix())
    parts = _url_makers.get(key)
    if parts is None:
        head, _, tail = reverse(view_name, args=[_PLACEHOLDER_PK]).partition(str(_PLACEHOLDER_PK))
        parts = _url_makers[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"


_links: dict[tuple[str, str], str] = {}


@register.simple_tag
def link(view_name: str, pk=None) -> str:
    """``{% url %}`` for a URL without arguments or with one ``<int:pk>``, reversed once per
    view name (and script prefix): the portal's header, tabs and Dashboard reverse some thirty
    URLs per page, ~1 ms through ``{% url %}``."""
    if pk is not None:
        return detail_href(view_name, pk)
    key = (view_name, get_script_prefix())
    url = _links.get(key)
    if url is None:
        url = _links[key] = reverse(view_name)
    return url


def _e(value) -> str:
    return escape(str(value))


_HOUSE_ICON = None


def _house_icon() -> str:
    global _HOUSE_ICON
    if _HOUSE_ICON is None:
        _HOUSE_ICON = str(icon("house", stroke="1.5"))
    return _HOUSE_ICON


_BADGES: dict[tuple[str, str], str] = {}


def _status_badge(listing, extra_class: str = "") -> str:
    # Eight statuses: slugify and the label once each, not once per card.
    key = (listing.standard_status, extra_class)
    badge = _BADGES.get(key)
    if badge is None:
        badge = _BADGES[key] = (
            f'<span class="badge badge--dot{extra_class} badge--{slugify(key[0])}">'
            f"{_e(listing.get_standard_status_display())}</span>"
        )
    return badge


def _card(listing, href: str) -> str:
    head, tail = card_parts(listing, href)
    return f"{head}{_reaction(getattr(listing, 'my_reaction', None))}{tail}"


def _reaction(my_reaction) -> str:
    if my_reaction not in REACTION_ICONS:
        return ""
    name, label = REACTION_ICONS[my_reaction]
    return (
        f'<span class="card-reaction card-reaction--{my_reaction}">{icon(name)}'
        f'<span class="visually-hidden">{label}</span></span>'
    )


def card_parts(listing, href: str) -> tuple[str, str]:
    """A card's markup before and after the client's own reaction: the same for every client,
    so Search Listings keeps it in the shared cache (``listings.selectors.SharedCard``)."""
    covers = getattr(listing, "cover", None) or []
    photo = covers[0] if covers else None
    address = listing.address_line
    if photo is not None:
        media = (
            f'<img src="{_e(photo.thumb_src)}" alt="{_e(photo.caption or address)}" width="640"'
            ' height="480" loading="lazy" decoding="async">'
        )
    else:
        media = f'<div class="photo-placeholder">{_house_icon()}</div>'
    badges = _status_badge(listing, " badge--on-photo")
    if listing.is_price_reduced:
        badges += '<span class="badge badge--on-photo badge--reduced">Price cut</span>'
    price = money(listing.list_price) if listing.list_price is not None else "Price on request"
    facts = ""
    if listing.bedrooms_total is not None:
        facts += f"<span><b>{int(listing.bedrooms_total)}</b> bd</span>"
    if listing.bathrooms_total_integer is not None:
        facts += f"<span><b>{int(listing.bathrooms_total_integer)}</b> ba</span>"
    if listing.living_area:
        facts += f"<span><b>{thousands(listing.living_area)}</b> sq ft</span>"
    meta = _e(listing.get_property_type_display())
    if listing.listing_id:
        meta += f" · MLS #{_e(listing.listing_id)}"
    return (
        f'<article class="listing-card"><div class="listing-card__media">{media}'
        f'<div class="listing-card__badges">{badges}</div>',
        "</div>"
        f'<div class="listing-card__body"><p class="listing-card__price">{price}</p>'
        f'<p class="listing-card__facts">{facts}</p>'
        f'<h2 class="listing-card__address"><a class="listing-card__link" href="{_e(href)}">'
        f"{_e(address)}, {_e(listing.city)}, {_e(listing.state_or_province)} "
        f"{_e(listing.postal_code)}</a></h2>"
        f'<p class="listing-card__meta">{meta}</p></div></article>',
    )


@register.simple_tag
def listing_card(listing, href: str = "") -> SafeString:
    """One card (also used by the saved-search alert page)."""
    return mark_safe(_card(listing, href or detail_href("portal:listing_detail", listing.pk)))


@register.simple_tag
def listing_grid(listings) -> SafeString:
    """The portal's results: ``<li>`` per card, for a ``<ul class="listing-grid">``."""
    return mark_safe("".join(_grid_item(listing) for listing in listings))


def _grid_item(listing) -> str:
    parts = getattr(listing, "card", None)  # a SharedCard brings its card already rendered
    if parts is None:
        parts = card_parts(listing, detail_href("portal:listing_detail", listing.pk))
    head, tail = parts
    reaction = _reaction(getattr(listing, "my_reaction", None))
    return f'<li data-listing-id="{int(listing.pk)}">{head}{reaction}{tail}</li>'


def _row(listing) -> str:
    pk = int(listing.pk)
    address = _e(listing.address_line)
    covers = getattr(listing, "cover", None) or []
    if covers:
        thumb = (
            f'<img class="thumb" src="{_e(covers[0].thumb_src)}" alt="" width="72" height="54"'
            ' loading="lazy" decoding="async">'
        )
    else:
        thumb = f'<span class="thumb thumb--empty" aria-hidden="true">{_house_icon()}</span>'
    price = money(listing.list_price) if listing.list_price is not None else "Price on request"
    reduced = (
        '<span class="table__sub price-cut">Reduced</span>' if listing.is_price_reduced else ""
    )
    beds = "—" if listing.bedrooms_total is None else int(listing.bedrooms_total)
    baths = "—" if listing.bathrooms_total_integer is None else int(listing.bathrooms_total_integer)
    area = thousands(listing.living_area) if listing.living_area else "—"
    return (
        f'<tr data-listing-id="{pk}">'
        f'<td><input type="checkbox" name="listing" value="{pk}" form="share-form"'
        f' aria-label="Select {address}"></td>'
        f'<td class="table__lead"><div class="table__name">{thumb}<div>'
        f'<a class="table__primary" href="{_e(detail_href("agent:listing_detail", pk))}">'
        f"{address}</a>"
        f'<span class="table__sub">{_e(listing.city)} {_e(listing.postal_code)}'
        f" · MLS #{_e(listing.listing_id)}</span></div></div></td>"
        f'<td data-label="Price" class="num nowrap"><strong>{price}</strong>{reduced}</td>'
        f'<td data-label="Beds" class="num">{beds}</td>'
        f'<td data-label="Baths" class="num">{baths}</td>'
        f'<td data-label="Sq ft" class="num">{area}</td>'
        f'<td data-label="Status">{_status_badge(listing)}</td></tr>'
    )


@register.simple_tag
def listing_rows(listings) -> SafeString:
    """The agent's results: one ``<tr>`` per listing for the results table's body."""
    return mark_safe("".join(_row(listing) for listing in listings))


# --- the search form's fields ----------------------------------------------------------------


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        f" {name}" if value is True else f' {name}="{_e(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _widget(bound: forms.BoundField) -> str:
    """The field's widget as Django's templates write it, for the widgets this form uses; any
    other widget goes through Django."""
    widget = bound.field.widget
    if type(widget) not in (forms.TextInput, forms.HiddenInput, forms.Select, forms.CheckboxInput):
        return str(bound)
    attrs = bound.build_widget_attrs({}, widget)
    if attrs.get("aria-invalid"):
        # The error list below the field carries this id (Django would point at "<id>_error").
        attrs["aria-describedby"] = f"err-{bound.name}"
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    if isinstance(widget, forms.Select):
        options = "".join(
            f'\n  <option value="{_e(option["value"])}"{_attrs(option["attrs"])}>'
            f"{_e(option['label'])}</option>"
            for _, group, _ in context["optgroups"]
            for option in group
        )
        return (
            f'<select name="{_e(context["name"])}"{_attrs(context["attrs"])}>{options}\n</select>'
        )
    value = context["value"]
    value_attr = "" if value is None else f' value="{_e(value)}"'
    return (
        f'<input type="{context["type"]}" name="{_e(context["name"])}"{value_attr}'
        f"{_attrs(context['attrs'])}>"
    )


def _errors(bound: forms.BoundField, oob: bool = False) -> str:
    errors = bound.errors
    items = "".join(f"<li>{_e(error)}</li>" for error in errors)
    swap = ' hx-swap-oob="true"' if oob else ""
    hidden = "" if errors else " hidden"
    return (
        f'<ul class="field__errors search-errors" id="err-{bound.name}"{swap}{hidden}>{items}</ul>'
    )


@register.simple_tag
def search_field(bound: forms.BoundField, css_class: str = "") -> SafeString:
    """One search field: label, input and the error slot (id ``err-<name>``) that the results
    partial refreshes out of band, so errors stay next to their field after an htmx swap."""
    checkbox = isinstance(bound.field.widget, forms.CheckboxInput)
    classes = (
        "field" + (" field--checkbox" if checkbox else "") + (f" {css_class}" if css_class else "")
    )
    label_for = _e(bound.id_for_label)
    if checkbox:
        inner = f'{_widget(bound)}<label for="{label_for}">{_e(bound.label)}</label>'
    else:
        inner = f'<label class="field__label" for="{label_for}">{_e(bound.label)}</label>{_widget(bound)}'
    return mark_safe(f'<div class="{classes}">\n  {inner}\n  {_errors(bound)}\n</div>')


@register.simple_tag
def search_widget(bound: forms.BoundField) -> SafeString:
    """Just the widget (the hidden map fields, the sort select)."""
    return mark_safe(_widget(bound))


@register.simple_tag
def search_field_errors(bound: forms.BoundField, oob: bool = False) -> SafeString:
    return mark_safe(_errors(bound, oob))


@register.simple_tag
def search_errors_oob(form: forms.Form) -> SafeString:
    """Every field's error slot, swapped out of band by an htmx results response."""
    return mark_safe("".join(_errors(bound, True) for bound in form))


# --- fragments of the listing page made only from the listings data ---------------------------


class SharedFragmentNode(template.Node):
    def __init__(self, name: str, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context) -> str:
        listing = context.get("listing")
        version = getattr(listing, "data_version", None)
        if version is None:
            return self.nodelist.render(context)
        key = (
            f"listings:shared-fragment:{version}:{self.name}:{int(listing.pk)}:"
            f"{get_current_timezone_name()}:{get_script_prefix()}"
        )
        html = shared_get(key)
        if html is None:
            html = str(self.nodelist.render(context))
            shared_set(key, html)
        return mark_safe(html)  # noqa: S308 — our own rendering, escaped when it was made


@register.tag
def shared_fragment(parser, token) -> SharedFragmentNode:
    """``{% shared_fragment "name" %}…{% endshared_fragment %}``: markup made only from
    ``listing`` (its fields, photos and events) and constant settings, the same for every
    client, kept in the cache under the listings data version that
    ``selectors.get_listing_for_detail_shared`` put on the listing, the listing, the time zone
    and the URL prefix. Without a version (SQLite, another caller) it is simply rendered.
    Nothing of the client's, nothing that moves with the clock, may go inside."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][:1] not in ('"', "'") or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('{% shared_fragment "name" %} takes one quoted name')
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(bits[1][1:-1], nodelist)
