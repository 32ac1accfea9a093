"""listings/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists."""

from django.urls import path

from .views import agent, portal

agent_urlpatterns = [
    path("listings/", agent.listing_search, name="listing_search"),
    path("listings/<int:pk>/", agent.listing_detail, name="listing_detail"),
]

portal_urlpatterns = [
    path("favorites/", portal.favorites, name="favorites"),
    path("search/", portal.search, name="search"),
    path("listings/<int:pk>/", portal.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/react/", portal.listing_react, name="listing_react"),
    path("listings/<int:pk>/comments/", portal.listing_comment, name="listing_comment"),
]
