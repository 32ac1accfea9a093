"""Saved-search criteria flattened into columns the matcher can join on.

``SavedSearch.criteria`` is the Search Listings form's cleaned data (see ``listings.search``).
The matcher does not read that JSON per search: ``criteria_columns`` turns it into plain columns
(ranges, a type, a status, an *area key*) once, when the search is saved, so one SQL statement can
join a batch of changed listings against every search. The area key is what makes that join
selective: a city, a ZIP code or a box (the map box, or the drawn shape's bounding box), each
with its own index. Criteria that are not columns (the drawn shape itself, keywords, an address
typed in the location box, open houses, "new in the last N days") set ``c_needs_check``: the
statement finds the candidates and ``listing_passes_checks`` decides on those few.
"""

from __future__ import annotations

import re

from listings import search as listing_search

_ZIP = re.compile(r"\d{5}(-\d{4})?")
_MLS = re.compile(r"(?=.*\d)[A-Za-z0-9-]{4,30}")

# Criteria the statement cannot express; any of these sends candidates to a second look.
CHECKED_AFTERWARDS = ("poly", "keywords", "open_house", "new_days")


def _int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def location_kind(text: str) -> tuple[str, str]:
    """How ``listings.search.location_q`` reads the location box, as (kind, key):
    ("zip", "06105"), ("city", "HARTFORD") or ("text", …) for an address or MLS number."""
    text = (text or "").strip()
    if not text:
        return "", ""
    if _ZIP.fullmatch(text):
        return "zip", text[:5]
    if (_MLS.fullmatch(text) and not text.isdigit()) or text[:1].isdigit():
        return "text", text
    return "city", text.split(",")[0].strip().upper()


def typed_text(kind: str, key: str) -> str:
    """An address or MLS number typed in the location box, upper-cased, for the matcher's
    prefilter (``c_text``). Empty — the prefilter lets every listing through to the search
    page's own query — when there is none, or when it is not plain printable ASCII or holds a
    LIKE wildcard (``location_q`` treats those specially)."""
    if kind != "text" or len(key) > 200 or not (key.isascii() and key.isprintable()):
        return ""
    if any(char in key for char in "%_\\"):
        return ""
    return key.upper()


def criteria_columns(criteria: dict) -> dict:
    """The ``c_*`` column values of a saved search for these criteria."""
    criteria = criteria or {}
    kind, key = location_kind(criteria.get("q", ""))
    box = None
    if criteria.get("poly"):
        try:
            box = listing_search.polygon_bbox(criteria["poly"])
        except (TypeError, ValueError, IndexError):
            box = None
    elif criteria.get("bbox") and len(criteria["bbox"]) == 4:
        box = [_float(v) for v in criteria["bbox"]]
        if None in box:
            box = None
    if kind == "city":
        area = "city"
    elif kind == "zip":
        area = "zip"
    elif box is not None:
        area = "box"
    else:
        area = "any"
    south, west, north, east = box if box is not None else (None, None, None, None)
    return {
        "c_area_kind": area,
        "c_city": key[:100] if kind == "city" else "",
        "c_postal": key if kind == "zip" else "",
        "c_text": typed_text(kind, key),
        "c_south": south,
        "c_west": west,
        "c_north": north,
        "c_east": east,
        "c_status": str(criteria.get("status") or "")[:32],
        "c_type": str(criteria.get("type") or "")[:32],
        "c_min_price": _int(criteria.get("min_price")),
        "c_max_price": _int(criteria.get("max_price")),
        "c_min_beds": _int(criteria.get("beds")),
        "c_min_baths": _int(criteria.get("baths")),
        "c_min_sqft": _int(criteria.get("min_sqft")),
        "c_max_sqft": _int(criteria.get("max_sqft")),
        "c_min_lot": _float(criteria.get("min_lot")),
        "c_max_lot": _float(criteria.get("max_lot")),
        "c_min_year": _int(criteria.get("min_year")),
        "c_max_year": _int(criteria.get("max_year")),
        "c_min_garage": _int(criteria.get("garage")),
        "c_max_dom": _int(criteria.get("max_dom")),
        "c_reduced": bool(criteria.get("reduced")),
        "c_needs_check": kind == "text" or any(criteria.get(k) for k in CHECKED_AFTERWARDS),
    }
