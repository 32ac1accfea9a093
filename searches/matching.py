"""The matching engine: listing events against every saved search, set-wise in the database.

One statement per batch of events finds every (search, event) pair whose criteria columns hold
(see ``searches.criteria``). It is four joins glued with UNION ALL, one per kind of area key, so
each join walks its own index: a city or ZIP equality, a GiST box containing the listing's point
(PostgreSQL; SQLite, the embedded demo, compares ranges), and the few searches with no area. The
candidates whose searches have criteria the statement cannot express get a second look here;
the rest are written as matches with ``INSERT … ON CONFLICT DO NOTHING``, so running the same
batch again writes nothing.

Which events alert: the search's ``change_types`` bits. The status criterion (on-market unless the
search names a status) applies to new listings, price changes and back-on-market; a pending or
sold event concerns a home that has just left the market, so it matches on the other criteria.
"""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Value
from django.utils import timezone

from listings import search as listing_search
from listings.models import Listing, ListingEvent

from .models import ChangeType, MatchingCursor, SavedSearch, SearchMatch

BATCH_EVENTS = 1000
FIRST_SEND_LIMIT = 100
# "Too broad" is measured on the first-send query, counting one more than this.
BROAD_SEARCH_MATCHES = 500

EVENT_BITS = {
    ListingEvent.Kind.NEW: ChangeType.NEW,
    ListingEvent.Kind.PRICE_DECREASE: ChangeType.PRICE_DECREASE,
    ListingEvent.Kind.PRICE_INCREASE: ChangeType.PRICE_INCREASE,
    ListingEvent.Kind.BACK_ON_MARKET: ChangeType.BACK_ON_MARKET,
    ListingEvent.Kind.PENDING: ChangeType.PENDING,
    ListingEvent.Kind.SOLD: ChangeType.SOLD,
}
# Events about a home leaving the market: matched without the status criterion.
LEAVING_MARKET = (ListingEvent.Kind.PENDING, ListingEvent.Kind.SOLD)


