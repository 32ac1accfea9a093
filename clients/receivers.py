"""Framework signals this app listens to; each only calls a service."""

from .models import User
from .services import portal_login_record


def login_recorded(sender, request, user, **kwargs) -> None:
    if getattr(user, "role", None) == User.Role.CLIENT:
        portal_login_record(user=user)
