"""Small formatting tags shared by every page."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from clients.icons import ICONS

register = template.Library()


@register.simple_tag
def icon(name: str, label: str = "", stroke: str = "2"):
    """An inline SVG icon; decorative unless a label is given. One dict lookup, no template
    branching: pages with many cards render dozens of these."""
    shape = ICONS.get(name, "")
    if label:
        opening = format_html(
            '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" '
            'stroke-width="{}" stroke-linecap="round" stroke-linejoin="round" focusable="false" '
            'role="img" aria-label="{}">',
            stroke or "2",
            label,
        )
    else:
        opening = format_html(
            '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" '
            'stroke-width="{}" stroke-linecap="round" stroke-linejoin="round" focusable="false" '
            'aria-hidden="true">',
            stroke or "2",
        )
    return mark_safe(f"{opening}{shape}</svg>")  # shapes are our own constants


@register.filter
def money(value) -> str:
    """$1,234,567 for a price (whole dollars); empty for no value. Faster than
    floatformat|intcomma, and the same in every locale we serve."""
    if value is None or value == "":
        return ""
    try:
        return f"${int(round(float(value))):,}"
    except (TypeError, ValueError):
        return ""


@register.filter
def thousands(value) -> str:
    """1,234 for a count or an area; empty for no value."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
