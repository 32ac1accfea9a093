"""Writes a client makes on a listing: a reaction (Favorite / Maybe / Not Interested), a comment,
and that they looked at it. Kept apart from listings/services.py, which owns the feed import.

Callers pass the contact the request is allowed to act for (the logged-in client's own contact);
these functions never take a contact id from a request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
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
    reaction, _ = ListingReaction.objects.update_or_create(
        contact=contact, listing=listing, defaults={"kind": kind}
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
    return comment


def listing_view_record(*, contact: Contact, listing: Listing) -> None:
    """Counts a client's visit to a listing page (portal activity the agent sees)."""
    updated = ListingView.objects.filter(contact=contact, listing=listing).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )
    if not updated:
        # Two tabs opening the page at once: the loser of the race counts as an update.
        _, created = ListingView.objects.get_or_create(contact=contact, listing=listing)
        if not created:
            ListingView.objects.filter(contact=contact, listing=listing).update(
                view_count=F("view_count") + 1, last_viewed_at=timezone.now()
            )
