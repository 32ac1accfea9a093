"""clients/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists."""

from django.urls import path

from .views import agent

agent_urlpatterns = [
    path("", agent.agent_home, name="home"),
    path("contacts/", agent.contact_list, name="contact_list"),
    path("contacts/<int:pk>/", agent.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/restore/", agent.contact_restore, name="contact_restore"),
    path("contacts/<int:pk>/status/", agent.contact_status, name="contact_status"),
    path("contacts/<int:pk>/invite/", agent.contact_invite, name="contact_invite"),
    path("contacts/invalid-emails/", agent.invalid_emails, name="invalid_emails"),
    path("contacts/emails/<int:pk>/edit/", agent.contact_email_edit, name="contact_email_edit"),
    path(
        "contacts/emails/<int:pk>/remove/", agent.contact_email_remove, name="contact_email_remove"
    ),
    path("settings/profile/", agent.profile_edit, name="profile_edit"),
]

portal_urlpatterns: list = []