def _quoted(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# Criteria columns against the listing row ``l``. A NULL listing value fails a bound, as
# ``listings_matching`` does (Django's ``__gte`` excludes NULL): ``COALESCE(l.x >= s.bound,
# s.bound IS NULL)`` is true when the search has no bound, else the comparison (NULL → false).
# No ``OR`` on purpose: PostgreSQL plans each OR of a join clause for every join path and index,
# which cost seconds of planning per statement (see benchmarks/matching.py).
def _bound(listing_column: str, op: str, search_column: str) -> str:
    return f"COALESCE(l.{listing_column} {op} s.{search_column}, s.{search_column} IS NULL)"


# Most selective first: PostgreSQL tests a join's conditions in this order (equal costs), and
# the price band alone drops ~85 % of the pairs an area join produces.
CRITERIA_SQL = "\n    AND ".join(
    [
        _bound("list_price", "<=", "c_max_price"),
        _bound("list_price", ">=", "c_min_price"),
        _bound("bedrooms_total", ">=", "c_min_beds"),
        "s.c_type IN ('', l.property_type)",
        _bound("bathrooms_total_integer", ">=", "c_min_baths"),
        _bound("living_area", ">=", "c_min_sqft"),
        _bound("living_area", "<=", "c_max_sqft"),
        _bound("lot_size_area", ">=", "c_min_lot"),
        _bound("lot_size_area", "<=", "c_max_lot"),
        _bound("year_built", ">=", "c_min_year"),
        _bound("year_built", "<=", "c_max_year"),
        _bound("garage_spaces", ">=", "c_min_garage"),
        _bound("days_on_market", "<=", "c_max_dom"),
        "CASE WHEN s.c_reduced THEN l.list_price < l.original_list_price ELSE TRUE END",
        "CASE WHEN s.c_south IS NULL THEN TRUE ELSE l.latitude >= s.c_south"
        " AND l.latitude <= s.c_north AND l.longitude >= s.c_west AND l.longitude <= s.c_east END",
    ]
)


def _status_sql() -> str:
    on_market = _quoted(listing_search.ON_MARKET_STATUSES)
    return (
        f"CASE WHEN s.c_status = '' THEN l.standard_status IN ({on_market})"
        " ELSE l.standard_status = s.c_status END"
    )


def _area_joins() -> list[str]:
    """One join condition per kind of area key, each walking its own index: the city and ZIP
    branches merge-join the sorted batch with the searches of that kind, the box and anywhere
    branches probe the partial GiST indexes of alerting searches (migrations 0007, 0013) per
    listing."""
    if not _postgres():
        # SQLite (make run): the range tests in CRITERIA_SQL do the work.
        return [
            "s.c_area_kind = 'city' AND s.c_city = UPPER(l.city)",
            "s.c_area_kind = 'zip' AND s.c_postal = SUBSTR(l.postal_code, 1, 5)",
            "s.c_area_kind = 'box'",
            "s.c_area_kind = 'any'",
        ]
    # box @> box, not box @> point: GiST's box_ops has no (box, point) operator, so only this
    # form walks the index (a point is a box with no size).
    point = "point(l.longitude::float8, l.latitude::float8)"
    return [
        "s.c_area_kind = 'city' AND s.c_city = UPPER(l.city)",
        "s.c_area_kind = 'zip' AND s.c_postal = SUBSTR(l.postal_code, 1, 5)",
        "s.c_area_kind = 'box' AND box(point(s.c_west, s.c_south), point(s.c_east, s.c_north))"
        f" @> box({point}, {point})",
        # "Anywhere" in two disjoint branches, each one probe of the (type, price range) GiST
        # (migration 0013): searches for the listing's type, and searches with no type.
        f"s.c_area_kind = 'any' AND s.c_type = l.property_type AND s.c_type <> ''"
        f" AND {_PRICE_HELD} AND {_ADDRESS_PREFILTER}",
        f"s.c_area_kind = 'any' AND s.c_type = '' AND {_PRICE_HELD} AND {_ADDRESS_PREFILTER}",
    ]


# The searches whose price range holds the listing's price, as the GiST indexes over
# int8range(c_min_price, c_max_price) can answer it. A superset (whole dollars; a missing price
# as -1, which only a search without a minimum holds): CRITERIA_SQL decides exactly.
_PRICE_HELD = (
    "int8range(s.c_min_price, s.c_max_price, '[]') @> COALESCE(floor(l.list_price)::int8, -1)"
)


# A search by street address or MLS number has no area key ("any"), so without this every listing
# of the batch within its price range was a candidate sent to the second look (one query per
# search): 15 % of all candidates at 100,000 searches from 0.3 % of the searches, and most of the
# time of reverse prospecting. This keeps only listings whose address contains the typed text or
# whose MLS number is that text — the same test as ``listings.search.location_q``, so it drops
# nothing the second look would keep. ``c_text`` is that text upper-cased, or empty (let all
# through) for text that is not plain ASCII or holds a LIKE wildcard (searches.criteria).
_ADDRESS_PREFILTER = (
    "CASE WHEN s.c_text = '' THEN TRUE"
    " ELSE strpos(upper(l.street_number || ' ' || l.street_name || ' ' || l.street_suffix),"
    " s.c_text) > 0 OR upper(l.listing_id) = s.c_text END"
)


ALERTING_SQL = (
    "s.kind = 'automatic' AND s.is_paused = FALSE AND s.client_alerts_off = FALSE"
    " AND s.contact_id IS NOT NULL"
)


# The listing columns the criteria read, copied once per event into the statement's batch.
_BATCH_LISTING_COLUMNS = (
    "id, standard_status, list_price, original_list_price, property_type, bedrooms_total,"
    " bathrooms_total_integer, living_area, lot_size_area, year_built, garage_spaces,"
    " days_on_market, latitude, longitude, city, postal_code, listing_id, street_number,"
    " street_name, street_suffix"
)


def _events_statement(*, as_cte: bool = False) -> str:
    """The batch (events joined to their listings, 1,000 rows) is materialized once, then each
    area branch joins it to the searches through that branch's index. ``as_cte``: the branches
    become a ``candidates`` CTE that a longer statement continues, and events already in the
    MatchedEvent ledger are left out of the batch (the statement that writes matches)."""
    bits = " ".join(f"WHEN '{kind}' THEN {bit}" for kind, bit in EVENT_BITS.items())
    leaving = _quoted(LEAVING_MARKET)
    columns = ", ".join(f"l.{c.strip()}" for c in _BATCH_LISTING_COLUMNS.split(","))
    batch = (
        "WITH l AS MATERIALIZED (SELECT e.id AS event_id, e.kind AS event_kind,"
        f" e.old_price AS event_old_price, e.new_price AS event_new_price,"
        f" CASE e.kind {bits} ELSE 0 END AS event_bit, e.kind IN ({leaving}) AS leaving,"
        f" {columns} FROM listings_listingevent e JOIN listings_listing l ON l.id = e.listing_id"
        " WHERE e.id > %s AND e.id <= %s"
        + (
            " AND NOT EXISTS (SELECT 1 FROM searches_matchedevent done WHERE done.event_id = e.id)"
            if as_cte
            else ""
        )
        + ")\n"
    )
    branches = []
    for area in _area_joins():
        branches.append(
            f"""SELECT s.id AS search_id, l.event_id, l.id AS listing_id, l.event_kind AS reason,
                       l.event_old_price AS old_price, l.event_new_price AS new_price,
                       s.requires_screening AS screening, s.c_needs_check AS needs_check
                FROM l JOIN searches_savedsearch s ON {area}
                WHERE {ALERTING_SQL}
                  AND (s.change_types & l.event_bit) <> 0
                  AND CASE WHEN l.leaving THEN TRUE ELSE {_status_sql()} END
                  AND {CRITERIA_SQL}"""
        )
    union = "\nUNION ALL\n".join(branches)
    if as_cte:
        return f"{batch.rstrip()}, candidates AS ({union})\n"
    return batch + union


# PostgreSQL writes the candidates that need no second look in the statement that finds them,
# and bumps those searches' counters there too: no rows travel to Python and back (at 100,000
# searches the Python round trip cost 20.1 s against 38.5 s, docs/benchmarks.md). The batch's
# events go into the MatchedEvent ledger in the same statement; the batch above already left out
# events listed there, and runs are serialized (_MATCHER_LOCK), so the matches need no per-row
# ON CONFLICT check (0.25 s of 1.3 s for 154,000 rows). The unique (search, event) key stays as
# the safety net. The final SELECT hands back only the candidates for the second look, then one
# summary row (NULL ids).
_WRITE_TAIL = """,
ledger AS (
    INSERT INTO searches_matchedevent (event_id, matched_at) SELECT event_id, %s FROM l),
inserted AS (
    INSERT INTO searches_searchmatch
        (search_id, listing_id, event_id, reason, old_price, new_price, state, matched_at)
    SELECT search_id, listing_id, event_id, reason, old_price, new_price,
           CASE WHEN screening THEN 'screening' ELSE 'ready' END, %s
      FROM candidates WHERE NOT needs_check
     ORDER BY search_id, event_id),  -- index order: each index page is touched once, not per row
counts AS (
    SELECT search_id, count(*) AS n, bool_or(NOT screening) AS ready
      FROM candidates WHERE NOT needs_check GROUP BY search_id),
bumped AS (
    INSERT INTO searches_searchtally AS t (search_id, match_count, last_match_at, alert_pending)
    SELECT search_id, n, %s, ready FROM counts ORDER BY search_id  -- the alert sender's lock order
    ON CONFLICT (search_id) DO UPDATE
       SET match_count = t.match_count + EXCLUDED.match_count,
           last_match_at = EXCLUDED.last_match_at,
           alert_pending = t.alert_pending OR EXCLUDED.alert_pending
    RETURNING t.search_id)
SELECT search_id, event_id, listing_id, reason, old_price, new_price, screening, needs_check,
       NULL::bigint, NULL::bigint
  FROM candidates WHERE needs_check
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       (SELECT COALESCE(sum(n), 0) FROM counts), (SELECT count(*) FROM bumped)
"""

# One matcher transaction at a time (a transaction-level advisory lock: released at COMMIT):
# a second run of the same batch waits, then finds its events in the ledger and writes nothing.
_MATCHER_LOCK = 74_020_611


def _jit_off(cursor) -> None:
    # These statements are costed high (a join against every search) but run in well under a
    # second; JIT compiling them took longer than running them (2.9 s at 100,000 searches).
    # The city branch's merge join sorts the batch and, without its covering index, the
    # searches: 4 MB of work_mem spilled that sort to disk at 1,000,000 searches.
    if _postgres():
        cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")


@dataclass(frozen=True)
class Candidate:
    search_id: int
    event_id: int
    listing_id: int
    reason: str
    old_price: object
    new_price: object
    screening: bool
    needs_check: bool


def event_candidates(first_event_id: int, last_event_id: int) -> list[Candidate]:
    """Every (search, event) pair in the id range ``(first, last]`` the statement accepts."""
    with transaction.atomic(), connection.cursor() as cursor:
        _jit_off(cursor)
        cursor.execute(_events_statement(), [first_event_id, last_event_id])
        return [Candidate(*row[:6], bool(row[6]), bool(row[7])) for row in cursor.fetchall()]


# --- the second look ---------------------------------------------------------------------------


def _passes_in_python(listing: Listing, criteria: dict, today: datetime.date) -> bool:
    if criteria.get("poly"):
        if listing.latitude is None or listing.longitude is None:
            return False
        if not listing_search.point_in_polygon(
            float(listing.latitude), float(listing.longitude), criteria["poly"]
        ):
            return False
    if criteria.get("new_days"):
        since = today - datetime.timedelta(days=int(criteria["new_days"]))
        if listing.listing_contract_date is None or listing.listing_contract_date < since:
            return False
    return True


def _database_criteria(criteria: dict) -> dict:
    """The criteria only the search page's own query can check: keywords, open houses and an
    address or MLS number typed in the location box (a city or ZIP there is the statement's
    area key, already applied)."""
    from .criteria import location_kind

    extra = {k: criteria[k] for k in ("keywords", "open_house") if criteria.get(k)}
    if criteria.get("q") and location_kind(criteria["q"])[0] == "text":
        extra["q"] = criteria["q"]
    return extra


def checked(
    candidates: list[Candidate],
    *,
    now: datetime.datetime | None = None,
    listings: dict[int, Listing] | None = None,
) -> list:
    """The candidates that also pass the criteria the statement could not express. The drawn
    shape and "new in N days" are checked here; keywords, an address and open houses by the
    search page's own query (``listings_matching``) over just these candidates' listings, one
    query per distinct set of such criteria (many searches share a keyword), not per search."""
    keep = [c for c in candidates if not c.needs_check]
    pending = [c for c in candidates if c.needs_check]
    if not pending:
        return keep
    now = now or timezone.now()
    today = timezone.localdate(now)
    criteria_of = dict(
        SavedSearch.objects.filter(id__in={c.search_id for c in pending}).values_list(
            "id", "criteria"
        )
    )
    if listings is None:  # reverse prospecting passes the one listing it already has
        listings = Listing.objects.in_bulk({c.listing_id for c in pending})
    # that search's database-only criteria with the listing's status, as JSON → its candidates
    by_query: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in pending:
        criteria = criteria_of[candidate.search_id]
        listing = listings[candidate.listing_id]
        if not _passes_in_python(listing, criteria, today):
            continue
        extra = _database_criteria(criteria)
        if not extra:
            keep.append(candidate)
            continue
        # With the listing's own status, so the status criterion (already applied where it
        # applies) changes nothing here.
        key = json.dumps({**extra, "status": listing.standard_status}, sort_keys=True)
        by_query[key].append(candidate)
    groups = list(by_query.items())
    for start in range(0, len(groups), _GROUPS_PER_QUERY):
        chunk = groups[start : start + _GROUPS_PER_QUERY]
        # One round trip for many groups: each group's query over its own candidates' listings,
        # tagged with the group's number, as one UNION ALL.
        queries = [
            listing_search.listings_matching(json.loads(key), now=now)
            .filter(id__in={c.listing_id for c in members})
            .order_by()  # SQLite refuses ORDER BY inside a compound statement
            .annotate(group=Value(number))
            .values_list("id", "group")
            for number, (key, members) in enumerate(chunk)
        ]
        union = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
        passing = set(union)
        for number, (_key, members) in enumerate(chunk):
            keep.extend(c for c in members if (c.listing_id, number) in passing)
    return keep


_GROUPS_PER_QUERY = 50


# --- writing matches ----------------------------------------------------------------------------


def _insert_matches(rows: list[tuple], *, chunk: int = 5000) -> Counter:
    """INSERT … ON CONFLICT DO NOTHING RETURNING search_id: how many new matches per search.
    In index order, so each index page is touched once: at 1,000,000 searches the indexes no
    longer fit in memory, and 11,000 rows in candidate order took 0.65 s."""
    created: Counter = Counter()
    rows = sorted(rows, key=lambda row: (row[0], row[2] or 0))
    columns = "search_id, listing_id, event_id, reason, old_price, new_price, state, matched_at"
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(part))
        params = [value for row in part for value in row]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO searches_searchmatch ({columns}) VALUES {placeholders}"
                " ON CONFLICT DO NOTHING RETURNING search_id",
                params,
            )
            created.update(search_id for (search_id,) in cursor.fetchall())
    return created


