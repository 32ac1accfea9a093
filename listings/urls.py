"""listings/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists."""

from django.urls import path

from .views import agent, cma, portal, reports

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

# CMAs and market reports (listings/views/cma.py, reports.py).
agent_urlpatterns += [
    path("cmas/", cma.cma_list, name="cma_list"),
    path("cmas/new/", cma.cma_new, name="cma_new"),
    path("cmas/<int:pk>/", cma.cma_detail, name="cma_detail"),
    path("cmas/<int:pk>/edit/", cma.cma_edit, name="cma_edit"),
    path("cmas/<int:pk>/comparables/", cma.cma_comparables, name="cma_comparables"),
    path("cmas/<int:pk>/send/", cma.cma_send, name="cma_send"),
    path("reports/", reports.report_list, name="report_list"),
    path("reports/new/", reports.report_new, name="report_new"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/send/", reports.report_send, name="report_send"),
]
portal_urlpatterns += [
    path("cmas/<int:pk>/", cma.portal_cma, name="cma_detail"),
    path("reports/<int:pk>/", reports.portal_report, name="report_detail"),
]
