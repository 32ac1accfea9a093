"""Saved-search matching at scale: a batch of 1,000 changed listings against 100,000 and then
1,000,000 saved searches, set-wise (searches.matching) and the naive way, plus reverse prospecting.

    .venv/bin/python benchmarks/matching.py                       # 200,000 listings; 100k then 1M
    .venv/bin/python benchmarks/matching.py --sizes 100000        # one size only
    .venv/bin/python benchmarks/matching.py --reuse               # keep listings, agents, events
    .venv/bin/python benchmarks/matching.py --mix regional        # 1,000 cities, own database

Each size also prints the issue's "plain SQL" reference (area key + price range joined, pairs
counted): how dense a mix is, against the issue's ~0.1 s / ~0.6 s (docs/benchmarks.md, run H).

It creates (and reuses) its own database, ``portal_bench_matching`` on the server of
``BENCH_MATCHING_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/portal_bench_matching``,
``…_regional`` for ``--mix regional``, so ``--reuse`` never mixes the two;
never ``portal_bench``/``portal_bench_reports``, which other benchmarks rebuild), migrates it and
loads with COPY:

- listings over 100 cities / 1,000 ZIP codes, each with coordinates around its ZIP's centre;
- 1,000 agents; contacts (two searches each on average, reverse prospecting on for ~30 %);
- saved searches, with ``criteria`` JSON *and* the ``c_*`` columns from
  ``searches.criteria.criteria_columns`` (called for every row): by city 48 %, ZIP 30 %, map box
  13 %, drawn polygon 7.7 %, anywhere 1 % (narrow: type, price band, beds), an address 0.3 %;
  a price band of about ±15 % (90 % have a maximum, 65 % a minimum), beds 70 %, baths 40 %,
  type 50 %, a few side filters; keywords 2 %; ~60 % automatic (5 % paused, 10 % screened, 2 %
  with the client's alerts off, 3 % without a contact); reverse prospecting on for ~30 % of
  contacts;
- one batch of 1,000 ListingEvent rows (new, price decrease/increase, back on market, pending,
  sold), the listings updated to match.

For each size it prints the median of ``--runs`` runs of ``match_event_range`` over the batch
(end to end: the statement, the second look, writing the matches and the per-search counters;
the batch's matches are deleted between runs so each run writes them), candidates and matches;
the naive way (each alerting search as its own ``listings_matching(criteria).filter(id__in=batch)``
on a random sample, scaled up to all alerting searches) and the ratio; and reverse prospecting
(``reverse_prospect_search_ids``) for one listing, median over 50 on-market listings.
Tests never depend on these timings.

WHAT THIS BENCHMARK CHANGED IN searches/matching.py, AND WHY (1-4 committed with this
file in 3c697a8; the measurements below were taken before changing anything).
First run, 100,000 searches (an earlier, broader mix), 200,000 listings, 1,000 events, the
statement of commit 7c504a3 under EXPLAIN (ANALYZE, BUFFERS): planning 4,099 ms, JIT 2,876 ms
(emission 2,438 ms), execution 75,913 ms. Reverse prospecting took 2.7-4.6 s per listing already
at 10,000-20,000 searches, of which execution was 34-60 ms: the rest was planning.

1. The box branch never used its index. GiST ``box_ops`` has ``@>(box,box)`` but no
   ``@>(box,point)`` (pg_amop), so ``search_area_box`` cannot answer ``box @> point``; the
   planner commuted it to ``point <@ box`` on the *listings'* GiST instead and walked it once per
   box search: Nested Loop over 9,194 box searches x ``listing_point_gist`` = 2,014,077 listing
   rows, 68.7 s of the 75.9 s. Fix: ``box(...) @> box(pt, pt)`` (a point as an empty box), which
   is a box_ops operator: Bitmap Index Scan on search_area_box per event, 0.78 s for the branch.
2. Planning: every criterion was ``(s.c_x IS NULL OR l.y >= s.c_x)``. PostgreSQL examines each OR
   of a join clause for every join path and index; one branch planned in 14 ms with no criteria,
   590 ms with the 15 criteria, 1,300 ms with the status OR (x4 branches). Fix: no OR —
   ``COALESCE(l.y >= s.c_x, s.c_x IS NULL)`` (same three-valued result: no bound → true, NULL
   listing value → false), ``s.c_type IN ('', l.type)``, CASE for the status, "reduced" and the
   box ranges. Planning of the whole statement: 4,099 → 6.6 ms; of one branch 590 → 42 ms.
3. The batch (events joined to their listings, with the event's change-type bit) is one
   ``WITH l AS MATERIALIZED (...)`` read once instead of once per branch; the listings' GiST is
   then out of reach of the box join, so the plan cannot flip back to the listing side.
4. ``SET LOCAL jit = off`` around the two statements: they are costed high (a join against
   every search) and JIT compiling took longer (2.9 s) than running them.
Result on the same data: the same 635,710 candidates (set-equal), 97 s → 16.5 s wall (16.5 s
is mostly the 635,710 rows of that too-broad mix reaching Python); reverse prospecting the same
ids, 3.2-5.4 s → 0.09-0.96 s. No index was changed. Figures of the final mix: docs/benchmarks.md.
5. (Added after 1-4, described here after the change, which the lead's commit a533b4f carried.)
   A search by street address or MLS number gets area "any" and c_needs_check, so every batch
   listing in its price range was a candidate sent to the second look (one listings_matching
   query per search): at 100,000 searches 29,694 of 194,592 candidates came from the 0.3 % of
   searches that are addresses. The "any" branch now also requires (PostgreSQL) the listing's
   upper-cased address to contain the typed text (LIKE wildcards removed) or its MLS number to
   equal it — the test location_q applies — with non-ASCII text left to the second look. At
   1,000,000 searches: 1,879,247 → 1,650,128 candidates, 335,066 → 105,947 sent to the second
   look. tests/searches/test_matching_address_prefilter.py checks it drops nothing.
"""

