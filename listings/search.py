"""The search query builder: pure functions from cleaned criteria to querysets and pages.

*Criteria* are the Search Listings form's cleaned values as JSON (what ``SavedSearch.criteria``
stores): ``{"q": "Hartford", "min_price": 300000, "beds": 3, "bbox": [s, w, n, e], ...}``.
The saved-searches matcher reuses ``listings_matching``.

Two database modes, one behaviour:

- **PostgreSQL** (tests, production, the benchmark): the map box and the drawn polygon are SQL
  (``point(longitude, latitude) <@ box(...)`` / ``<@ polygon``) answered by a GiST index on that
  expression; keywords are full-text (a stored ``public_remarks_tsv`` column, GIN index); the
  address part of the location box is a trigram ``LIKE`` (GIN ``gin_trgm_ops``). See migration
  ``0003_search_indexes`` for the index each of these expressions matches, character for character.
  When more than ``COUNT_CAP`` match, a map area or keywords are tested while walking the newest
  order instead, from indexes that carry the coordinates (``0006``) or the tsvector (``0008``).
- **SQLite** (the embedded ``make run`` demo, a few thousand rows): the box is a plain range on
  latitude/longitude; the polygon is its bounding box in SQL, then point-in-polygon in Python over
  those candidates (capped at ``SQLITE_POLYGON_CANDIDATES``); keywords are ``icontains`` per word.

Pages are **keyset** pages (``after=<sort value>_<id>``), never OFFSET, so a page 100,000 rows deep
costs what the first one does and a listing inserted between two page loads neither repeats nor
hides a row. Rows whose sort value is NULL (no price, no bedrooms given) come after all others,
ordered by id; their cursors read ``n_<id>``.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import Listing, OpenHouse

# Statuses a buyer can still act on: the default when no status is chosen.
ON_MARKET_STATUSES = [
    Listing.StandardStatus.ACTIVE,
    Listing.StandardStatus.COMING_SOON,
    Listing.StandardStatus.ACTIVE_UNDER_CONTRACT,
]
PAGE_SIZE = 50
COUNT_CAP = 1000
MAX_POLYGON_POINTS = 100
SQLITE_POLYGON_CANDIDATES = 50_000

# The exact expressions the PostgreSQL indexes are built on (migration 0003_search_indexes).
SQL_POINT = 'point("listings_listing"."longitude"::float8, "listings_listing"."latitude"::float8)'
SQL_ADDRESS = (
    'upper("listings_listing"."street_number" || \' \' || "listings_listing"."street_name"'
    ' || \' \' || "listings_listing"."street_suffix")'
)
# A stored generated column (PostgreSQL only, added by 0003_search_indexes, unknown to the model):
# filtering on it costs a comparison, where to_tsvector() per row costs ~30 µs.
SQL_REMARKS_TSV = '"listings_listing"."public_remarks_tsv"'


@dataclass(frozen=True)
class Sort:
    label: str
    field: str
    descending: bool
    kind: str  # how the cursor's value is written and read: "date", "decimal" or "int"

    @property
    def ordering(self) -> list:
        if self.descending:
            return [F(self.field).desc(), "-id"]
        return [F(self.field).asc(), "id"]


SORTS: dict[str, Sort] = {
    "newest": Sort("Newest", "listing_contract_date", True, "date"),
    "price_asc": Sort("Price (low to high)", "list_price", False, "decimal"),
    "price_desc": Sort("Price (high to low)", "list_price", True, "decimal"),
    "beds": Sort("Bedrooms", "bedrooms_total", True, "int"),
    "area": Sort("Living area", "living_area", True, "int"),
}
DEFAULT_SORT = "newest"
# Sorts whose on-market indexes INCLUDE the coordinates (migration 0006) and the remarks' tsvector
# (0008), with price, beds and baths.
COVERING_SORTS = {"newest"}


@dataclass(frozen=True)
class Cursor:
    value: Any  # None: the rows without a sort value, which come last
    id: int


@dataclass
class SearchPage:
    listings: list[Listing]
    next_cursor: str | None
    sort: str


# --- parsing the URL's map parameters -----------------------------------------------------------


def _coordinate(text: str, *, low: float, high: float, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"“{text[:20]}” is not a {what}.") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{what.capitalize()} must be between {low:g} and {high:g}.")
    return round(number, 6)


def parse_bbox(text: str) -> list[float]:
    """``south,west,north,east`` in degrees → ``[s, w, n, e]``; ValueError in words."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("expected south,west,north,east.")
    south, north = (_coordinate(parts[i], low=-90, high=90, what="latitude") for i in (0, 2))
    west, east = (_coordinate(parts[i], low=-180, high=180, what="longitude") for i in (1, 3))
    if south >= north or west >= east:
        raise ValueError("south must be below north and west left of east.")
    return [south, west, north, east]


