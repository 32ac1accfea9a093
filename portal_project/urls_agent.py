"""The agent back-office (/agent/...), namespace "agent". Each app lists its own pages in
<app>/urls.py (agent_urlpatterns); Django allows one module per namespace, so they meet here."""

from clients import urls as clients_urls
from listings import urls as listings_urls
from messaging import urls as messaging_urls
from notifications import urls_agent as notifications_urls
from searches import urls as searches_urls

app_name = "agent"

urlpatterns = [
    *clients_urls.agent_urlpatterns,
    *listings_urls.agent_urlpatterns,
    *searches_urls.agent_urlpatterns,
    *messaging_urls.agent_urlpatterns,
    *notifications_urls.agent_urlpatterns,
]
