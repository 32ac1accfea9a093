import uuid

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Agents are created by MLS staff and clients by their agent; nobody signs up alone.
        return False

    def get_login_redirect_url(self, request) -> str:
        from .selectors import home_url_for

        if getattr(request.user, "must_change_password", False):
            return reverse("account_change_password")
        next_url = super().get_login_redirect_url(request)
        if next_url and next_url != reverse("home"):
            return next_url
        return home_url_for(request.user)

    def get_password_change_redirect_url(self, request) -> str:
        # A client who just replaced a temporary password goes on to their portal.
        if getattr(request.user, "is_client", False):
            return reverse("portal:dashboard")
        return super().get_password_change_redirect_url(request)

    def set_password(self, user, password: str) -> None:
        """Every password change and reset passes here: a temporary password is then spent."""
        from .services import password_changed

        super().set_password(user, password)
        password_changed(user=user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (password reset…) go through the outbox like every other email."""
        from notifications.emails import RenderedEmail
        from notifications.models import OutboundEmail
        from notifications.services import email_enqueue

        from .models import User

        message = self.render_mail(template_prefix, email, context)
        html = next(
            (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), ""
        )
        email_enqueue(
            kind=OutboundEmail.Kind.ACCOUNT,
            template=template_prefix,
            rendered=RenderedEmail(
                subject=message.subject, text=message.body, html=html, headers={}
            ),
            idempotency_key=f"allauth:{template_prefix}:{uuid.uuid4().hex}",
            to_user=User.objects.filter(email__iexact=email).first(),
            to_address=email,
        )
