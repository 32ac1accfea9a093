"""Tags for pages other apps own that show a piece of searches/: the screening count in the agent
nav and the alert settings on the Save this search panel (listings cannot import searches)."""

from django import template
from django.utils.html import format_html

from ..models import SavedSearch
from ..selectors import alert_choices, cached_screening_count

register = template.Library()


@register.simple_tag(takes_context=True)
def screening_nav_badge(context):
    """A count of screened matches waiting for the agent, or nothing."""
    request = context.get("request")
    agent = getattr(request, "agent", None) or context.get("brand_agent")
    if agent is None or not getattr(agent, "pk", None):
        return ""
    count = cached_screening_count(agent)
    if not count:
        return ""
    return format_html(
        ' <span class="badge badge--primary nav-count">{}<span class="visually-hidden">'
        " match{} waiting for your review</span></span>",
        count,
        "" if count == 1 else "es",
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
