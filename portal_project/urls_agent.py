"""The agent back-office (/agent/...). Each page's view lives in the app that owns it."""

from django.urls import path

from clients.views import agent as client_views
from listings.views import agent as listing_views
from messaging.views import agent as messaging_views
from searches.views import agent as search_views

app_name = "agent"

urlpatterns = [
    path("", client_views.agent_home, name="home"),
    path("contacts/", client_views.contact_list, name="contact_list"),
    path("contacts/<int:pk>/", client_views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/restore/", client_views.contact_restore, name="contact_restore"),
    path("contacts/<int:pk>/status/", client_views.contact_status, name="contact_status"),
    path("contacts/<int:pk>/invite/", client_views.contact_invite, name="contact_invite"),
    path("contacts/invalid-emails/", client_views.invalid_emails, name="invalid_emails"),
    path(
        "contacts/emails/<int:pk>/edit/", client_views.contact_email_edit, name="contact_email_edit"
    ),
    path(
        "contacts/emails/<int:pk>/remove/",
        client_views.contact_email_remove,
        name="contact_email_remove",
    ),
    path("settings/profile/", client_views.profile_edit, name="profile_edit"),
    path("listings/", listing_views.listing_search, name="listing_search"),
    path("listings/<int:pk>/", listing_views.listing_detail, name="listing_detail"),
    path("searches/", search_views.search_list, name="search_list"),
    path("messages/new/", messaging_views.compose_email, name="compose_email"),
]
