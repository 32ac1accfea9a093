"""Signed links in alert emails to manage one search without logging in (change frequency,
pause, "keep sending these"): notifications' never-expiring id tokens, for their own purpose."""

from __future__ import annotations

from notifications.tokens import make_id_token, read_id_token

PURPOSE = "search_manage"


def make_search_token(search_id: int) -> str:
    return make_id_token(search_id, PURPOSE)


def read_search_token(token: str) -> int | None:
    """The search id, or None for a forged, truncated or other-purpose token."""
    return read_id_token(token, PURPOSE)
