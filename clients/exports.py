"""CSV files the agent downloads: contacts, the Contact Summary, temporary passwords.

UTF-8 with a BOM so spreadsheet programs read accents; every cell that a spreadsheet would run
as a formula is neutralized with a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

from .models import Contact

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header: list[str], rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def contacts_csv(contacts) -> bytes:
    contacts = list(contacts.select_related("user").prefetch_related("emails", "groups"))
    email_columns = max([len(c.emails.all()) for c in contacts] + [1])
    header = [
        "First Name",
        "Last Name",
        "Organization",
        *[f"Email {n}" for n in range(1, email_columns + 1)],
        "Mobile Phone",
        "Home Phone",
        "Work Phone",
        "Street",
        "City",
        "State",
        "ZIP Code",
        "Groups",
        "Status",
        "Reverse Prospecting",
        "Notes",
        "Portal Account",
        "Opted Out",
        "Added",
    ]

    def row(contact: Contact) -> list:
        emails = [e.address for e in contact.emails.all()]
        return [
            contact.first_name,
            contact.last_name,
            contact.organization,
            *(emails + [""] * (email_columns - len(emails))),
            contact.phone_mobile,
            contact.phone_home,
            contact.phone_work,
            contact.mailing_street,
            contact.mailing_city,
            contact.mailing_state,
            contact.mailing_postal_code,
            " ::: ".join(g.name for g in contact.groups.all()),
            contact.get_status_display(),
            "Yes" if contact.reverse_prospecting else "No",
            contact.notes,
            "Yes" if contact.user_id else "No",
            contact.email_opted_out_at.date().isoformat() if contact.email_opted_out_at else "",
            contact.created_at.date().isoformat(),
        ]

    return csv_bytes(header, (row(c) for c in contacts))


SUMMARY_COLUMNS = [
    ("Portal logins", "login_count"),
    ("Listings viewed", "viewed_count"),
    ("Messages", "message_count"),
    ("Emails sent", "sent_count"),
    ("Emails suppressed", "suppressed_count"),
    ("Emails bounced", "bounced_count"),
    ("Invalid addresses", "invalid_count"),
    ("Searches", "search_count"),
    ("Favorites", "favorite_count"),
    ("Comments", "comment_count"),
]


def summary_csv(contacts) -> bytes:
    header = ["Name", "Status", "Portal", "Last visit", *[label for label, _ in SUMMARY_COLUMNS]]
    return csv_bytes(
        header,
        (
            [
                c.full_name,
                c.get_status_display(),
                "Yes" if c.user_id else "No",
                c.last_visit.isoformat(timespec="minutes") if c.last_visit else "",
                *[getattr(c, attr) for _, attr in SUMMARY_COLUMNS],
            ]
            for c in contacts
        ),
    )


def passwords_csv(rows: list[dict]) -> bytes:
    return csv_bytes(
        ["Name", "Username", "Temporary password"],
        ([r["name"], r["username"], r["password"]] for r in rows),
    )
