"""Reading address books: CSV (Google Contacts, Outlook, our own export, any similar sheet) and
vCard. Pure functions from bytes to rows; nothing here touches the database."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .services import CONTACT_FIELDS

MAX_IMPORT_ROWS = 50_000
MAX_IMPORT_BYTES = 25 * 1024 * 1024
DELIMITERS = [",", ";", "\t", "|"]
GROUP_SEPARATOR = " ::: "  # Google's, for labels in one cell; our export uses it too
# Export neutralizes formulas with a leading apostrophe; importing takes it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Text columns an address book can fill (reverse prospecting is the agent's call, not a file's).
IMPORTED_TEXT_FIELDS = [name for name in CONTACT_FIELDS if name != "reverse_prospecting"]


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, in words."""


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (header or "").lower())


# Normalized header → field, in priority order for each field (first non-empty wins).
HEADER_FIELDS: dict[str, list[str]] = {
    "first_name": ["firstname", "givenname", "first", "forename"],
    "last_name": ["lastname", "familyname", "surname", "last"],
    "full_name": ["name", "fullname", "displayname", "contactname"],
    "organization": [
        "organization",
        "organisation",
        "organizationname",
        "organization1name",
        "company",
        "companyname",
    ],
    "phone_mobile": [
        "mobilephone",
        "mobile",
        "cellphone",
        "cell",
        "mobilenumber",
        "phone",
        "phonenumber",
        "primaryphone",
    ],
    "phone_home": ["homephone", "home", "homephone2"],
    "phone_work": ["workphone", "businessphone", "work", "officephone", "businessphone2"],
    "mailing_street": [
        "street",
        "streetaddress",
        "address",
        "mailingstreet",
        "homestreet",
        "address1street",
        "address1streetaddress",
        "businessstreet",
    ],
    "mailing_city": ["city", "mailingcity", "homecity", "address1city", "businesscity"],
    "mailing_state": [
        "state",
        "region",
        "province",
        "stateprovince",
        "mailingstate",
        "homestate",
        "address1region",
        "businessstate",
    ],
    "mailing_postal_code": [
        "zip",
        "zipcode",
        "postalcode",
        "postcode",
        "mailingpostalcode",
        "homepostalcode",
        "address1postalcode",
        "businesspostalcode",
    ],
    "groups": ["groups", "group", "labels", "groupmembership", "categories"],
    "notes": ["notes", "note"],
    "status": ["status"],
    "reverse_prospecting": ["reverseprospecting"],
}
HEADER_TO_FIELD = {header: name for name, headers in HEADER_FIELDS.items() for header in headers}
EMAIL_HEADER = re.compile(
    r"(primary|other|home|work|personal|business)?e?mail(address)?\d*(address|value)?"
)
GOOGLE_PHONE = re.compile(r"phone(\d+)(type|label|value)")
SKIPPED_LABELS = {"mycontacts", "starred", "friends & family"}
STATUSES = {
    "active": "active",
    "prospect": "prospect",
    "under contract": "under_contract",
    "under_contract": "under_contract",
    "past client": "past_client",
    "past_client": "past_client",
    "inactive": "inactive",
}


@dataclass
class ParsedRow:
    number: int  # the line of the file a person can find it on (header is 1)
    first_name: str = ""
    last_name: str = ""
    organization: str = ""
    phone_mobile: str = ""
    phone_home: str = ""
    phone_work: str = ""
    mailing_street: str = ""
    mailing_city: str = ""
    mailing_state: str = ""
    mailing_postal_code: str = ""
    notes: str = ""
    status: str = ""
    reverse_prospecting: bool = False
    emails: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or (self.emails or [""])[0]


@dataclass
class ParsedBook:
    format: str
    delimiter: str
    rows: list[ParsedRow]
    # (header in the file, what it was read as; "" when ignored), for the preview.
    mapping: list[tuple[str, str]] = field(default_factory=list)


FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "organization": "Company",
    "phone_mobile": "Mobile phone",
    "phone_home": "Home phone",
    "phone_work": "Work phone",
    "mailing_street": "Street",
    "mailing_city": "City",
    "mailing_state": "State",
    "mailing_postal_code": "ZIP code",
    "groups": "Groups",
    "notes": "Notes",
    "status": "Status",
    "reverse_prospecting": "Reverse Prospecting",
    "emails": "Email",
    "phone": "Phone (by its label)",
}


