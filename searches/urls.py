"""searches/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists.
The signed links in alert emails (no login) are in urls_email.py, under /email/searches/."""

from django.urls import path

from .views import agent, alerts, manage, portal

agent_urlpatterns = [
    path("searches/", agent.search_list, name="search_list"),
    path("searches/save/", agent.search_save, name="search_save"),
    path("searches/screening/", manage.screening_queue, name="search_screening"),
    path("searches/screening/count/", manage.screening_count_badge, name="search_screening_count"),
    path(
        "searches/screening/review/", manage.screening_review_view, name="search_screening_review"
    ),
    path("searches/<int:pk>/edit/", manage.search_edit, name="search_edit"),
    path("searches/<int:pk>/criteria/", manage.search_criteria, name="search_criteria"),
    path("searches/<int:pk>/pause/", manage.search_pause_view, name="search_pause"),
    path("searches/<int:pk>/resume/", manage.search_resume_view, name="search_resume"),
    path("searches/<int:pk>/delete/", manage.search_delete_view, name="search_delete"),
    path("listings/<int:pk>/prospects/", manage.listing_prospects, name="listing_prospects"),
]

portal_urlpatterns = [
    path("searches/", portal.my_searches, name="my_searches"),
    path("searches/save/", portal.search_save, name="search_save"),
    path("searches/<int:pk>/rename/", portal.search_rename, name="search_rename"),
    path("searches/<int:pk>/delete/", portal.search_delete, name="search_delete"),
    path("searches/<int:pk>/alerts/", manage.client_search_settings, name="search_settings"),
    path("searches/previous/<int:pk>/save/", portal.previous_save, name="previous_search_save"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="search_alert"),
]
