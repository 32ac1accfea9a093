"""The agent's notification centre (the bell in the back-office header)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clients.decorators import agent_required

from .selectors import agent_notifications
from .services import agent_notifications_mark_read


@agent_required
def notification_list(request):
    return render(
        request,
        "notifications/agent_notifications.html",
        {"notifications": agent_notifications(request.agent)},
    )


@agent_required
@require_POST
def notifications_mark_read(request):
    agent_notifications_mark_read(agent=request.agent)
    return redirect("agent:notifications")
