"""The client portal (/portal/...), namespace "portal": the four tabs, each owned by its app
(<app>/urls.py, portal_urlpatterns)."""

from clients import urls as clients_urls
from listings import urls as listings_urls
from messaging import urls as messaging_urls
from searches import urls as searches_urls

app_name = "portal"

urlpatterns = [
    *messaging_urls.portal_urlpatterns,
    *searches_urls.portal_urlpatterns,
    *listings_urls.portal_urlpatterns,
    *clients_urls.portal_urlpatterns,
]
