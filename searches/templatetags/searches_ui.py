"""Tags for pages other apps own that show a piece of searches/: the screening count in the agent
nav and the alert settings on the Save this search panel (listings cannot import searches)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

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