def parse_polygon(text: str) -> list[list[float]]:
    """``lat lng,lat lng,…`` (3 to 100 corners) → ``[[lat, lng], …]``; ValueError in words."""
    corners = [part.strip() for part in text.split(",") if part.strip()]
    if len(corners) > MAX_POLYGON_POINTS + 1:
        raise ValueError(f"draw it with at most {MAX_POLYGON_POINTS} corners.")
    points = []
    for corner in corners:
        pair = corner.replace("+", " ").split()
        if len(pair) != 2:
            raise ValueError("each corner is “latitude longitude”.")
        points.append(
            [
                _coordinate(pair[0], low=-90, high=90, what="latitude"),
                _coordinate(pair[1], low=-180, high=180, what="longitude"),
            ]
        )
    if len(points) > 3 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        raise ValueError("a shape needs at least 3 corners.")
    return points


def point_in_polygon(lat: float, lng: float, polygon: list[list[float]]) -> bool:
    """Ray casting (even-odd rule); the SQLite path's filter and the tests' oracle."""
    inside = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        lat_i, lng_i = polygon[i]
        lat_j, lng_j = polygon[j]
        if (lat_i > lat) != (lat_j > lat):
            crossing = (lng_j - lng_i) * (lat - lat_i) / (lat_j - lat_i) + lng_i
            if lng < crossing:
                inside = not inside
        j = i
    return inside


def polygon_bbox(polygon: list[list[float]]) -> list[float]:
    lats = [p[0] for p in polygon]
    lngs = [p[1] for p in polygon]
    return [min(lats), min(lngs), max(lats), max(lngs)]


# --- the keyset cursor ---------------------------------------------------------------------------

_CURSOR = re.compile(r"(?P<value>[0-9.\-]{1,24}|n)_(?P<id>[0-9]{1,18})")


def parse_cursor(text: str, *, sort: str) -> Cursor | None:
    """``<value>_<id>`` as written by ``encode_cursor`` for this sort, else None (ignored)."""
    match = _CURSOR.fullmatch(text.strip())
    if not match or sort not in SORTS:
        return None
    raw, pk = match["value"], int(match["id"])
    if raw == "n":
        return Cursor(None, pk)
    kind = SORTS[sort].kind
    try:
        if kind == "date":
            value: Any = datetime.date.fromisoformat(raw)
        elif kind == "decimal":
            value = Decimal(raw)
            if not value.is_finite() or abs(value) >= 10**12:
                return None
        else:
            value = int(raw)
            if abs(value) >= 2**31:
                return None
    except (ValueError, InvalidOperation):
        return None
    return Cursor(value, pk)


def encode_cursor(listing: Listing, sort: str) -> str:
    value = getattr(listing, SORTS[sort].field)
    if value is None:
        return f"n_{listing.pk}"
    if isinstance(value, datetime.date):
        return f"{value.isoformat()}_{listing.pk}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}_{listing.pk}"
    return f"{value}_{listing.pk}"


# --- criteria ↔ query string ------------------------------------------------------------------