# --- Decoding --------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError("The file is empty: there are no contacts to import.")
    if b"\x00" in data[:8192]:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError:
                pass
        raise ImportFileError(
            "This is not an address book we can read (it looks like a binary file, such as a "
            "spreadsheet or an image). Export your contacts as CSV or vCard (.vcf) and upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Outlook and Excel exports: Windows-1252, a superset of Latin-1 for letters.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _clean(value: str | None) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        value = value[1:]
    return value


# --- CSV -------------------------------------------------------------------------------------


def detect_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _format_of(headers: list[str]) -> str:
    normalized = set(headers)
    if {"email1value", "givenname"} & normalized or "phone1value" in normalized:
        return "Google Contacts CSV"
    if {"emailaddress", "email2address", "businessphone"} & normalized:
        return "Outlook CSV"
    if {"email1", "status", "reverseprospecting"} <= normalized:
        return "HomePortal export"
    return "CSV"


def _split_name(full: str) -> tuple[str, str]:
    parts = full.split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def parse_csv(text: str, delimiter: str | None) -> ParsedBook:
    delimiter = delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportFileError("The file is empty: there are no contacts to import.") from exc
    except csv.Error as exc:
        raise ImportFileError(f"The file could not be read as CSV ({exc}).") from exc
    headers = [_norm(h) for h in header]
    field_columns: dict[str, list[int]] = {}
    email_columns: list[int] = []
    phone_pairs: dict[str, dict[str, int]] = {}
    mapping: list[tuple[str, str]] = []
    for index, name in enumerate(headers):
        google_phone = GOOGLE_PHONE.fullmatch(name)
        read_as = ""
        if google_phone:
            phone_pairs.setdefault(google_phone[1], {})[google_phone[2]] = index
            read_as = "phone" if google_phone[2] == "value" else ""
        elif name in HEADER_TO_FIELD:
            field_columns.setdefault(HEADER_TO_FIELD[name], []).append(index)
            read_as = HEADER_TO_FIELD[name]
        elif EMAIL_HEADER.fullmatch(name):
            email_columns.append(index)
            read_as = "emails"
        if header[index].strip():
            mapping.append((header[index].strip()[:60], FIELD_LABELS.get(read_as, "")))
    for name, columns in field_columns.items():
        # Priority of headers within a field: the order in HEADER_FIELDS, then file order.
        order = HEADER_FIELDS[name]
        columns.sort(key=lambda i: (order.index(headers[i]), i))
    recognized = set(field_columns) | ({"emails"} if email_columns else set())
    if not ({"first_name", "last_name", "full_name", "emails"} & recognized):
        found = ", ".join(f"“{h.strip()}”" for h in header[:6] if h.strip()) or "nothing"
        hint = (
            " The whole first line was read as one column: choose another delimiter, or "
            "“Detect automatically”."
            if len(header) == 1 and any(d in header[0] for d in DELIMITERS if d != delimiter)
            else ""
        )
        raise ImportFileError(
            "This file does not look like an address book: we found no name or email column "
            f"in its first line (it has {found}).{hint} Export your contacts from Google "
            "Contacts, Outlook or Apple Contacts, or use a sheet with First Name, Last Name and "
            "Email columns."
        )
    rows: list[ParsedRow] = []
    start = reader.line_num + 1
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                start = reader.line_num + 1
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ImportFileError(
                    f"The file has more than {MAX_IMPORT_ROWS:,} contacts. Split it into "
                    "smaller files and import them one after the other."
                )
            rows.append(_row_from_values(start, values, field_columns, email_columns, phone_pairs))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(
            f"Line {reader.line_num} could not be read ({exc}). Check that quotes are closed."
        ) from exc
    return ParsedBook(
        format=_format_of(headers), delimiter=delimiter, rows=rows, mapping=mapping[:80]
    )


def _row_from_values(number, values, field_columns, email_columns, phone_pairs) -> ParsedRow:
    def value_at(index: int) -> str:
        return _clean(values[index]) if index < len(values) else ""

    def first(name: str) -> str:
        for index in field_columns.get(name, []):
            value = value_at(index)
            if value:
                return value
        return ""

    row = ParsedRow(number=number)
    for name in IMPORTED_TEXT_FIELDS:
        setattr(row, name, first(name))
    if not (row.first_name or row.last_name):
        row.first_name, row.last_name = _split_name(first("full_name"))
    for _, pair in sorted(phone_pairs.items()):
        number_value = value_at(pair.get("value", 10**9)).split(GROUP_SEPARATOR)[0].strip()
        if not number_value:
            continue
        kind = value_at(pair.get("type", pair.get("label", 10**9))).lower()
        slot = (
            "phone_mobile"
            if "mobile" in kind or "cell" in kind
            else "phone_home"
            if "home" in kind
            else "phone_work"
            if "work" in kind
            else ""
        )
        if not slot or getattr(row, slot):
            slot = next(
                (s for s in ["phone_mobile", "phone_home", "phone_work"] if not getattr(row, s)),
                "",
            )
        if slot:
            setattr(row, slot, number_value)
    for index in email_columns:
        for address in re.split(r"\s*(?::::|;)\s*", value_at(index)):
            address = address.strip().lower()
            if address and address not in row.emails:
                row.emails.append(address)
    groups_cell = " ::: ".join(value_at(i) for i in field_columns.get("groups", []))
    for label in re.split(r"\s*:::\s*|\s*;\s*", groups_cell):
        label = label.strip().lstrip("*").strip()
        if label and label.lower() not in SKIPPED_LABELS and label not in row.groups:
            row.groups.append(label[:100])
    status = first("status").lower()
    if status:
        row.status = STATUSES.get(status, "")
        if not row.status:
            row.errors.append(f"“{status}” is not a status we know.")
    row.reverse_prospecting = first("reverse_prospecting").lower() in {"yes", "true", "1", "on"}
    return _validated(row)


def _validated(row: ParsedRow) -> ParsedRow:
    for address in row.emails:
        try:
            validate_email(address)
            if len(address) > 254:
                raise ValidationError("too long")
        except ValidationError:
            row.errors.append(f"“{address[:80]}” is not a valid email address.")
    if not (row.first_name or row.last_name):
        if row.emails and not row.errors:
            row.first_name = row.emails[0].split("@")[0][:100]
        else:
            row.errors.append("No name and no email address.")
    limits = {
        "first_name": 100,
        "last_name": 100,
        "organization": 200,
        "phone_mobile": 40,
        "phone_home": 40,
        "phone_work": 40,
        "mailing_street": 200,
        "mailing_city": 100,
        "mailing_state": 50,
        "mailing_postal_code": 20,
        "notes": 10_000,
    }
    for name, limit in limits.items():
        value = getattr(row, name)
        if len(value) > limit:
            row.errors.append(f"{name.replace('_', ' ').capitalize()} is too long.")
    return row


# --- vCard -----------------------------------------------------------------------------------


def _vcard_unescape(value: str) -> str:
    return (
        value.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",").replace("\\;", ";")
    ).replace("\\\\", "\\")


