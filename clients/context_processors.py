def branding(request) -> dict:
    """The agent whose brand a page wears: the agent themself, or the client's agent in the portal."""
    contact = getattr(request, "client_contact", None)
    agent = contact.agent if contact is not None else getattr(request, "agent", None)
    return {"brand_agent": agent, "client_contact": contact}
