"""messaging/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists."""

from django.urls import path

from .views import agent, portal

agent_urlpatterns = [
    path("messages/new/", agent.compose_email, name="compose_email"),
    path("messages/", agent.inbox, name="inbox"),
    path("messages/<int:pk>/", agent.message_thread, name="message_thread"),
    path("share/listings/", agent.share_listings_view, name="share_listings"),
    path("share/document/", agent.share_document_view, name="share_document"),
    path("sent/", agent.sent, name="sent"),
]

portal_urlpatterns = [
    path("", portal.dashboard, name="dashboard"),
    path("feed/<int:pk>/", portal.feed_item, name="feed_item"),
    path("documents/<int:pk>/", portal.document_download, name="document"),
    path("messages/", portal.thread, name="messages"),
]
