"""messaging/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists."""

from django.urls import path

from .views import agent, portal

agent_urlpatterns = [
    path("messages/new/", agent.compose_email, name="compose_email"),
]

portal_urlpatterns = [
    path("", portal.dashboard, name="dashboard"),
]
