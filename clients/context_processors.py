from django.utils.functional import SimpleLazyObject


def branding(request) -> dict:
    """The agent whose brand a page wears: the agent themself, or the client's agent in the portal.
    In the portal also which contact-card fields the agent chose to show (Portal Preferences);
    queried only if the page shows the card."""
    contact = getattr(request, "client_contact", None)
    agent = contact.agent if contact is not None else getattr(request, "agent", None)
    context = {"brand_agent": agent, "client_contact": contact}
    if contact is not None:
        from .selectors import portal_card_fields_for_agent

        context["card_fields"] = SimpleLazyObject(lambda: portal_card_fields_for_agent(agent))
    return context
