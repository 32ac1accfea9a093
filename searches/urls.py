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
]
