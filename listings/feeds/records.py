"""One RESO Property record (a dict of RESO Data Dictionary fields) checked and converted to our
model's field values, before anything touches the database.

A key that is absent leaves the stored value alone; a key present with null (or an empty CSV cell)
clears it. Decimals are rounded to the model's places here, so that comparing with the stored row
is exact and the same record imported twice compares equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from listings.models import Listing

MAX_PRICE = Decimal("999999999999")  # max_digits=14, decimal_places=2


class RecordError(ValueError):
    """A record we refuse; the message says which field and why, in words for the person reading
    the import summary."""


# --- Converters: (RESO name, raw value) -> value for the model field ------------------------


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise RecordError(f"{name} should be text, not {type(value).__name__}")
    return str(value).strip()


def _number(name: str, value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RecordError(f"{name} {value!r} is not a number")
    if isinstance(value, float):
        # Through str so 0.1 stays 0.1 rather than its binary approximation.
        value = str(value)
    if isinstance(value, str):
        # CSV exports often format money as "$450,000".
        value = value.strip().replace(",", "").removeprefix("$")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RecordError(f"{name} {value!r} is not a number") from None
    if not number.is_finite():
        raise RecordError(f"{name} {value!r} is not a number")
    return number


def _decimal(places: int, *, maximum: Decimal, minimum: Decimal = Decimal(0)):
    quantum = Decimal(1).scaleb(-places)

    def convert(name: str, value: Any) -> Decimal | None:
        number = _number(name, value)
        if number is None:
            return None
        if number < 0 and minimum == 0:
            raise RecordError(f"{name} {value!r} must not be negative")
        if not minimum <= number <= maximum:
            raise RecordError(f"{name} {value} is out of range ({minimum} to {maximum})")
        return number.quantize(quantum, rounding=ROUND_HALF_UP)

    return convert


def _coordinate(limit: int):
    return _decimal(6, minimum=Decimal(-limit), maximum=Decimal(limit))


def _integer(*, maximum: int = 32767, round_fraction: bool = False):
    def convert(name: str, value: Any) -> int | None:
        number = _number(name, value)
        if number is None:
            return None
        if number != number.to_integral_value():
            if not round_fraction:
                raise RecordError(f"{name} {value!r} is not a whole number")
            number = number.to_integral_value(rounding=ROUND_HALF_UP)
        if number < 0 or number > maximum:
            raise RecordError(f"{name} {value!r} is out of range (0 to {maximum})")
        return int(number)

    return convert


def _date(name: str, value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        # RESO dates are YYYY-MM-DD; some feeds send a midnight timestamp instead.
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
    except ValueError:
        raise RecordError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


def parse_timestamp(name: str, value: Any) -> dt.datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise RecordError(f"{name} {value!r} is not an ISO 8601 timestamp") from None
    # RESO timestamps are UTC; a feed that drops the offset still means UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _choice(choices: type[Listing.StandardStatus] | type[Listing.PropertyType]):
    # Feeds spell lookups both ways: "Active Under Contract" (display) and "ActiveUnderContract"
    # (the Data Dictionary's lookup name), in any case.
    known = {value.replace(" ", "").lower(): value for value in choices.values}

    def convert(name: str, value: Any) -> str:
        text = _text(name, value)
        found = known.get(text.replace(" ", "").replace("_", "").lower())
        if found is None:
            raise RecordError(f"{name} {text!r} is not one we know ({', '.join(choices.values)})")
        return found

    return convert


def _url(name: str, value: Any) -> str:
    text = _text(name, value)
    if text and urlsplit(text).scheme not in ("http", "https"):
        raise RecordError(f"{name} {text!r} is not an http(s) URL")
    return text


_money = _decimal(2, maximum=MAX_PRICE)

# RESO field -> (model field, converter). Later entries win when a record carries both names
# (LotSizeAcres is exact where LotSizeArea may be in other units).
FIELDS: list[tuple[str, str, Callable[[str, Any], Any]]] = [
    ("ListingId", "listing_id", _text),
    ("StandardStatus", "standard_status", _choice(Listing.StandardStatus)),
    ("ListPrice", "list_price", _money),
    ("OriginalListPrice", "original_list_price", _money),
    ("ClosePrice", "close_price", _money),
    ("CloseDate", "close_date", _date),
    ("StreetNumber", "street_number", _text),
    ("StreetName", "street_name", _text),
    ("StreetSuffix", "street_suffix", _text),
    ("UnitNumber", "unit_number", _text),
    ("City", "city", _text),
    ("StateOrProvince", "state_or_province", _text),
    ("PostalCode", "postal_code", _text),
    ("Latitude", "latitude", _coordinate(90)),
    ("Longitude", "longitude", _coordinate(180)),
    ("PropertyType", "property_type", _choice(Listing.PropertyType)),
    ("PropertySubType", "property_sub_type", _text),
    ("BedroomsTotal", "bedrooms_total", _integer()),
    ("BathroomsTotalInteger", "bathrooms_total_integer", _integer()),
    ("BathroomsFull", "bathrooms_full", _integer()),
    ("BathroomsHalf", "bathrooms_half", _integer()),
    ("LivingArea", "living_area", _integer(maximum=2_147_483_647, round_fraction=True)),
    ("LotSizeArea", "lot_size_area", _decimal(4, maximum=Decimal("99999999"))),
    ("LotSizeAcres", "lot_size_area", _decimal(4, maximum=Decimal("99999999"))),
    ("YearBuilt", "year_built", _integer()),
    ("GarageSpaces", "garage_spaces", _integer(round_fraction=True)),
    ("Stories", "stories", _integer(round_fraction=True)),
    ("StoriesTotal", "stories", _integer(round_fraction=True)),
    ("DaysOnMarket", "days_on_market", _integer(maximum=2_147_483_647)),
    ("PublicRemarks", "public_remarks", _text),
    ("ListingContractDate", "listing_contract_date", _date),
    ("ListAgentFullName", "list_agent_full_name", _text),
    ("ListOfficeName", "list_office_name", _text),
    ("VirtualTourURLUnbranded", "virtual_tour_url", _url),
    ("AssociationFee", "association_fee", _decimal(2, maximum=Decimal("99999999"))),
    ("AssociationFeeFrequency", "association_fee_frequency", _text),
    ("TaxAnnualAmount", "tax_annual_amount", _decimal(2, maximum=Decimal("9999999999"))),
    ("TaxYear", "tax_year", _integer()),
    ("ElementarySchool", "elementary_school", _text),
    ("MiddleOrJuniorSchool", "middle_or_junior_school", _text),
    ("HighSchool", "high_school", _text),
]

# Media that are not pictures (floor-plan PDFs, videos) are not shown in the gallery.
PHOTO_CATEGORIES = {"", "photo", "photos", "image", "images", "picture"}
CAPTION_MAX = 200


@dataclass(frozen=True)
class MediaItem:
    media_key: str
    url: str
    order: int
    caption: str


@dataclass(frozen=True)
class OpenHouseItem:
    open_house_key: str
    start_time: dt.datetime
    end_time: dt.datetime
    remarks: str


@dataclass
class ParsedRecord:
    listing_key: str
    modification_timestamp: dt.datetime
    values: dict[str, Any]
    # None: the record says nothing about media / open houses, so the stored ones stay.
    media: list[MediaItem] | None = None
    open_houses: list[OpenHouseItem] | None = None
    warnings: list[str] = field(default_factory=list)


def record_key(record: Any) -> str:
    """The ListingKey for error reports, whatever shape the record is in."""
    if isinstance(record, Mapping):
        key = record.get("ListingKey")
        return "" if key is None else str(key).strip()[:128]
    return ""


def record_timestamp(record: Any) -> dt.datetime | None:
    """The record's ModificationTimestamp if readable (the feed's high-water mark counts even a
    record we refuse, or one bad record would be fetched again on every run)."""
    if not isinstance(record, Mapping):
        return None
    try:
        return parse_timestamp("ModificationTimestamp", record.get("ModificationTimestamp"))
    except RecordError:
        return None


def _media(raw: Any) -> list[MediaItem]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RecordError("Media should be a list of {MediaKey, MediaURL, Order}")
    items: list[tuple[int, int, MediaItem]] = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise RecordError(f"Media[{position}] should be an object")
        category = _text("MediaCategory", entry.get("MediaCategory")).lower()
        if category not in PHOTO_CATEGORIES:
            continue
        url = _url(f"Media[{position}].MediaURL", entry.get("MediaURL"))
        if not url:
            raise RecordError(f"Media[{position}] has no MediaURL")
        if len(url) > 500:
            raise RecordError(f"Media[{position}].MediaURL is longer than 500 characters")
        order = _integer()(f"Media[{position}].Order", entry.get("Order"))
        caption = _text("ShortDescription", entry.get("ShortDescription"))
        items.append(
            (
                position if order is None else order,
                position,
                MediaItem(
                    media_key=_text("MediaKey", entry.get("MediaKey"))[:128],
                    url=url,
                    order=0,
                    # A caption is decoration: cut a long one rather than refuse the listing.
                    caption=caption[:CAPTION_MAX],
                ),
            )
        )
    items.sort(key=lambda item: (item[0], item[1]))
    # Stored order is the display position, so gaps and duplicates in the feed's Order vanish.
    return [
        MediaItem(media_key=m.media_key, url=m.url, order=n, caption=m.caption)
        for n, (_, _, m) in enumerate(items)
    ]


def _open_houses(raw: Any) -> list[OpenHouseItem]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RecordError("OpenHouse should be a list")
    items = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise RecordError(f"OpenHouse[{position}] should be an object")
        if _text("OpenHouseStatus", entry.get("OpenHouseStatus")).lower() in ("canceled", "ended"):
            continue
        start = parse_timestamp(
            f"OpenHouse[{position}].OpenHouseStartTime", entry.get("OpenHouseStartTime")
        )
        end = parse_timestamp(
            f"OpenHouse[{position}].OpenHouseEndTime", entry.get("OpenHouseEndTime")
        )
        if start is None or end is None:
            raise RecordError(f"OpenHouse[{position}] needs OpenHouseStartTime and EndTime")
        if end < start:
            raise RecordError(f"OpenHouse[{position}] ends before it starts")
        items.append(
            OpenHouseItem(
                open_house_key=_text("OpenHouseKey", entry.get("OpenHouseKey"))[:128],
                start_time=start,
                end_time=end,
                remarks=_text("OpenHouseRemarks", entry.get("OpenHouseRemarks"))[:500],
            )
        )
    return sorted(items, key=lambda item: (item.start_time, item.open_house_key))


def parse_record(record: Any) -> ParsedRecord:
    """Checks every field we read; raises RecordError on the first one that is wrong."""
    if not isinstance(record, Mapping):
        raise RecordError(f"a record should be an object, not {type(record).__name__}")
    key = record_key(record)
    if not key:
        raise RecordError("ListingKey is missing")
    if len(str(record.get("ListingKey")).strip()) > 128:
        raise RecordError("ListingKey is longer than 128 characters")
    timestamp = parse_timestamp("ModificationTimestamp", record.get("ModificationTimestamp"))
    if timestamp is None:
        raise RecordError("ModificationTimestamp is missing")
    if record.get("StandardStatus") in (None, ""):
        raise RecordError("StandardStatus is missing")
    values: dict[str, Any] = {"modification_timestamp": timestamp}
    for reso_name, field_name, convert in FIELDS:
        if reso_name in record:
            values[field_name] = convert(reso_name, record[reso_name])
    parsed = ParsedRecord(listing_key=key, modification_timestamp=timestamp, values=values)
    if "Media" in record:
        parsed.media = _media(record["Media"])
    if "OpenHouse" in record:
        parsed.open_houses = _open_houses(record["OpenHouse"])
    return parsed
