"""Signal receivers of searches (connected in apps.py)."""

from __future__ import annotations

from django.db import connection

from clients.models import Contact

from .engagement import engagement_reset


def client_logged_in(sender, request, user, **kwargs) -> None:
    contact = Contact.objects.filter(user=user).first() if user.role == "client" else None
    if contact is not None:
        engagement_reset(contact)


def contact_saved(sender, instance: Contact, **kwargs) -> None:
    """Keeps SavedSearch.c_prospecting equal to the contact's reverse-prospecting flag on
    SQLite; PostgreSQL's trigger does it there (migration 0008), so no second UPDATE."""
    from .models import SavedSearch

    if connection.vendor == "postgresql":
        return

    SavedSearch.objects.filter(contact_id=instance.pk).exclude(
        c_prospecting=instance.reverse_prospecting
    ).update(c_prospecting=instance.reverse_prospecting)
