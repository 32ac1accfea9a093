"""Middleware for every page.

MustChangePasswordMiddleware — optional, for every page: a user holding a temporary password may only change it.

``client_required`` already enforces this on the portal; registering this middleware (after
AuthenticationMiddleware) extends it to every other page.
"""

from django.shortcuts import redirect
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