_BUMP_TALLY = (
    "INSERT INTO searches_searchtally (search_id, match_count, last_match_at, alert_pending)"
    " VALUES {values} ON CONFLICT (search_id) DO UPDATE"
    " SET match_count = searches_searchtally.match_count + excluded.match_count,"
    " last_match_at = excluded.last_match_at,"
    " alert_pending = searches_searchtally.alert_pending OR excluded.alert_pending"
)


def _count_new_matches(created: Counter, now, *, ready: set[int], chunk: int = 5000) -> None:
    """Adds the new matches to each search's SearchTally (created on its first match), and
    flags the searches in ``ready`` (they got "ready" matches) for the next alert run."""
    items = sorted(created.items())  # in key order, as the matches above
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        params = [
            value
            for search_id, count in part
            for value in (search_id, count, now, search_id in ready)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                _BUMP_TALLY.format(values=", ".join(["(%s, %s, %s, %s)"] * len(part))), params
            )


def _write_rows(rows: list[tuple], now) -> Counter:
    """Writes match rows from Python and bumps their searches' counters, flagging those with
    ready matches for the alert run. Returns how many new matches per search."""
    created = _insert_matches(rows)
    ready = {row[0] for row in rows if row[6] == SearchMatch.State.READY}
    _count_new_matches(created, now, ready=ready)
    return created