from __future__ import annotations

import argparse
import datetime
import io
import itertools
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get(
    "BENCH_MATCHING_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/portal_bench_matching",
)
if BENCH_URL.rsplit("/", 1)[1] in ("portal_bench", "portal_bench_reports"):
    raise SystemExit("that database belongs to another benchmark; use another name")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_project.settings.test")
os.environ.setdefault("CACHE_REDIS_URL", "redis://127.0.0.1:6379/9")

PREFIXES = ["Ash", "Brook", "Cedar", "Clear", "Elm", "Fair", "Glen", "Green", "Hill", "Lake",
            "Maple", "Mill", "North", "Oak", "Pine", "River", "Rock", "South", "Spring", "West"]  # fmt: skip
SUFFIXES = ["field", "ford", "ton", "ville", "wood"]
STREETS = ["Maple", "Oak", "Elm", "Cedar", "Pine", "Walnut", "Chestnut", "Highland", "River",
           "Hillside", "Academy", "Church", "Main", "Orchard", "Meadow", "Lake", "Park", "Spring"]  # fmt: skip
STREET_SUFFIXES = ["St", "Ave", "Rd", "Ln", "Dr", "Ct", "Way"]
WORDS = ["sunny", "updated", "kitchen", "granite", "spacious", "yard", "deck", "patio", "quiet",
         "street", "close", "schools", "shopping", "commute", "private", "renovated", "roof",
         "windows", "heating", "primary", "suite", "open", "floor", "plan", "light", "home",
         "colonial", "cape", "ranch", "condo", "move-in", "ready", "acre"]  # fmt: skip
FEATURES = [("inground pool", 0.07), ("barn", 0.03), ("victorian porch", 0.02),
            ("water views", 0.04), ("fireplace", 0.30), ("finished basement", 0.25),
            ("hardwood floors", 0.45)]  # fmt: skip
STATUSES = [("Active", 70), ("Coming Soon", 8), ("Active Under Contract", 8), ("Pending", 5),
            ("Closed", 6), ("Withdrawn", 1), ("Expired", 1), ("Canceled", 1)]  # fmt: skip
TYPES = [("Residential", 85), ("Residential Income", 7), ("Land", 5), ("Commercial Sale", 3)]
EVENT_KINDS = [("new", 40), ("price_decrease", 25), ("price_increase", 5),
               ("back_on_market", 10), ("pending", 12), ("sold", 8)]  # fmt: skip
LISTING_COLUMNS = [
    "listing_key", "listing_id", "standard_status", "list_price", "original_list_price",
    "street_number", "street_name", "street_suffix", "unit_number", "city", "state_or_province",
    "postal_code", "latitude", "longitude", "property_type", "property_sub_type",
    "bedrooms_total", "bathrooms_total_integer", "living_area", "lot_size_area", "year_built",
    "garage_spaces", "days_on_market", "public_remarks", "listing_contract_date",
    "modification_timestamp", "list_agent_full_name", "list_office_name", "virtual_tour_url",
    "association_fee_frequency", "elementary_school", "middle_or_junior_school", "high_school",
    "created_at",
]  # fmt: skip
AGENTS = 1000
CHUNK = 50_000


# --- geography ----------------------------------------------------------------------------------


