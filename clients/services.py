"""Writes for agents, contacts and portal accounts. Each runs in a transaction."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from notifications.emails import send_templated_email

from .models import Agent, Contact, ContactEmail, User


def password_set_url(user: User) -> str:
    """An absolute link to allauth's set-password page; valid until the password changes."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def agent_create(
    *, email: str, display_name: str, password: str | None = None, **profile_fields
) -> Agent:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("too long")
    except ValidationError as exc:
        raise ValidationError({"email": f"“{email}” is not a valid email address."}) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"There is already an account for {email}."})
    first, _, last = display_name.partition(" ")
    user = User.objects.create_user(
        email=email, password=password, role=User.Role.AGENT, first_name=first, last_name=last
    )
    agent = Agent(user=user, display_name=display_name, **profile_fields)
    agent.full_clean()
    agent.save()
    return agent


def agent_send_welcome(*, agent: Agent) -> None:
    """Emails a new agent a link to choose their password."""
    send_templated_email(
        to=[agent.user.email],
        template="agent_welcome",
        context={
            "agent_name": agent.display_name,
            "set_password_url": password_set_url(agent.user),
            "login_url": f"{settings.SITE_URL}{reverse('account_login')}",
        },
    )


@transaction.atomic
def contact_create(
    *, agent: Agent, first_name: str, last_name: str = "", emails: list[str] | None = None, **fields
) -> Contact:
    groups = fields.pop("groups", None)
    contact = Contact(agent=agent, first_name=first_name, last_name=last_name, **fields)
    contact.full_clean()
    contact.save()
    for position, address in enumerate(emails or []):
        ContactEmail.objects.create(
            contact=contact, address=address, is_primary=position == 0, notify=position == 0
        )
    if groups:
        contact.groups.set(groups)
    return contact


@transaction.atomic
def client_account_create(*, contact: Contact, password: str | None = None) -> User:
    """Gives a contact a portal login on their primary email (no password: they set one)."""
    if contact.user_id:
        return contact.user
    primary = contact.emails.filter(is_primary=True).first()
    if primary is None:
        raise ValidationError("This contact needs an email address before they can have a portal.")
    if User.objects.filter(email__iexact=primary.address).exists():
        raise ValidationError(f"{primary.address} already has an account.")
    user = User.objects.create_user(
        email=primary.address,
        password=password,
        role=User.Role.CLIENT,
        first_name=contact.first_name,
        last_name=contact.last_name,
    )
    contact.user = user
    contact.save(update_fields=["user", "updated_at"])
    return user
