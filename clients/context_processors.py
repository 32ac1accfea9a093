import json

from django.db import connection
from django.utils.functional import SimpleLazyObject

from .models import Agent, AgentPreferences


def branding(request) -> dict:
    """The agent whose brand a page wears: the agent themself, or the client's agent in the portal.
    In the portal also which contact-card fields the agent chose to show (Portal Preferences);
    queried only if the page shows the card."""
    contact = getattr(request, "client_contact", None)
    agent = contact.agent if contact is not None else getattr(request, "agent", None)
    context = {"brand_agent": agent, "client_contact": contact}
    if contact is not None:
        context["card_fields"] = SimpleLazyObject(lambda: _card_fields(agent))
    placeholder = getattr(request, "csrf_placeholder", None)
    if placeholder:
        # A page bound for the cache holds a placeholder; each serve writes the token in
        # (listings.page_cache).
        context["csrf_token"] = placeholder
    return context


def _card_fields(agent) -> set[str]:
    if not Agent.preferences.is_cached(agent):
        return portal_card_fields(agent.pk)
    try:
        preferences = agent.preferences  # loaded with the client's contact
    except AgentPreferences.DoesNotExist:
        return set(AgentPreferences.CardField.values)
    return set(preferences.portal_card_fields or [])


def portal_card_fields(agent_id: int) -> set[str]:
    """``clients.selectors.portal_card_fields_for_agent`` as one plain query: it runs on most
    portal pages, and the ORM's ``.first()`` of the whole preferences row cost ~0.6 ms more."""
    field = AgentPreferences._meta.get_field("portal_card_fields")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {field.column} FROM {AgentPreferences._meta.db_table} WHERE agent_id = %s",  # noqa: S608 — our own names
            [agent_id],
        )
        row = cursor.fetchone()
    if row is None:
        return set(AgentPreferences.CardField.values)
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return set(value or [])