def geography(count: int = 100):
    """``count`` cities (Zipf-ish weights, a price level each) with 10 ZIP codes each, spread over
    a state-sized area; every ZIP has its own centre a few km from its city's (``--cities``; 100
    is the default mix)."""
    rng = random.Random(1)
    cities = []
    for i in range(count):
        name = PREFIXES[i // 5 % 20] + SUFFIXES[i % 5] + (f" {i // 100 + 1}" if i >= 100 else "")
        lat, lng = rng.uniform(40.6, 43.4), rng.uniform(-75.0, -71.2)
        zips = [
            (f"{6000 + i * 10 + z:05d}", lat + rng.gauss(0, 0.025), lng + rng.gauss(0, 0.035))
            for z in range(10)
        ]
        cities.append(
            {
                "name": name,
                "lat": lat,
                "lng": lng,
                "zips": zips,
                "weight": 1 / (1 + rng.randrange(count)) ** 0.8,
                "price": rng.choice([180, 240, 300, 360, 450, 600, 900]) * 1000,
            }
        )
    return cities


def weighted(rng: random.Random, options):
    return rng.choices([o[0] for o in options], weights=[o[-1] for o in options])[0]


# --- COPY ---------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def copy_rows(table: str, columns: list[str], rows) -> int:
    """COPY (text format) in chunks; returns the number of rows."""
    from django.db import connection

    total = 0
    rows = iter(rows)
    with connection.cursor() as cursor:
        while True:
            buffer = io.StringIO()
            count = 0
            for row in rows:
                buffer.write("\t".join(_text(v) for v in row))
                buffer.write("\n")
                count += 1
                if count == CHUNK:
                    break
            if not count:
                return total
            buffer.seek(0)
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer
            )
            total += count
            print(f"  {table}: {total:>9,} rows", end="\r", flush=True)


def model_columns(model, values: dict) -> tuple[list[str], list]:
    """Every concrete column of ``model`` but the id, and the default value of those not in
    ``values`` (so the COPY follows the model if fields are added)."""
    from django.utils import timezone

    now = timezone.now()
    columns, defaults = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in values or field.name in values:
            defaults.append(None)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults.append(now)
        else:
            defaults.append(field.get_default())  # None for a nullable field without default
    return columns, defaults


def model_rows(model, dicts):
    """(columns, rows) for COPY from an iterable of {column: value} dicts."""
    dicts = iter(dicts)
    first = next(dicts)
    columns, defaults = model_columns(model, first)

    def rows():
        for row in itertools.chain([first], dicts):
            yield [row[c] if c in row else defaults[i] for i, c in enumerate(columns)]

    return columns, rows()


# --- listings -----------------------------------------------------------------------------------


def remarks(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 25))
    words += [phrase for phrase, rate in FEATURES if rng.random() < rate]
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


def listing_rows(count: int, cities, rng: random.Random, today: datetime.date):
    now = datetime.datetime.now(datetime.UTC).isoformat()
    weights = [c["weight"] for c in cities]
    for n in range(count):
        city = rng.choices(cities, weights=weights)[0]
        zip_code, lat, lng = rng.choice(city["zips"])
        kind = weighted(rng, TYPES)
        price = round(city["price"] * math.exp(rng.gauss(0, 0.45)) / 1000) * 1000
        beds = None if kind == "Land" else rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
        dom = int(rng.expovariate(1 / 45))
        reduced = rng.random() < 0.2
        yield [
            f"MBENCH-{n:08d}",
            f"MB{n:08d}",
            weighted(rng, STATUSES),
            price,
            round(price * 1.06) if reduced else price,
            str(rng.randint(1, 2999)),
            rng.choice(STREETS),
            rng.choice(STREET_SUFFIXES),
            "",
            city["name"],
            "CT",
            zip_code,
            f"{lat + rng.gauss(0, 0.012):.6f}",
            f"{lng + rng.gauss(0, 0.016):.6f}",
            kind,
            "",
            beds,
            None if beds is None else max(1, beds - rng.randint(0, 2)),
            None if beds is None else 500 + beds * 350 + rng.randint(0, 900),
            f"{rng.uniform(0.05, 3):.4f}",
            rng.randint(1880, 2025),
            rng.choice([0, 1, 2, 2, 3]),
            dom,
            remarks(rng),
            (today - datetime.timedelta(days=dom)).isoformat(),
            now,
            "Bench Agent",
            "Bench Realty",
            "",
            "",
            "",
            "",
            "",
            now,
        ]


