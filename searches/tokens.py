"""Signed links in alert emails to manage one search without logging in (change frequency,
pause, "keep sending these"). They never expire, like unsubscribe links, and carry only an id."""

from __future__ import annotations

from django.core import signing

_SIGNER = signing.Signer(salt="searches.manage.v1")


def make_search_token(search_id: int) -> str:
    return _SIGNER.sign_object({"s": search_id})


def read_search_token(token: str) -> int | None:
    """The search id, or None for a forged, truncated or foreign token."""
    if not token or len(token) > 200:
        return None
    try:
        payload = _SIGNER.unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    search_id = payload.get("s") if isinstance(payload, dict) else None
    return search_id if isinstance(search_id, int) and search_id > 0 else None
