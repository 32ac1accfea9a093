"""searches/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists."""

from django.urls import path

from .views import agent, portal

agent_urlpatterns = [
    path("searches/", agent.search_list, name="search_list"),
    path("searches/save/", agent.search_save, name="search_save"),
]

portal_urlpatterns = [
    path("searches/", portal.my_searches, name="my_searches"),
    path("searches/save/", portal.search_save, name="search_save"),
    path("searches/<int:pk>/rename/", portal.search_rename, name="search_rename"),
    path("searches/<int:pk>/delete/", portal.search_delete, name="search_delete"),
    path("searches/previous/<int:pk>/save/", portal.previous_save, name="previous_search_save"),
]