def criteria_from_cleaned(cleaned: dict) -> dict:
    """The form's cleaned data as JSON values, dropping empty fields, the cursor and the default
    sort, so that two equal searches have equal criteria (Previous Searches dedupe on this)."""
    criteria = {}
    for key, value in cleaned.items():
        if key == "after" or value in (None, "", False, []):
            continue
        if key == "sort" and value == DEFAULT_SORT:
            continue
        criteria[key] = value
    return criteria


def criteria_to_params(criteria: dict) -> dict[str, str]:
    params = {}
    for key, value in criteria.items():
        if key == "bbox":
            params[key] = ",".join(f"{v:g}" for v in value)
        elif key == "poly":
            params[key] = ",".join(f"{lat:g} {lng:g}" for lat, lng in value)
        elif value is True:
            params[key] = "on"
        else:
            params[key] = f"{value:g}" if isinstance(value, float) else str(value)
    return params


def criteria_to_query_string(criteria: dict) -> str:
    return urlencode(criteria_to_params(criteria))


def describe(criteria: dict) -> str:
    """A short human summary: "Hartford · $300k–$500k · 3+ beds"."""
    parts = []
    if criteria.get("q"):
        parts.append(criteria["q"])
    low, high = criteria.get("min_price"), criteria.get("max_price")
    if low or high:
        parts.append(
            f"{_money(low) if low else 'Up to '}{'–' if low and high else ''}"
            f"{_money(high) if high else '+'}"
        )
    for key, noun in (("beds", "beds"), ("baths", "baths")):
        if criteria.get(key):
            parts.append(f"{criteria[key]}+ {noun}")
    if criteria.get("type"):
        parts.append(Listing.PropertyType(criteria["type"]).label)
    if criteria.get("status"):
        parts.append(Listing.StandardStatus(criteria["status"]).label)
    if criteria.get("poly"):
        parts.append("Drawn area")
    elif criteria.get("bbox"):
        parts.append("Map area")
    if criteria.get("keywords"):
        parts.append(f"“{criteria['keywords']}”")
    extra = len(
        set(criteria)
        - {
            "q",
            "min_price",
            "max_price",
            "beds",
            "baths",
            "type",
            "status",
            "poly",
            "bbox",
            "keywords",
            "sort",
        }
    )
    if extra:
        parts.append(f"+{extra} more filter{'s' if extra > 1 else ''}")
    return " · ".join(parts) or "All homes for sale"


def _money(value: int) -> str:
    if value >= 1_000_000:
        return f"${value / 1_000_000:.3g}M"
    if value >= 1_000:
        return f"${value / 1_000:.0f}k"
    return f"${value}"


# --- the query builder -------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


_ZIP = re.compile(r"\d{5}(-\d{4})?")
_MLS = re.compile(r"(?=.*\d)[A-Za-z0-9-]{4,30}")


def location_q(text: str) -> Q:
    """One box for city, ZIP, street address or MLS number, told apart by shape so each becomes
    one indexed condition: "06105" a ZIP, "12 Maple St" an address, "CT240017" an MLS number
    (or an address), anything else a city ("Hartford" or "Hartford, CT")."""
    text = text.strip()
    if _ZIP.fullmatch(text):
        return Q(postal_code__startswith=text[:5])
    if _MLS.fullmatch(text) and not text.isdigit():
        return Q(listing_id__iexact=text) | _address_q(text)
    if text[:1].isdigit():
        return _address_q(text)
    return Q(city__iexact=text.split(",")[0].strip())


def _address_q(text: str) -> Q:
    # % and _ are LIKE wildcards and never part of an address.
    needle = re.sub(r"[%_\\]", "", text).upper()
    # Street suffixes are stored as written by the MLS ("St"); the expression joins the parts.
    return Q(RawSQL(f"{SQL_ADDRESS} LIKE %s", [f"%{needle}%"], output_field=BooleanField()))


