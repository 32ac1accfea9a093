"""The signed links in alert emails: manage one search without logging in."""

from django.urls import path

from .views import email_links

app_name = "search_email"
urlpatterns = [
    path("<str:token>/", email_links.manage, name="manage"),
    path("<str:token>/keep/", email_links.keep, name="keep"),
]
