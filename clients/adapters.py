from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Agents are created by MLS staff and clients by their agent; nobody signs up alone.
        return False

    def get_login_redirect_url(self, request) -> str:
        from .selectors import home_url_for

        next_url = super().get_login_redirect_url(request)
        if next_url and next_url != reverse("home"):
            return next_url
        return home_url_for(request.user)
