"""What an agent sends a client: the portal invitation and emails (the feed arrives with the portal issue)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact, User
from clients.selectors import agent_wants_notice
from clients.services import client_account_create, password_set_url
from notifications.emails import absolute_url
from notifications.models import OutboundEmail
from notifications.services import agent_notify, email_enqueue

from .models import Document, FeedItem, Message
from .validators import validate_document_upload


@transaction.atomic
def portal_invite(*, contact: Contact, message: str = "") -> list[OutboundEmail]:
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
            "invitation_message": message,
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


# --- Sharing: one feed item per client, one email per emailable client ------------------------


def _share(
    *,
    agent,
    contacts,
    category: str,
    title: str,
    note: str,
    template: str,
    context: dict,
    listings=(),
    document: Document | None = None,
    message_for=None,
    payload: dict | None = None,
    share_key: str = "",
) -> list[FeedItem]:
    share_key = share_key or uuid.uuid4().hex
    items = []
    for contact in contacts:
        if contact.agent_id != agent.pk:
            raise PermissionDenied("Agents share only with their own contacts.")
        item = FeedItem.objects.create(
            agent=agent,
            contact=contact,
            category=category,
            title=title,
            note=note,
            document=document,
            message=message_for(contact) if message_for else None,
            payload=payload or {},
            share_key=share_key,
        )
        if listings:
            item.listings.set(listings)
        email_enqueue(
            kind=OutboundEmail.Kind.SHARE
            if category != FeedItem.Category.MESSAGES
            else OutboundEmail.Kind.MESSAGE,
            template=template,
            context={
                **context,
                "agent_name": agent.display_name,
                "contact_first_name": contact.first_name,
                "note": note,
                "item_url": absolute_url(reverse("portal:feed_item", args=[item.pk])),
            },
            idempotency_key=f"share:{share_key}:{contact.pk}",
            to_contact=contact,
        )
        items.append(item)
    return items


@transaction.atomic
def share_item(
    *,
    agent,
    contacts,
    category: str,
    title: str,
    url: str,
    template: str,
    context: dict | None = None,
    note: str = "",
    listings=(),
    share_key: str = "",
) -> list[FeedItem]:
    """Deliver something another app made (a CMA, a market report, search alerts) like any share:
    one feed item per client, whose page redirects to ``url`` (a portal path the client may open),
    and one email per emailable client through the outbox. ``share_key`` makes a retry a no-op."""
    if share_key and FeedItem.objects.filter(share_key=share_key).exists():
        return list(FeedItem.objects.filter(share_key=share_key))
    return _share(
        agent=agent,
        contacts=contacts,
        category=category,
        title=title,
        note=note,
        template=template,
        context=context or {},
        listings=listings,
        payload={"url": url},
        share_key=share_key,
    )


@transaction.atomic
def share_listings(*, agent, contacts, listings, note: str = "") -> list[FeedItem]:
    listings = list(listings)
    if not listings:
        raise ValidationError("Choose at least one listing to send.")
    first = listings[0]
    title = (
        f"{first.address_line}, {first.city}"
        if len(listings) == 1
        else f"{len(listings)} homes from {agent.display_name}"
    )
    return _share(
        agent=agent,
        contacts=contacts,
        category=FeedItem.Category.LISTINGS,
        title=title,
        note=note,
        template="shared_listings",
        context={
            "listings": [
                {
                    "address": listing.full_address,
                    "price": listing.list_price,
                    "beds": listing.bedrooms_total,
                    "baths": listing.bathrooms_total_integer,
                    "area": listing.living_area,
                }
                for listing in listings[:10]
            ],
            "listing_count": len(listings),
        },
        listings=listings,
    )


@transaction.atomic
def share_document(*, agent, contacts, upload, title: str = "", note: str = "") -> list[FeedItem]:
    content_type = validate_document_upload(upload)
    document = Document.objects.create(
        agent=agent,
        file=upload,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
    )
    return _share(
        agent=agent,
        contacts=contacts,
        category=FeedItem.Category.DOCUMENTS,
        title=title or document.original_name,
        note=note,
        template="shared_document",
        context={"document_name": document.original_name},
        document=document,
    )


@transaction.atomic
def message_send(*, contact, sender, body: str, listing=None) -> Message:
    """A message in the client–agent thread; the other side is told by email."""
    body = body.strip()
    if not body:
        raise ValidationError("Write a message first.")
    from_agent = sender.role == User.Role.AGENT
    if from_agent and contact.agent.user_id != sender.pk:
        raise PermissionDenied("Not this agent's client.")
    if not from_agent and contact.user_id != sender.pk:
        raise PermissionDenied("Not this client's thread.")
    message = Message.objects.create(
        contact=contact, sender=sender, from_agent=from_agent, body=body, listing=listing
    )
    agent = contact.agent
    if from_agent:
        _share(
            agent=agent,
            contacts=[contact],
            category=FeedItem.Category.MESSAGES,
            title=f"Message from {agent.display_name}",
            note="",
            template="message_to_client",
            context={"message_body": body},
            message_for=lambda _contact: message,
        )
    else:
        agent_notify(
            agent=agent,
            kind="message",
            contact=contact,
            text=f"{contact.full_name} sent you a message",
            link=reverse("agent:message_thread", args=[contact.pk]),
        )
        if not agent_wants_notice(agent, "message"):
            return message  # the bell has it; the agent switched these emails off
        email_enqueue(
            kind=OutboundEmail.Kind.AGENT_NOTICE,
            template="message_to_agent",
            context={
                "agent_name": agent.display_name,
                "contact_name": contact.full_name,
                "message_body": body,
                "thread_url": absolute_url(reverse("agent:message_thread", args=[contact.pk])),
            },
            idempotency_key=f"message-to-agent:{message.pk}",
            agent=agent,
            to_user=agent.user,
        )
    return message


def feed_item_open(*, item: FeedItem) -> None:
    if item.opened_at is None:
        FeedItem.objects.filter(pk=item.pk, opened_at=None).update(opened_at=timezone.now())
        if item.message_id:
            Message.objects.filter(pk=item.message_id, read_at=None).update(read_at=timezone.now())


def messages_mark_read(*, contact, reader) -> int:
    """Marks the other side's messages read when this side opens the thread."""
    from_agent = reader.role != User.Role.AGENT
    now = timezone.now()
    Message.objects.filter(contact=contact, from_agent=from_agent, read_at=None).update(read_at=now)
    if from_agent:  # the client opened the thread: their message feed items count as opened
        FeedItem.objects.filter(contact=contact, category="messages", opened_at=None).update(
            opened_at=now
        )
    return 0