def _write_matches(passing: list[Candidate], now) -> Counter:
    """Writes these candidates as matches (SQLite, and the second look's)."""
    rows = [
        (
            c.search_id,
            c.listing_id,
            c.event_id,
            c.reason,
            c.old_price,
            c.new_price,
            SearchMatch.State.SCREENING if c.screening else SearchMatch.State.READY,
            now,
        )
        for c in passing
    ]
    return _write_rows(rows, now)


class _Laps:
    """Seconds per step, for the benchmark; nothing when not asked for."""

    def __init__(self, timings: dict | None):
        self.timings, self.started = timings, time.perf_counter()

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[name] = now - self.started
            self.started = now


@dataclass
class BatchResult:
    candidates: int
    matches_created: int
    searches_matched: int


def match_event_range(
    first_event_id: int,
    last_event_id: int,
    *,
    now: datetime.datetime | None = None,
    timings: dict | None = None,
) -> BatchResult:
    """Matches events with ids in ``(first, last]`` against every alerting search. Idempotent.
    ``timings``, if given, receives the seconds each step took (benchmarks/matching.py)."""
    now = now or timezone.now()
    if _postgres():
        return _match_event_range_in_sql(first_event_id, last_event_id, now=now, timings=timings)
    candidates = event_candidates(first_event_id, last_event_id)
    passing = checked(candidates, now=now)
    with transaction.atomic():
        created = _write_matches(passing, now)
    return BatchResult(
        candidates=len(candidates),
        matches_created=sum(created.values()),
        searches_matched=len(created),
    )