def listings_matching(
    criteria: dict, *, now: datetime.datetime | None = None, dense: bool = False
) -> QuerySet:
    """Every filter of the criteria; no ordering (the page or the count adds what it needs).
    ``dense``: more than COUNT_CAP match, so a map area or keywords are better filtered while
    walking the sort's index than looked up in their own index."""
    listings = Listing.objects.all()
    status = criteria.get("status")
    listings = (
        listings.filter(standard_status=status)
        if status
        else listings.filter(standard_status__in=ON_MARKET_STATUSES)
    )
    if criteria.get("q"):
        listings = listings.filter(location_q(criteria["q"]))
    ranges = [
        ("min_price", "list_price__gte"),
        ("max_price", "list_price__lte"),
        ("beds", "bedrooms_total__gte"),
        ("baths", "bathrooms_total_integer__gte"),
        ("min_sqft", "living_area__gte"),
        ("max_sqft", "living_area__lte"),
        ("min_lot", "lot_size_area__gte"),
        ("max_lot", "lot_size_area__lte"),
        ("min_year", "year_built__gte"),
        ("max_year", "year_built__lte"),
        ("garage", "garage_spaces__gte"),
        ("max_dom", "days_on_market__lte"),
    ]
    for key, lookup in ranges:
        if criteria.get(key) is not None:
            value = criteria[key]
            if isinstance(value, float):
                value = Decimal(str(value))
            listings = listings.filter(**{lookup: value})
    if criteria.get("type"):
        listings = listings.filter(property_type=criteria["type"])
    if criteria.get("reduced"):
        listings = listings.filter(list_price__lt=F("original_list_price"))
    now = now or timezone.now()
    if criteria.get("new_days"):
        since = timezone.localdate(now) - datetime.timedelta(days=criteria["new_days"])
        listings = listings.filter(listing_contract_date__gte=since)
    if criteria.get("open_house"):
        upcoming = OpenHouse.objects.filter(listing=OuterRef("pk"), end_time__gte=now)
        listings = listings.filter(Exists(upcoming))
    if criteria.get("keywords"):
        listings = _keywords_filter(listings, criteria["keywords"], dense=dense)
    if criteria.get("bbox"):
        listings = _bbox_filter(listings, criteria["bbox"], dense=dense)
    if criteria.get("poly"):
        listings = _polygon_filter(listings, criteria["poly"], dense=dense)
    return listings


def _keywords_filter(listings: QuerySet, keywords: str, *, dense: bool = False) -> QuerySet:
    if _postgres():
        # websearch syntax: words are ANDed, "quoted phrases" and -excluded words work too.
        condition = f"{SQL_REMARKS_TSV} @@ websearch_to_tsquery('english'::regconfig, %s)"
        return listings.filter(_indexed_unless_dense(condition, [keywords], dense=dense))
    for word in keywords.split()[:10]:
        listings = listings.filter(public_remarks__icontains=word.strip('"'))
    return listings


def _indexed_unless_dense(condition: str, params: list, *, dense: bool) -> Q:
    # PostgreSQL guesses a fixed 0.1% of rows for "<@" and multiplies word frequencies for "@@",
    # so for a box holding thousands of homes (or a phrase whose words always come together) it
    # reads every match through the GiST/GIN index and sorts them all. When the capped count has
    # shown there are many, a CASE (not indexable) makes it walk the sort's index instead and
    # stop at the page's 51st match; a sparse search keeps the GiST/GIN index.
    # CASE rather than "(…) IS TRUE": the planner keeps the bad guess through IS TRUE, so with a
    # city also given it read all of the city's ~80,000 rows and sorted them (170–370 ms for
    # "Hartford" and a map box, or "Hartford" and "victorian porch"); for an expression it cannot
    # see into it assumes one row in two, which is what "dense" says, and walks the city's newest
    # index instead (2–8 ms). NULL is false, as with IS TRUE.
    sql = f"CASE WHEN {condition} THEN true ELSE false END" if dense else condition
    return Q(RawSQL(sql, params, output_field=BooleanField()))


