"""Readers for MLS export files: a RESO Web API JSON payload or a CSV with RESO column names.

They return the records as dicts of RESO fields (what ``listings.services.listing_upsert`` takes)
and raise FileFormatError when the file as a whole is not one we can read.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

# Columns that carry photos in CSV exports: URLs separated by "|".
PHOTO_COLUMNS = ("PhotoURLs", "Media")


class FileFormatError(ValueError):
    """The whole file is unreadable (garbage, empty, binary, not a RESO export)."""


def read_json_payload(data: bytes, *, source: str = "payload") -> list[Any]:
    """The records of ``{"value": [...]}`` (a bare list of records is accepted too)."""
    text = _decode(data, source)
    if not text.strip():
        raise FileFormatError(f"{source} is empty")
    try:
        # Decimal keeps prices and coordinates exact, so re-importing compares equal.
        payload = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if isinstance(payload, dict) and isinstance(payload.get("value"), list):
        return payload["value"]
    if isinstance(payload, list):
        return payload
    raise FileFormatError(f'{source} is JSON but not a RESO payload: expected {{"value": [...]}}')


def read_csv(data: bytes, *, source: str = "CSV") -> list[dict[str, Any]]:
    text = _decode(data, source)
    if not text.strip():
        raise FileFormatError(f"{source} is empty")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [name.strip() for name in (reader.fieldnames or [])]
    if "ListingKey" not in columns:
        shown = ", ".join(columns[:8]) + (", …" if len(columns) > 8 else "")
        raise FileFormatError(
            f"{source} has no ListingKey column, so it is not a RESO listing export "
            f"(columns: {shown or 'none'})"
        )
    reader.fieldnames = columns
    records = []
    try:
        for row in reader:
            records.append(_csv_record(row))
    except csv.Error as exc:
        raise FileFormatError(f"{source} line {reader.line_num}: {exc}") from None
    return records


def _csv_record(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, value in row.items():
        if column is None:
            # More cells than headers: DictReader puts them in a list under None; ignore them.
            continue
        # CSV cannot say null: an empty cell means "no value".
        record[column] = None if value is None or value.strip() == "" else value
    photo_columns = [column for column in PHOTO_COLUMNS if column in record]
    if photo_columns:
        cells = [record.pop(column) or "" for column in photo_columns]
        urls = [url.strip() for cell in cells for url in cell.split("|") if url.strip()]
        record["Media"] = [{"MediaURL": url, "Order": order} for order, url in enumerate(urls)]
    return record


def read_records_file(path: str | Path) -> list[Any]:
    """Reads a JSON or CSV export, chosen by extension, else by what the content looks like."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read {path}: {exc.strerror or exc}") from None
    source = path.name
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json_payload(data, source=source)
    if suffix in (".csv", ".txt"):
        return read_csv(data, source=source)
    text = _decode(data, source)
    if text.lstrip()[:1] in ("{", "["):
        return read_json_payload(data, source=source)
    return read_csv(data, source=source)


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise FileFormatError(f"{source} is a binary file, not JSON or CSV")
    try:
        # utf-8-sig drops the byte-order mark that Excel puts at the start of CSV exports.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"{source} is not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON or CSV"
        ) from None