def _match_event_range_in_sql(
    first_event_id: int, last_event_id: int, *, now, timings: dict | None
) -> BatchResult:
    laps = _Laps(timings)
    with transaction.atomic():
        with connection.cursor() as cursor:
            _jit_off(cursor)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_MATCHER_LOCK])
            cursor.execute(
                _events_statement(as_cte=True) + _WRITE_TAIL,
                [first_event_id, last_event_id, now, now, now],
            )
            rows = cursor.fetchall()
        *to_check, (*_, created_in_sql, searches_in_sql) = rows
        laps.lap("statement: find, write and count the matches needing no second look")
        candidates = [Candidate(*row[:6], bool(row[6]), True) for row in to_check]
        passing = checked(candidates, now=now)
        laps.lap(f"second look ({len(candidates):,} candidates → {len(passing):,})")
        created = _write_matches(passing, now)
        laps.lap("write the second look's matches and counts")
    laps.lap("COMMIT")
    return BatchResult(
        candidates=len(candidates) + int(created_in_sql),
        matches_created=int(created_in_sql) + sum(created.values()),
        # A search matched both in SQL and in the second look is counted twice here.
        searches_matched=int(searches_in_sql) + len(created),
    )


def match_pending_events(*, limit_batches: int = 1000) -> int:
    """Advances the matcher's cursor over every event recorded since its last run, a batch of
    ``BATCH_EVENTS`` at a time, each batch and its cursor move in one transaction. Returns how
    many matches were created. Safe to run twice at once: the cursor row is locked."""
    total = 0
    for _ in range(limit_batches):
        with transaction.atomic():
            cursor = _cursor_locked()
            ids = list(
                ListingEvent.objects.filter(id__gt=cursor.last_event_id)
                .order_by("id")
                .values_list("id", flat=True)[:BATCH_EVENTS]
            )
            if not ids:
                return total
            result = match_event_range(cursor.last_event_id, ids[-1])
            cursor.last_event_id = ids[-1]
            cursor.save(update_fields=["last_event_id", "updated_at"])
            total += result.matches_created
    return total