def load_listings(rows: int, cities) -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE listings_listing RESTART IDENTITY CASCADE")
    copy_rows(
        "listings_listing",
        LISTING_COLUMNS,
        listing_rows(rows, cities, random.Random(42), datetime.date.today()),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO listings_listingmedia (listing_id, media_key, "order", image, thumbnail,'
            " url, caption) SELECT id, '', 0, '', '', 'https://photos.example/' || id || '.jpg',"
            " '' FROM listings_listing"
        )
        cursor.execute("VACUUM ANALYZE listings_listing")
    print(f"loaded {rows:,} listings in {time.perf_counter() - started:.0f} s" + " " * 20)


def make_events(count: int) -> tuple[int, int]:
    """``count`` ListingEvent rows on distinct listings, the listings updated to agree (a new
    listing is Active with today's date, a price change moves the price, …). Returns the
    (first, last] id range for match_event_range."""
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(99)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, list_price, standard_status FROM listings_listing")
        listings = cursor.fetchall()
    chosen = rng.sample(listings, count)
    events, updates = [], []
    for pk, price, status in chosen:
        kind = weighted(rng, EVENT_KINDS)
        price = int(price)
        new_price, new_status = price, "Active"
        if kind == "price_decrease":
            new_price = round(price * rng.uniform(0.93, 0.99), -3)
        elif kind == "price_increase":
            new_price = round(price * rng.uniform(1.01, 1.05), -3)
        elif kind == "pending":
            new_status = "Pending"
        elif kind == "sold":
            new_status = "Closed"
        old_status = "Withdrawn" if kind == "back_on_market" else status
        old_price = price if kind.startswith("price") else None
        events.append(
            {
                "listing_id": pk,
                "kind": kind,
                "old_price": old_price,
                "new_price": new_price if kind.startswith("price") else None,
                "old_status": "" if kind == "new" else old_status,
                "new_status": new_status,
                "occurred_at": now,
                "recorded_at": now,
            }
        )
        updates.append((pk, new_price, new_status, kind == "new"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM listings_listingevent")
        first = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE bench_update (id bigint, price numeric, status text, new bool)"
        )
        copy_rows("bench_update", ["id", "price", "status", "new"], updates)
        cursor.execute(
            "UPDATE listings_listing l SET list_price = u.price, standard_status = u.status,"
            " original_list_price = CASE WHEN u.new THEN u.price ELSE l.original_list_price END,"
            " days_on_market = CASE WHEN u.new THEN 0 ELSE l.days_on_market END,"
            " listing_contract_date = CASE WHEN u.new THEN CURRENT_DATE"
            " ELSE l.listing_contract_date END FROM bench_update u WHERE l.id = u.id"
        )
        cursor.execute("DROP TABLE bench_update")
    from listings.models import ListingEvent

    columns, rows = model_rows(ListingEvent, events)
    copy_rows("listings_listingevent", columns, rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM listings_listingevent")
        last = cursor.fetchone()[0]
        cursor.execute("ANALYZE listings_listing")
        cursor.execute("ANALYZE listings_listingevent")
    print(f"batch: {count:,} events, ids ({first}, {last}]" + " " * 20)
    return first, last


# --- people and searches ------------------------------------------------------------------------


def load_agents() -> list[int]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from clients.models import Agent, User

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE clients_user RESTART IDENTITY CASCADE")
    password = make_password(None)
    columns, rows = model_rows(
        User,
        (
            {
                "email": f"agent{i}@bench.example",
                "password": password,
                "role": "agent",
                "first_name": "Agent",
                "last_name": f"No{i}",
            }  # fmt: skip
            for i in range(AGENTS)
        ),
    )
    copy_rows("clients_user", columns, rows)
    users = list(User.objects.order_by("id").values_list("id", flat=True))
    columns, rows = model_rows(
        Agent,
        (
            {
                "user_id": pk,
                "display_name": f"Agent {i}",
                "public_email": f"a{i}@bench.example",
                "phone_office": "555-0100",
            }  # fmt: skip
            for i, pk in enumerate(users)
        ),
    )
    copy_rows("clients_agent", columns, rows)
    return list(Agent.objects.order_by("id").values_list("id", flat=True))


def load_contacts(count: int, agents: list[int], rng: random.Random) -> None:
    from clients.models import Contact

    columns, rows = model_rows(
        Contact,
        (
            {
                "agent_id": rng.choice(agents),
                "first_name": "Client",
                "last_name": f"C{n}",
                "reverse_prospecting": rng.random() < 0.3,
                "status": "active",
            }  # fmt: skip
            for n in range(count)
        ),
    )
    copy_rows("clients_contact", columns, rows)


# --mix regional: "anywhere" searches are investors' (see random_criteria).
ANYWHERE_INVESTOR_TYPES = False

# Half-width of the searches' price bands (--band): 0.15 is the default mix; a narrower band
# gives fewer matches per search and batch, the other axis of the matcher's cost.
PRICE_BAND = 0.15


def _price_range(rng: random.Random, level: int, *, both: bool = False) -> dict:
    """A price band about ±15 % (PRICE_BAND) around what this buyer can pay ("$300k–$400k"):
    most searches have a maximum, two in three a minimum too."""
    target = level * math.exp(rng.gauss(0, 0.45))
    criteria = {}
    if both or rng.random() < 0.65:
        criteria["min_price"] = int(round(target * (1 - PRICE_BAND) / 10_000) * 10_000)
    if both or rng.random() < 0.9:
        criteria["max_price"] = int(round(target * (1 + PRICE_BAND) / 10_000) * 10_000) + 10_000
    return criteria


def random_criteria(rng: random.Random, cities, weights) -> dict:
    """One saved search's criteria, as the Search Listings form's cleaned data stores them."""
    city = rng.choices(cities, weights=weights)[0]
    zip_code, zlat, zlng = rng.choice(city["zips"])
    criteria: dict = {}
    area = rng.random()
    if area < 0.48:
        criteria["q"] = city["name"] if rng.random() < 0.8 else f"{city['name']}, CT"
    elif area < 0.78:
        criteria["q"] = zip_code
    elif area < 0.91:
        half_lat, half_lng = rng.uniform(0.01, 0.05), rng.uniform(0.015, 0.07)
        lat, lng = zlat + rng.gauss(0, 0.01), zlng + rng.gauss(0, 0.015)
        criteria["bbox"] = [round(lat - half_lat, 6), round(lng - half_lng, 6),
                            round(lat + half_lat, 6), round(lng + half_lng, 6)]  # fmt: skip
    elif area < 0.987:
        corners = rng.randint(3, 8)
        radius = rng.uniform(0.01, 0.04)
        criteria["poly"] = [
            [
                round(zlat + radius * rng.uniform(0.6, 1.2) * math.sin(2 * math.pi * k / corners), 6),
                round(zlng + 1.4 * radius * rng.uniform(0.6, 1.2) * math.cos(2 * math.pi * k / corners), 6),
            ]
            for k in range(corners)
        ]  # fmt: skip
    elif area < 0.997:
        # Anywhere in the MLS: an investor's or a relocating buyer's narrow search. In the dense
        # mix its type is drawn like any other's (85 % plain Residential: such a search takes a
        # quarter of the whole market's changes, ~35 matches a batch); in the regional mix it is
        # an investor's type (income property, land, commercial).
        criteria.update(_price_range(rng, city["price"], both=True))
        criteria["type"] = weighted(rng, TYPES[1:] if ANYWHERE_INVESTOR_TYPES else TYPES)
        if criteria["type"] != "Land":
            criteria["beds"] = rng.choice([2, 3, 4])
    else:
        criteria["q"] = (
            f"{rng.randint(1, 2999)} {rng.choice(STREETS)} {rng.choice(STREET_SUFFIXES)}"
        )
    if "min_price" not in criteria:
        criteria.update(_price_range(rng, city["price"]))
    if "beds" not in criteria and rng.random() < 0.7:
        criteria["beds"] = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
    if rng.random() < 0.4:
        criteria["baths"] = rng.choice([1, 2, 2, 3])
    if "type" not in criteria and rng.random() < 0.5:
        criteria["type"] = weighted(rng, TYPES[:3])
    if rng.random() < 0.01:
        criteria["status"] = rng.choice(["Active", "Coming Soon"])
    if rng.random() < 0.10:
        criteria["min_sqft"] = rng.choice([1000, 1500, 2000, 2500])
    if rng.random() < 0.04:
        criteria["min_lot"] = rng.choice([0.25, 0.5, 1.0])
    if rng.random() < 0.05:
        criteria["min_year"] = rng.choice([1950, 1980, 2000])
    if rng.random() < 0.05:
        criteria["garage"] = rng.choice([1, 2])
    if rng.random() < 0.03:
        criteria["max_dom"] = rng.choice([7, 30, 90])
    if rng.random() < 0.02:
        criteria["reduced"] = True
    if rng.random() < 0.02:
        criteria["keywords"] = rng.choice(
            ["pool", "barn", "victorian porch", "water views", "fireplace"]
        )
    if rng.random() < 0.01:
        criteria["new_days"] = rng.choice([1, 3, 7])
    if rng.random() < 0.005:
        criteria["open_house"] = True
    return criteria  # fmt: skip


def load_searches(count: int, cities, rng: random.Random) -> None:
    """``count`` more saved searches, two per new contact on average (contacts loaded here)."""
    from django.db import connection
    from django.utils import timezone

    from searches.criteria import criteria_columns
    from searches.models import SavedSearch

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM clients_contact")
        contacts_before = cursor.fetchone()[0]
    agents = list(
        __import__("clients.models", fromlist=["Agent"]).Agent.objects.values_list("id", flat=True)
    )
    load_contacts(count // 2, agents, rng)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, agent_id FROM clients_contact WHERE id > %s ORDER BY id",
            [contacts_before],
        )
        contacts = cursor.fetchall()
    weights = [c["weight"] for c in cities]
    now = timezone.now()

    def searches():
        for n in range(count):
            contact_id, agent_id = rng.choice(contacts)
            if rng.random() < 0.03:  # the agent's own search, no client
                contact_id = None
            criteria = random_criteria(rng, cities, weights)
            automatic = rng.random() < 0.6
            paused = rng.random() < 0.05
            row = {
                "name": f"Search {n}",
                "criteria": criteria,
                "kind": "automatic" if automatic else "saved",
                "agent_id": agent_id,
                "contact_id": contact_id,
                "is_paused": paused,
                "paused_by": "client" if paused else "",
                "frequency": weighted(
                    rng, [("asap", 25), ("daily", 55), ("weekly", 15), ("monthly", 5)]
                ),
                "change_types": 63 if rng.random() < 0.2 else 11,
                "requires_screening": rng.random() < 0.1,
                "client_alerts_off": rng.random() < 0.02,
                "created_at": now,
                "updated_at": now,
            }
            row.update(criteria_columns(criteria))  # exactly what SavedSearch.save() writes
            yield row

    started = time.perf_counter()
    columns, rows = model_rows(SavedSearch, searches())
    copy_rows("searches_savedsearch", columns, rows)
    with connection.cursor() as cursor:
        # The contact's reverse-prospecting flag, as SavedSearch.save() and searches.signals copy it.
        cursor.execute(
            "UPDATE searches_savedsearch s SET c_prospecting = TRUE FROM clients_contact c"
            " WHERE c.id = s.contact_id AND c.reverse_prospecting AND NOT s.c_prospecting"
        )
        cursor.execute("VACUUM ANALYZE searches_savedsearch")
        cursor.execute("VACUUM ANALYZE clients_contact")
    print(f"loaded {count:,} saved searches in {time.perf_counter() - started:.0f} s" + " " * 20)


def clear_searches() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE searches_savedsearch, clients_contact RESTART IDENTITY CASCADE")


# --- measuring ----------------------------------------------------------------------------------


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def delete_batch_matches(first: int, last: int) -> None:
    """Removes the batch's matches, then vacuums what the run rewrote (autovacuum's job in
    production), so every run starts from the same tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM searches_searchmatch WHERE event_id > %s AND event_id <= %s",
            [first, last],
        )
        # The ledger says which events were matched; without its rows the batch is new again.
        cursor.execute(
            "DELETE FROM searches_matchedevent WHERE event_id > %s AND event_id <= %s",
            [first, last],
        )
        cursor.execute("VACUUM ANALYZE searches_searchmatch")
        cursor.execute("VACUUM searches_savedsearch")
        cursor.execute("VACUUM searches_searchtally")
        cursor.execute("VACUUM searches_matchedevent")


def time_statement(first: int, last: int) -> float:
    """The candidates statement alone, counted in the database (no rows sent to Python)."""
    from django.db import connection, transaction

    from searches.matching import _events_statement

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        t0 = time.perf_counter()
        cursor.execute(f"SELECT count(*) FROM ({_events_statement()}) c", [first, last])
        cursor.fetchone()
        return time.perf_counter() - t0


def time_plain(first: int, last: int) -> tuple[float, int]:
    """The issue's reference, "plain SQL": the batch joined to the alerting searches on the area
    key and the price range only, pairs counted in the database (median of 3). It says how dense
    a mix is: issue 7 quotes ~0.1 s at 100,000 searches and ~0.6 s at 1,000,000 on this machine."""
    from django.db import connection, transaction

    from searches.matching import ALERTING_SQL

    # Its own area conditions, not the engine's: the reference must not move with the engine.
    point = "box(point(l.longitude::float8, l.latitude::float8),"
    point += " point(l.longitude::float8, l.latitude::float8))"
    areas = [
        "s.c_area_kind = 'city' AND s.c_city = UPPER(l.city)",
        "s.c_area_kind = 'zip' AND s.c_postal = SUBSTR(l.postal_code, 1, 5)",
        f"s.c_area_kind = 'box' AND box(point(s.c_west, s.c_south), point(s.c_east, s.c_north))"
        f" @> {point}",
        "s.c_area_kind = 'any'",
    ]
    branches = " UNION ALL ".join(
        f"SELECT 1 FROM l JOIN searches_savedsearch s ON {area} WHERE {ALERTING_SQL}"
        " AND COALESCE(l.list_price <= s.c_max_price, s.c_max_price IS NULL)"
        " AND COALESCE(l.list_price >= s.c_min_price, s.c_min_price IS NULL)"
        for area in areas
    )
    statement = (
        "WITH l AS MATERIALIZED (SELECT l.* FROM listings_listingevent e JOIN listings_listing l"
        " ON l.id = e.listing_id WHERE e.id > %s AND e.id <= %s)"
        f" SELECT count(*) FROM ({branches}) pairs"
    )
    times = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        for _ in range(3):
            t0 = time.perf_counter()
            cursor.execute(statement, [first, last])
            pairs = cursor.fetchone()[0]
            times.append(time.perf_counter() - t0)
    return statistics.median(times), pairs


def time_stages(first: int, last: int) -> dict:
    """One run of match_event_range, with the seconds each of its steps took."""
    from searches.matching import match_event_range

    delete_batch_matches(first, last)
    stages: dict = {}
    match_event_range(first, last, timings=stages)
    return stages


def time_setwise(first: int, last: int, runs: int) -> dict:
    from searches.matching import match_event_range

    totals, statements = [], []
    result = None
    for _ in range(runs):
        statements.append(time_statement(first, last))
        delete_batch_matches(first, last)
        t0 = time.perf_counter()
        result = match_event_range(first, last)
        totals.append(time.perf_counter() - t0)
    again = match_event_range(first, last)  # idempotent: the same batch again writes nothing
    return {
        "total": statistics.median(totals),
        "total_range": (min(totals), max(totals)),
        "statement": statistics.median(statements),
        "candidates": result.candidates,
        "matches": result.matches_created,
        "searches": result.searches_matched,
        "rerun_matches": again.matches_created,
    }


def alerting_sample(size: int, seed: float = 0.42) -> tuple[int, list[tuple[int, dict]]]:
    from django.db import connection

    from searches.matching import ALERTING_SQL

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM searches_savedsearch s WHERE {ALERTING_SQL}")
        alerting = cursor.fetchone()[0]
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            f"SELECT s.id, s.criteria FROM searches_savedsearch s WHERE {ALERTING_SQL}"
            " ORDER BY random() LIMIT %s",
            [size],
        )
        rows = [(pk, c if isinstance(c, dict) else json.loads(c)) for pk, c in cursor.fetchall()]
    return alerting, rows


def time_naive(first: int, last: int, sample: int) -> dict:
    from listings import search as listing_search
    from listings.models import ListingEvent

    batch_ids = list(
        ListingEvent.objects.filter(id__gt=first, id__lte=last).values_list("listing_id", flat=True)
    )
    alerting, rows = alerting_sample(sample)
    matched = 0
    t0 = time.perf_counter()
    for _, criteria in rows:
        matched += len(
            list(
                listing_search.listings_matching(criteria)
                .filter(id__in=batch_ids)
                .values_list("id", flat=True)
            )
        )
    elapsed = time.perf_counter() - t0
    per_search = elapsed / len(rows)
    return {
        "alerting": alerting,
        "sample": len(rows),
        "per_search_ms": per_search * 1000,
        "scaled": per_search * alerting,
        "sample_matches": matched,
    }


def time_reverse(count: int) -> dict:
    from listings.models import Listing
    from listings.search import ON_MARKET_STATUSES
    from searches.matching import reverse_prospect_search_ids

    rng = random.Random(5)
    ids = list(
        Listing.objects.filter(standard_status__in=ON_MARKET_STATUSES)
        .order_by("id")
        .values_list("id", flat=True)
    )
    listings = list(Listing.objects.filter(id__in=rng.sample(ids, count)))
    for listing in listings[:3]:  # warm-up
        reverse_prospect_search_ids(listing)
    times, found = [], []
    for listing in listings:
        t0 = time.perf_counter()
        found.append(len(reverse_prospect_search_ids(listing)))
        times.append(time.perf_counter() - t0)
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] * 1000,
        "max_ms": ordered[-1] * 1000,
        "median_found": statistics.median(found),
    }


def area_mix() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c_area_kind, count(*), sum(c_needs_check::int) FROM searches_savedsearch"
            " GROUP BY 1 ORDER BY 2 DESC"
        )
        rows = cursor.fetchall()
    return ", ".join(f"{kind} {n:,} ({checked:,} checked)" for kind, n, checked in rows)


def measure(size: int, first: int, last: int, args) -> dict:
    print(
        f"\n=== {size:,} saved searches ({args.mix} mix, {args.cities:,} cities, price bands "
        f"±{PRICE_BAND:.0%}) — load average {load_average()}"
    )
    print(f"  area keys: {area_mix()}")
    runs = args.runs if size < 500_000 else args.runs_large
    plain, pairs = time_plain(first, last)
    print(
        f"  plain SQL reference (area key + price range, pairs counted): {plain:.3f} s, "
        f"{pairs:,} pairs"
    )
    setwise = time_setwise(first, last, runs)
    print(
        f"  set-wise match_event_range: median {setwise['total']:.3f} s "
        f"(min {setwise['total_range'][0]:.3f}, max {setwise['total_range'][1]:.3f}, "
        f"{runs} runs); statement alone (counted in SQL) {setwise['statement']:.3f} s; "
        f"{setwise['candidates']:,} candidates → {setwise['matches']:,} matches "
        f"for {setwise['searches']:,} searches; re-run wrote {setwise['rerun_matches']}"
    )
    alerting = alerting_sample(0)[0]
    print(
        f"  {setwise['matches'] / alerting:.2f} matches per alerting search "
        f"({alerting:,} alerting) per batch of {args.batch:,} events"
    )
    for stage, seconds in time_stages(first, last).items():
        print(f"    stage: {stage:<45} {seconds:7.3f} s")
    naive = time_naive(first, last, args.naive_sample)
    ratio = naive["scaled"] / setwise["total"]
    print(
        f"  naive: {naive['per_search_ms']:.2f} ms per search × {naive['alerting']:,} alerting "
        f"searches = {naive['scaled']:.0f} s (sample of {naive['sample']}, "
        f"{naive['sample_matches']} matches in the sample) → set-wise is {ratio:,.0f}× faster"
    )
    reverse = time_reverse(args.reverse_listings)
    print(
        f"  reverse prospecting, one listing: median {reverse['median_ms']:.1f} ms, "
        f"p95 {reverse['p95_ms']:.1f} ms, max {reverse['max_ms']:.1f} ms "
        f"({args.reverse_listings} listings, median {reverse['median_found']:.0f} searches found)"
    )
    print(f"  load average after: {load_average()}")
    return {"size": size, "plain": plain, **setwise, **{f"naive_{k}": v for k, v in naive.items()},
            "ratio": ratio, **{f"rp_{k}": v for k, v in reverse.items()}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=200_000)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated, ascending")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runs-large", type=int, default=3, help="runs at 500,000+ searches")
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--reverse-listings", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep listings, agents and events")
    parser.add_argument(
        "--band", type=float, default=0.15, help="half-width of the searches' price bands"
    )
    parser.add_argument(
        "--mix",
        choices=["dense", "regional"],
        default="dense",
        help="dense: 100 cities, 'anywhere' searches of any type (runs A-G); regional: 1,000"
        " cities, 'anywhere' searches of investors' types (docs/benchmarks.md, run H)",
    )
    parser.add_argument(
        "--cities",
        type=int,
        help="cities (10 ZIP codes each); default 100 (dense), 1,000 (regional)",
    )
    args = parser.parse_args()
    global PRICE_BAND, ANYWHERE_INVESTOR_TYPES, BENCH_URL
    if args.mix == "regional" and "BENCH_MATCHING_DATABASE_URL" not in os.environ:
        BENCH_URL = os.environ["DATABASE_URL"] = BENCH_URL + "_regional"
    PRICE_BAND = args.band
    ANYWHERE_INVESTOR_TYPES = args.mix == "regional"
    if args.cities is None:
        args.cities = 1000 if args.mix == "regional" else 100
    sizes = sorted(int(s) for s in args.sizes.split(","))

    import django

    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from listings.models import Listing, ListingEvent

    cities = geography(args.cities)
    reuse = args.reuse and Listing.objects.count() == args.listings
    if reuse and ListingEvent.objects.count() >= args.batch:
        last = ListingEvent.objects.order_by("-id").values_list("id", flat=True)[0]
        first = last - args.batch
        print(f"reusing {args.listings:,} listings and the batch ({first}, {last}]")
    else:
        load_listings(args.listings, cities)
        load_agents()
        first, last = make_events(args.batch)
    clear_searches()
    rng = random.Random(2026)
    results, loaded = [], 0
    for size in sizes:
        load_searches(size - loaded, cities, rng)
        loaded = size
        results.append(measure(size, first, last, args))

    print(
        "\n| saved searches | plain SQL | set-wise batch (median) | statement alone "
        "| candidates → matches | naive (scaled) | ratio | reverse prospecting median / p95 |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['size']:,} | {r['plain']:.3f} s | {r['total']:.3f} s | {r['statement']:.3f} s | "
              f"{r['candidates']:,} → {r['matches']:,} | {r['naive_scaled']:.0f} s "
              f"({r['naive_per_search_ms']:.2f} ms × {r['naive_alerting']:,}) | "
              f"{r['ratio']:,.0f}× | {r['rp_median_ms']:.1f} / {r['rp_p95_ms']:.1f} ms |")  # fmt: skip


def ensure_database() -> None:
    import psycopg2

    name = BENCH_URL.rsplit("/", 1)[1]
    admin = psycopg2.connect(BENCH_URL.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    admin.close()


if __name__ == "__main__":
    main()
