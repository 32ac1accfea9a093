"""The columns an agent can show on Contact Management, in the order of Available Columns.

Each column names the annotation it needs (computed in ``selectors.contact_table``) and how it
sorts; templates only format the values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # Order-by expressions for ascending order; descending reverses each.
    sort: tuple[str, ...]
    help: str = ""
    numeric: bool = False


COLUMNS: dict[str, Column] = {
    column.key: column
    for column in [
        Column("name", "Name", ("last_name_ci", "first_name_ci", "id")),
        Column("emails", "Email", ("primary_email", "id")),
        Column("phones", "Phones", ("phone_sort", "id")),
        Column("organization", "Company", ("organization", "id")),
        Column("groups", "Groups", ("first_group", "id")),
        Column("status", "Status", ("status", "id")),
        Column("portal", "Portal", ("has_portal", "last_login", "id"), "Account and last login"),
        Column("last_login", "Last login", ("last_login", "id")),
        Column("last_activity", "Last activity", ("last_activity", "id"), "Portal activity"),
        Column("emails_sent", "Emails sent", ("emails_sent", "id"), numeric=True),
        Column("searches", "Searches", ("search_count", "id"), numeric=True),
        Column("favorites", "Favorites", ("favorite_count", "id"), numeric=True),
        Column("opted_out", "Opted out", ("email_opted_out_at", "id")),
        Column("city", "City", ("mailing_city", "id")),
        Column("created", "Added", ("created_at", "id")),
    ]
}

DEFAULT_COLUMNS = ["name", "emails", "phones", "groups", "status", "portal", "opted_out"]
# The name links to the contact: it cannot be removed.
REQUIRED_COLUMNS = ["name"]


def clean_columns(keys: list[str] | None) -> list[str]:
    """Known keys, each once, the name always present; the default when nothing is chosen."""
    chosen: list[str] = []
    for key in keys or []:
        if key in COLUMNS and key not in chosen:
            chosen.append(key)
    if not chosen:
        return list(DEFAULT_COLUMNS)
    for key in REQUIRED_COLUMNS:
        if key not in chosen:
            chosen.insert(0, key)
    return chosen


def sort_key(value: str | None, columns: list[str]) -> tuple[str, bool]:
    """("status", descending) from "-status", falling back to the name when not shown."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value.lstrip("-")
    if key not in COLUMNS or key not in columns:
        return "name", False
    return key, descending
