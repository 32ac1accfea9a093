"""notifications/ back-office pages (gathered into the "agent" namespace)."""

from django.urls import path

from . import views_agent

agent_urlpatterns = [
    path("notifications/", views_agent.notification_list, name="notifications"),
    path(
        "notifications/read/", views_agent.notifications_mark_read, name="notifications_mark_read"
    ),
]