def _cursor_locked() -> MatchingCursor:
    cursor = MatchingCursor.objects.select_for_update().order_by("id").first()
    if cursor is None:
        # First run ever: start from now, not from every event the listings ever had.
        latest = ListingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        MatchingCursor.objects.create(last_event_id=latest)
        cursor = MatchingCursor.objects.select_for_update().order_by("id").first()
    return cursor


# --- first send: "all current matches once" -----------------------------------------------------


def first_send_matches(search: SavedSearch, *, now: datetime.datetime | None = None) -> int:
    """The listings matching a new automatic search right now, as matches of reason "current"
    (up to FIRST_SEND_LIMIT, newest first). Also flags a search matching more than 500 homes."""
    now = now or timezone.now()
    matching = listing_search.listings_matching(search.criteria, now=now)
    broad = matching.order_by()[: BROAD_SEARCH_MATCHES + 1].count() > BROAD_SEARCH_MATCHES
    if search.first_send == SavedSearch.FirstSend.NEW_ONLY:
        return 0
    state = SearchMatch.State.SCREENING if search.requires_screening else SearchMatch.State.READY
    listings = matching.order_by("-listing_contract_date", "-id").values_list("id", "list_price")[
        :FIRST_SEND_LIMIT
    ]
    rows = [(search.pk, pk, None, "current", None, price, state, now) for pk, price in listings]
    with transaction.atomic():
        created = _write_rows(rows, now)
    if broad:
        from .services import search_flag_broad

        search_flag_broad(search)
    return sum(created.values())


