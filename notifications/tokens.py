"""Signed, stateless link tokens. They never expire (an unsubscribe link must work for years),
carry only an id (never the address) and are bound to one purpose by their salt."""

from __future__ import annotations

from django.core import signing

# "search_manage": the alert email's per-search settings and "keep sending" links (searches/).
PURPOSES = {"unsubscribe", "opt_in", "search_manage"}


def _signer(purpose: str) -> signing.Signer:
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown token purpose {purpose!r}")
    return signing.Signer(salt=f"notifications.{purpose}.v1")


def make_id_token(object_id: int, purpose: str) -> str:
    return _signer(purpose).sign_object({"c": object_id})


def read_id_token(token: str, purpose: str) -> int | None:
    """The id, or None for a forged, truncated or other-purpose token."""
    if not token or len(token) > 200:
        return None
    try:
        payload = _signer(purpose).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    object_id = payload.get("c") if isinstance(payload, dict) else None
    return object_id if isinstance(object_id, int) and object_id > 0 else None


def make_contact_token(contact_id: int, purpose: str) -> str:
    return make_id_token(contact_id, purpose)


def read_contact_token(token: str, purpose: str) -> int | None:
    return read_id_token(token, purpose)
