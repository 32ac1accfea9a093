"""Middleware for every page.

AuthenticationMiddleware — Django's, reading the session, its user and (for a page-cached view)
a client's portal state in one statement.

MustChangePasswordMiddleware — optional, for every page: a user holding a temporary password may
only change it. ``client_required`` already enforces this on the portal; registering this
middleware (after AuthenticationMiddleware) extends it to every other page.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from .auth_backends import prefetched_user

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/email/")


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the session, its user and a client's portal state read in one statement
    (``clients.sessions``) when ``request.user`` is first used. The portal state is read only
    for a view marked ``wants_portal_state`` (``listings.page_cache``), so no middleware may use
    ``request.user`` before the views' ``process_view`` (``MustChangePasswordMiddleware`` waits
    for it).

    Who is logged in is still decided by ``django.contrib.auth.get_user``, unchanged: the user id
    comes from the session's signed data, the backend must be a configured one, the session's
    hash must match the user's password, an inactive user is nobody. The row read with the
    session only stands in for the backend's own read of that same id. The portal state is kept
    (``request.portal_state``, for ``listings.page_cache``) only when it is the logged-in
    user's."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _logged_in_user(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "wants_portal_state", False):
            request.wants_portal_state = True


def _logged_in_user(request):
    if not hasattr(request, "_cached_user"):
        read = getattr(request.session, "read_with_user", None)
        wanted = getattr(request, "wants_portal_state", False)
        prefetched = read(with_portal_state=wanted) if read is not None else None
        with prefetched_user(prefetched.user if prefetched is not None else None):
            user = auth.get_user(request)
        if (
            prefetched is not None
            and prefetched.portal_state is not None
            and user.is_authenticated
            and user.pk == prefetched.user.pk
        ):
            request.portal_state = prefetched.portal_state
        request._cached_user = user
    return request._cached_user


class MustChangePasswordMiddleware:
    """Checked once the view is known (``process_view``), not on the way in: the user is then
    read together with what the view needs (``AuthenticationMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(ALLOWED_PREFIXES)
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
        ):
            return redirect(reverse("account_change_password"))
        return None


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
