"""Role gates for the two faces. They attach the agent or the client's contact to the request."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .models import User
from .selectors import agent_for_user, client_contact_for_user


def agent_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role != User.Role.AGENT:
            raise PermissionDenied("This page is for agents.")
        request.agent = agent_for_user(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def client_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role != User.Role.CLIENT:
            raise PermissionDenied("This page is for clients.")
        if request.user.must_change_password:
            # A temporary password from the agent opens only the change-password page.
            return redirect("account_change_password")
        request.client_contact = client_contact_for_user(request.user)
        return view(request, *args, **kwargs)

    return wrapper
