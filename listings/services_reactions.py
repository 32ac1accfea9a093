"""Writes a client makes on a listing: a reaction (Favorite / Maybe / Not Interested), a comment,
and that they looked at it. Kept apart from listings/services.py, which owns the feed import.

Callers pass the contact the request is allowed to act for (the logged-in client's own contact);
these functions never take a contact id from a request.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact, User

from .models import Listing, ListingComment, ListingReaction, ListingView


@transaction.atomic
def reaction_set(*, contact: Contact, listing: Listing, kind: str | None) -> ListingReaction | None:
    """One reaction per client and listing: set it, change it, or (kind None) take it back."""
    if kind is None:
        ListingReaction.objects.filter(contact=contact, listing=listing).delete()
        return None
    if kind not in ListingReaction.Kind.values:
        raise ValueError(f"Unknown reaction {kind!r}")
    previous = (
        ListingReaction.objects.select_for_update()
        .filter(contact=contact, listing=listing)
        .values_list("kind", flat=True)
        .first()
    )
    reaction, _ = ListingReaction.objects.update_or_create(
        contact=contact, listing=listing, defaults={"kind": kind}
    )
    # Only a Favorite is news for the agent; Maybe and Not Interested show on the contact page.
    if kind == ListingReaction.Kind.FAVORITE and previous != kind:
        client_activity_notify(
            contact=contact,
            kind="favorited",
            event="favorite",
            text=f"{contact.full_name} favorited {listing.address_line}",
            link=reverse("agent:listing_detail", args=[listing.pk]),
            subject_key=f"listing:{listing.pk}",
            detail=_listing_line(listing),
        )
    return reaction


@transaction.atomic
def comment_add(*, contact: Contact, author: User, listing: Listing, body: str) -> ListingComment:
    """A comment in the client's conversation about a listing, by the client or their agent."""
    is_the_client = contact.user_id is not None and author.pk == contact.user_id
    is_their_agent = author.pk == contact.agent.user_id
    if not (is_the_client or is_their_agent):
        raise PermissionDenied("Only the client and their agent comment on the client's listings.")
    comment = ListingComment(contact=contact, author=author, listing=listing, body=body.strip())
    comment.full_clean()
    comment.save()
    if is_the_client:
        client_activity_notify(
            contact=contact,
            kind="commented",
            event="comment",
            text=f"{contact.full_name} commented on {listing.address_line}",
            # The client's homes and threads, where the agent answers; newest thread first.
            link=reverse("agent:contact_listings", args=[contact.pk]) + f"#commented-{listing.pk}",
            subject_key=f"comment:{comment.pk}",
            detail=f"{_listing_line(listing)}\n\n{comment.body}",
        )
    return comment


def _listing_line(listing: Listing) -> str:
    return ", ".join(part for part in [listing.address_line, listing.city] if part)


# The same notice again within this window (a favorite toggled off and on) is not news.
NOTICE_QUIET_PERIOD = timedelta(minutes=1)


def client_activity_notify(
    *,
    contact: Contact,
    kind: str,
    event: str,
    text: str,
    link: str,
    subject_key: str,
    detail: str = "",
) -> bool:
    """Tells the agent what their client did: an entry on the bell and, if the agent's Portal
    Preferences ask for it (``event``: favorite, comment or saved_search), an email. Runs in
    the caller's transaction. Returns False when the same notice went out a moment ago."""
    # notifications sits above listings in the app order; the import is deferred for that reason
    # (searches, above both, calls this too, so the rule lives in one place).
    from clients.selectors import agent_wants_notice
    from notifications.emails import absolute_url
    from notifications.models import AgentNotification, OutboundEmail
    from notifications.services import agent_notify, email_enqueue

    agent = contact.agent
    now = timezone.now()
    recent = AgentNotification.objects.filter(
        agent=agent,
        contact=contact,
        kind=kind,
        link=link[:500],
        created_at__gte=now - NOTICE_QUIET_PERIOD,
    )
    if recent.exists():
        return False
    agent_notify(agent=agent, kind=kind, text=text, contact=contact, link=link)
    if agent_wants_notice(agent, event):
        email_enqueue(
            kind=OutboundEmail.Kind.AGENT_NOTICE,
            template="agent_client_activity",
            context={
                "agent_name": agent.display_name,
                "contact_name": contact.full_name,
                "event": event,
                "headline": text,
                "detail": detail,
                "link_url": absolute_url(link),
                "contact_url": absolute_url(reverse("agent:contact_detail", args=[contact.pk])),
            },
            idempotency_key=(f"client-activity:{contact.pk}:{subject_key}:{kind}:{now:%Y%m%d%H%M}"),
            agent=agent,
            to_user=agent.user,
        )
    return True


def listing_view_record(*, contact_id: int, listing_id: int) -> None:
    """Counts a client's visit to a listing page (portal activity the agent sees): one upsert
    on the one-row-per-listing constraint, so two tabs at once count twice and never fail. Ids
    only: a visit served from the page cache has no objects loaded.

    A visit counter is not worth waiting for the disk on every listing page (the commit's WAL
    flush was most of the page's time under load): if the server crashed this instant, the
    last visit may go uncounted. A listing deleted meanwhile leaves nothing to count (checked in
    the statement; the foreign key, checked at commit, covers a delete racing it)."""
    table = ListingView._meta.db_table
    listings = Listing._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # On PostgreSQL the commit setting rides in the same round trip.
    setting = "SET LOCAL synchronous_commit TO OFF; " if connection.vendor == "postgresql" else ""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"{setting}INSERT INTO {table} "  # noqa: S608 — our own tables; values are parameters
                "(contact_id, listing_id, view_count, first_viewed_at, last_viewed_at) "
                f"SELECT %s, %s, 1, %s, %s WHERE EXISTS (SELECT 1 FROM {listings} WHERE id = %s) "
                "ON CONFLICT (contact_id, listing_id) DO UPDATE "
                f"SET view_count = {table}.view_count + 1, last_viewed_at = excluded.last_viewed_at",
                [contact_id, listing_id, now, now, listing_id],
            )
    except IntegrityError:
        pass
