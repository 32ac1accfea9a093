"""What an agent sends a client: the portal invitation and emails (the feed arrives with the portal issue)."""

from __future__ import annotations

from django.db import transaction

from clients.models import Contact, User
from clients.services import client_account_create, password_set_url
from notifications.models import OutboundEmail
from notifications.services import email_enqueue


@transaction.atomic
def portal_invite(*, contact: Contact) -> list[OutboundEmail]:
    """Creates the client's portal login if needed and emails the invitation (consent applies)."""
    user: User = client_account_create(contact=contact)
    link = password_set_url(user)
    return email_enqueue(
        kind=OutboundEmail.Kind.INVITATION,
        template="portal_invitation",
        context={
            "agent_name": contact.agent.display_name,
            "contact_first_name": contact.first_name,
            "invitation_url": link,
            "login_email": user.email,
        },
        # The set-password token changes every second and on password change, so a double
        # click sends one email while a later "invite again" sends a fresh one.
        idempotency_key=f"invitation:{contact.pk}:{link.rstrip('/').rsplit('-', 1)[-1]}",
        to_contact=contact,
        to_address=user.email,
    )


@transaction.atomic
def message_email_send(
    *, agent, contacts, subject: str, body: str, send_key: str
) -> list[OutboundEmail]:
    """The agent's own email to their contacts, one outbox row per receiving address."""
    rows: list[OutboundEmail] = []
    for contact in contacts:
        rows += email_enqueue(
            kind=OutboundEmail.Kind.MESSAGE,
            template="agent_message",
            context={
                "agent_name": agent.display_name,
                "contact_first_name": contact.first_name,
                "message_subject": subject,
                "message_body": body,
            },
            idempotency_key=f"message:{agent.pk}:{send_key}:{contact.pk}",
            to_contact=contact,
        )
    return rows
