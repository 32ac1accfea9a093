"""The client portal (/portal/...): the four tabs, each owned by its app."""

from django.urls import path

from listings.views import portal as listing_views
from messaging.views import portal as messaging_views
from searches.views import portal as search_views

app_name = "portal"

urlpatterns = [
    path("", messaging_views.dashboard, name="dashboard"),
    path("searches/", search_views.my_searches, name="my_searches"),
    path("favorites/", listing_views.favorites, name="favorites"),
    path("search/", listing_views.search, name="search"),
    path("listings/<int:pk>/", listing_views.listing_detail, name="listing_detail"),
]