def _bbox_filter(listings: QuerySet, bbox: list[float], *, dense: bool = False) -> QuerySet:
    south, west, north, east = bbox
    if _postgres():
        condition = f"{SQL_POINT} <@ box(point(%s, %s), point(%s, %s))"
        return listings.filter(
            _indexed_unless_dense(condition, [west, south, east, north], dense=dense)
        )
    return listings.filter(
        latitude__range=(Decimal(str(south)), Decimal(str(north))),
        longitude__range=(Decimal(str(west)), Decimal(str(east))),
    )


def _polygon_filter(
    listings: QuerySet, polygon: list[list[float]], *, dense: bool = False
) -> QuerySet:
    if _postgres():
        literal = "(" + ",".join(f"({lng!r},{lat!r})" for lat, lng in polygon) + ")"
        condition = f"{SQL_POINT} <@ %s::polygon"
        return listings.filter(_indexed_unless_dense(condition, [literal], dense=dense))
    candidates = _bbox_filter(listings, polygon_bbox(polygon)).order_by()
    rows = candidates.values_list("id", "latitude", "longitude")[:SQLITE_POLYGON_CANDIDATES]
    inside = [
        pk
        for pk, lat, lng in rows
        if lat is not None and point_in_polygon(float(lat), float(lng), polygon)
    ]
    return listings.filter(id__in=inside)


def search_page(
    criteria: dict,
    *,
    after: Cursor | None = None,
    limit: int = 0,
    dense: bool = False,
    fields: tuple[str, ...] = (),
    annotations: dict | None = None,
) -> SearchPage:
    """One keyset page: ``limit`` listings after the cursor, and the next page's cursor.

    One query while rows with a sort value last (an index seek on ``(sort field, id)``); a
    second, by id, only on the page where they run out and the rows without a value begin.
    ``fields``: load only these (and the sort's) columns, as ``QuerySet.only``;
    ``annotations``: ``QuerySet.annotate`` these on the page's rows (say, a per-row subquery
    that would otherwise be a query of its own).
    """
    limit = limit or PAGE_SIZE
    sort_key = criteria.get("sort") or DEFAULT_SORT
    sort = SORTS[sort_key]
    base = listings_matching(criteria, dense=dense)
    listings = Listing.objects.all()
    if fields:
        base = base.only(*fields, sort.field)
        listings = listings.only(*fields, sort.field)
    if annotations:
        base = base.annotate(**annotations)
        listings = listings.annotate(**annotations)
    # A dense map area or keyword search is filtered while walking the sort's index; when that
    # index carries what the filter reads (the coordinates: 0006's listing_onmarket_newest_cover;
    # the remarks' tsvector: 0008's listing_onmarket_newest_remarks) the walk picks the page's
    # ids from the index alone, and only those 51 rows are read from the table, instead of the
    # ~1,600 rows a box holding 2 % of the homes (~2,500 for a phrase in 2 % of the remarks) is
    # read through before 51 are in it.
    ids_first = (
        dense
        and sort_key in COVERING_SORTS
        and bool(criteria.get("bbox") or criteria.get("poly") or criteria.get("keywords"))
        and _postgres()
    )
    id_after = "id__lt" if sort.descending else "id__gt"
    rows: list[Listing] = []
    if after is None or after.value is not None:
        valued = base.filter(**{f"{sort.field}__isnull": False})
        if after is not None:
            # A row comparison, (value, id) < (v, id'), is one index range on (field, id) in
            # PostgreSQL (and valid SQLite); the same condition spelt with OR scans and filters.
            column = Listing._meta.get_field(sort.field).column
            op = "<" if sort.descending else ">"
            condition = f'("listings_listing"."{column}", "listings_listing"."id") {op} (%s, %s)'
            valued = valued.filter(
                Q(RawSQL(condition, [after.value, after.id], output_field=BooleanField()))
            )
        page = valued.order_by(*sort.ordering)[: limit + 1]
        if ids_first:
            # Spelt as raw SQL, not pk__in=: Django would alias the inner table (U0) while the
            # map condition names "listings_listing", which would then mean the outer row.
            ids_sql, ids_params = page.values("pk").query.sql_with_params()
            in_page = RawSQL(f'"listings_listing"."id" IN ({ids_sql})', ids_params, BooleanField())
            page = listings.filter(Q(in_page)).order_by(*sort.ordering)
        rows = list(page)
    if len(rows) <= limit:
        missing = base.filter(**{f"{sort.field}__isnull": True})
        if after is not None and after.value is None:
            missing = missing.filter(**{id_after: after.id})
        order = "-id" if sort.descending else "id"
        rows += list(missing.order_by(order)[: limit + 1 - len(rows)])
    next_cursor = encode_cursor(rows[limit - 1], sort_key) if len(rows) > limit else None
    return SearchPage(listings=rows[:limit], next_cursor=next_cursor, sort=sort_key)


