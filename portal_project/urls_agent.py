"""The agent back-office (/agent/...). Each page's view lives in the app that owns it."""

from django.urls import path

from clients.views import agent as client_views
from listings.views import agent as listing_views
from searches.views import agent as search_views

app_name = "agent"

urlpatterns = [
    path("", client_views.agent_home, name="home"),
    path("contacts/", client_views.contact_list, name="contact_list"),
    path("contacts/<int:pk>/", client_views.contact_detail, name="contact_detail"),
    path("settings/profile/", client_views.profile_edit, name="profile_edit"),
    path("listings/", listing_views.listing_search, name="listing_search"),
    path("listings/<int:pk>/", listing_views.listing_detail, name="listing_detail"),
    path("searches/", search_views.search_list, name="search_list"),
]
