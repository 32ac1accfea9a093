from clients.models import Agent

from .models import AgentNotification


def agent_unread_notification_count(agent: Agent) -> int:
    return AgentNotification.objects.filter(agent=agent, read_at=None).count()


def agent_notifications(agent: Agent, *, limit: int = 100) -> list[AgentNotification]:
    return list(AgentNotification.objects.filter(agent=agent).select_related("contact")[:limit])