def capped_count(criteria: dict, *, cap: int | None = None) -> tuple[int, bool]:
    """How many match, counting at most ``cap + 1`` rows so a broad search stays cheap.
    Returns (count, capped): (1000, True) reads "1,000+ homes". One query.

    On PostgreSQL the usual on-market counts (city and price, map box, polygon) are index-only
    scans that stop at the cap (migration 0005). Keywords are a GIN bitmap of *every* match, so
    a keyword count first looks at a 1-in-32 sample of the listings (its own small GIN index):
    ``COUNT_SAMPLE_ENOUGH`` matches there mean "1,000+" without building the big bitmap."""
    cap = cap or COUNT_CAP
    # order_by() drops Meta.ordering, which would make the database sort before the LIMIT.
    matching = listings_matching(criteria).order_by()
    sampled = criteria.get("keywords") and not criteria.get("status") and cap <= SAMPLE_PROVES
    sampled = sampled and _postgres()
    count = _count_sampled_first(matching, cap) if sampled else matching[: cap + 1].count()
    return (cap, True) if count > cap else (count, False)


# One listing in COUNT_SAMPLE_EVERY (by id, which says nothing about a listing's words) is in
# the sample index of migration 0005, whose predicate this condition must repeat exactly.
COUNT_SAMPLE_EVERY = 32
# 80 sample matches: if 1,000 or fewer listings matched, the sample would hold about 31 of them
# (binomial, p = 1/32); 80 or more happens with probability below 1e-13. So 80 proves "1,000+";
# from about 3,600 matches on, the sample finds 80 (99.9 %); in between the exact count runs.
COUNT_SAMPLE_ENOUGH = 80
SAMPLE_PROVES = 1000  # the sample only answers for caps up to this


def _count_sampled_first(matching: QuerySet, cap: int) -> int:
    """``cap + 1`` when the sample proves more than ``cap`` match, else the capped count.
    One statement: PostgreSQL evaluates the ELSE branch's subquery only when it is reached."""
    # Literal numbers, not parameters: the planner must see "id % 32 = 0" to use the index.
    every, enough = int(COUNT_SAMPLE_EVERY), int(COUNT_SAMPLE_ENOUGH)
    in_sample = RawSQL(f'"listings_listing"."id" %% {every} = 0', [], output_field=BooleanField())
    probe_sql, probe_params = (
        matching.filter(Q(in_sample)).values("pk")[:enough].query.sql_with_params()
    )
    exact_sql, exact_params = matching.values("pk")[: cap + 1].query.sql_with_params()
    sql = (
        f"SELECT CASE WHEN (SELECT count(*) FROM ({probe_sql}) probe) >= {enough}"
        f" THEN {int(cap) + 1} ELSE (SELECT count(*) FROM ({exact_sql}) capped) END"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*probe_params, *exact_params))
        return cursor.fetchone()[0]