# --- reverse prospecting ------------------------------------------------------------------------


# Reverse prospecting's area conditions on PostgreSQL: the expressions of the partial GiST
# indexes of migrations 0006/0008 (searches of contacts with the flag on, not paused, with every
# criteria column included), so each branch reads only the searches whose area and price range
# hold the listing, from the index alone.
_PROSPECTING = "s.c_prospecting AND NOT s.is_paused"


def _prospecting_areas() -> list[str]:
    areas = _area_joins()
    if not _postgres():
        return areas
    city, postal, box = areas[:3]
    # One "anywhere" branch here: the prospecting indexes are keyed by the price range alone.
    anywhere = f"s.c_area_kind = 'any' AND {_PRICE_HELD} AND {_ADDRESS_PREFILTER}"
    return [
        f"{city} AND {_PROSPECTING} AND {_PRICE_HELD}",
        f"{postal} AND {_PROSPECTING} AND {_PRICE_HELD}",
        f"{box} AND {_PROSPECTING}",
        f"{anywhere} AND {_PROSPECTING}",  # _area_joins already holds the price
    ]


def _prospecting_statement(listing_param: str) -> str:
    # On PostgreSQL triggers keep c_prospecting equal to the contact's flag (migration 0008),
    # so the statement reads only the partial indexes; SQLite checks the contact itself.
    if _postgres():
        contact_join, contact_flag = "", ""
    else:
        contact_join = "JOIN clients_contact c ON c.id = s.contact_id"
        contact_flag = "AND c.reverse_prospecting = TRUE"
    branches = []
    for area in _prospecting_areas():
        branches.append(
            f"""SELECT s.id, s.c_needs_check FROM listings_listing l
                JOIN searches_savedsearch s ON {area}
                {contact_join}
                WHERE l.id = {listing_param} AND s.is_paused = FALSE {contact_flag}
                  AND {_status_sql()} AND {CRITERIA_SQL}"""
        )
    return "\nUNION ALL\n".join(branches)


# Planning the four branches against the searches' many partial indexes took 16 ms, three
# times longer than running them (5 ms at 100,000 searches): on PostgreSQL the statement is
# prepared on the server connection the first time and its plan reused. Whether it is there is
# asked in the same transaction (and round trip) as the settings, so it also holds behind a
# pooler in transaction mode (PgBouncer, docs/deploy.md), where the next transaction may run on
# another server connection.
_PROSPECTING_PREPARED = "searches_reverse_prospect_v3"


def _prospecting_rows(cursor, listing_id: int) -> list[tuple]:
    if not _postgres():
        cursor.execute(_prospecting_statement("%s"), [listing_id] * len(_area_joins()))
        return cursor.fetchall()
    # The plan does not depend on the listing (its values come from the join): a generic plan
    # from the first run on.
    cursor.execute(
        "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL jit = off;"
        " SELECT count(*) FROM pg_prepared_statements WHERE name = %s",
        [_PROSPECTING_PREPARED],
    )
    if not cursor.fetchone()[0]:
        # Executed without parameters, so the driver leaves "%" alone: undo the doubling.
        statement = _prospecting_statement("$1").replace("%%", "%")
        cursor.execute(f"PREPARE {_PROSPECTING_PREPARED}(bigint) AS {statement}")
    cursor.execute(f"EXECUTE {_PROSPECTING_PREPARED}(%s)", [listing_id])
    return cursor.fetchall()


def reverse_prospect_search_ids(listing: Listing) -> list[int]:
    """Saved searches (any kind, not paused) of contacts with reverse prospecting on that match
    this listing as it is now: the same criteria as alerts, for one listing and no event."""
    with transaction.atomic(), connection.cursor() as cursor:
        rows = _prospecting_rows(cursor, listing.pk)
    candidates = [
        Candidate(pk, 0, listing.pk, "current", None, None, False, bool(needs_check))
        for pk, needs_check in rows
    ]
    return [c.search_id for c in checked(candidates, listings={listing.pk: listing})]
