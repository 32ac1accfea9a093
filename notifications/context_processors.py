from django.utils.functional import SimpleLazyObject


def agent_bell(request) -> dict:
    """The unread count for the back-office bell; queried only if a page shows it."""
    agent = getattr(request, "agent", None)
    if agent is None:
        return {}
    from .selectors import agent_unread_notification_count

    return {"bell_count": SimpleLazyObject(lambda: agent_unread_notification_count(agent))}
