"""Middleware for every page.

MustChangePasswordMiddleware — optional, for every page: a user holding a temporary password may only change it.

``client_required`` already enforces this on the portal; registering this middleware (after
AuthenticationMiddleware) extends it to every other page.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/email/")


class MustChangePasswordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            return redirect(reverse("account_change_password"))
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages served to a logged-in person hold their data (contacts, messages, a client's
    searches): no shared cache or browser disk may keep them. Responses that chose their own
    Cache-Control (static files, downloads that set it) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        return response


class HtmxLoginRedirectMiddleware:
    """A fragment htmx asked for (the nav's screening count, the "who's looking" panel, a page
    of results) whose answer is "log in first" — a session that ran out while the page stayed
    open — must not put the login page inside the page: the browser follows the redirect and
    htmx would swap the whole login page into the nav. The whole page goes to the login page
    instead (``HX-Redirect``), and comes back to where it was after logging in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or response.status_code not in (301, 302):
            return response
        login_path = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != login_path:
            return response
        # Only the path and query of the page the person is on (the header is the browser's
        # word, and allauth checks "next" again anyway).
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = (
            current.path + (f"?{current.query}" if current.query else "") if current.path else "/"
        )
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        redirect_page = HttpResponse(status=204)
        redirect_page["HX-Redirect"] = f"{login_path}?{urlencode({'next': back})}"
        return redirect_page