def _vcard_split(value: str, separator: str) -> list[str]:
    return [_vcard_unescape(part) for part in re.split(rf"(?<!\\){re.escape(separator)}", value)]


def parse_vcard(text: str) -> ParsedBook:
    # Unfold: a line starting with a space or tab continues the previous one (RFC 6350 §3.2).
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    rows: list[ParsedRow] = []
    card: ParsedRow | None = None
    full_name = ""
    for line_number, line in enumerate(unfolded.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        upper = line.upper()
        if upper == "BEGIN:VCARD":
            card, full_name = ParsedRow(number=line_number), ""
            continue
        if upper == "END:VCARD":
            if card is not None:
                if not (card.first_name or card.last_name):
                    card.first_name, card.last_name = _split_name(full_name)
                if len(rows) >= MAX_IMPORT_ROWS:
                    raise ImportFileError(
                        f"The file has more than {MAX_IMPORT_ROWS:,} contacts. Split it into "
                        "smaller files."
                    )
                rows.append(_validated(card))
            card = None
            continue
        if card is None or ":" not in line:
            continue
        name_part, value = line.split(":", 1)
        name, *params = name_part.split(";")
        name = name.split(".")[-1].upper()  # item1.EMAIL → EMAIL
        types = ",".join(params).upper()
        if name == "N":
            parts = _vcard_split(value, ";") + ["", ""]
            card.last_name, card.first_name = parts[0].strip(), parts[1].strip()
        elif name == "FN":
            full_name = _vcard_unescape(value).strip()
        elif name == "ORG":
            card.organization = _vcard_split(value, ";")[0].strip()
        elif name == "EMAIL":
            address = _vcard_unescape(value).strip().lower().removeprefix("mailto:")
            if address and address not in card.emails:
                if "PREF" in types:
                    card.emails.insert(0, address)
                else:
                    card.emails.append(address)
        elif name == "TEL":
            number = _vcard_unescape(value).strip().removeprefix("tel:")
            slot = (
                "phone_mobile"
                if "CELL" in types or "MOBILE" in types or "IPHONE" in types
                else "phone_home"
                if "HOME" in types
                else "phone_work"
                if "WORK" in types
                else ""
            )
            if not slot or getattr(card, slot):
                slot = next(
                    (
                        s
                        for s in ["phone_mobile", "phone_home", "phone_work"]
                        if not getattr(card, s)
                    ),
                    "",
                )
            if slot and number:
                setattr(card, slot, number)
        elif name == "ADR" and not card.mailing_street:
            parts = _vcard_split(value, ";") + [""] * 7
            card.mailing_street = " ".join(p.strip() for p in parts[1:3] if p.strip())
            card.mailing_city = parts[3].strip()
            card.mailing_state = parts[4].strip()
            card.mailing_postal_code = parts[5].strip()
        elif name == "NOTE":
            card.notes = _vcard_unescape(value).strip()
        elif name == "CATEGORIES":
            for label in _vcard_split(value, ","):
                label = label.strip()
                if label and label not in card.groups:
                    card.groups.append(label[:100])
    if not rows:
        raise ImportFileError("The vCard file has no contacts (no BEGIN:VCARD … END:VCARD).")
    return ParsedBook(format="vCard", delimiter="", rows=rows)


def parse_address_book(data: bytes, *, delimiter: str | None = None) -> ParsedBook:
    """Rows of an uploaded address book; ImportFileError when the file is not one."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError("The file is larger than 25 MB. Split it into smaller files.")
    text = decode(data)
    if text.lstrip().upper().startswith("BEGIN:VCARD"):
        return parse_vcard(text)
    return parse_csv(text, delimiter)
