"""Market statistics reports at scale: a 24-month city report over 1,000,000 listings.

    .venv/bin/python benchmarks/market_report.py                  # 1,000,000 listings (default)
    .venv/bin/python benchmarks/market_report.py --rows 200000    # smaller
    .venv/bin/python benchmarks/market_report.py --reuse          # keep the data of the last run

It creates (and reuses) its own database, ``portal_bench_reports`` on the server of
``BENCH_REPORTS_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/portal_bench_reports``;
never ``portal_bench``, which benchmarks/search.py rebuilds), migrates it and loads with COPY
listings whose life runs over the last 30 months: listed, then (for most) pending, then closed with
a close price and date, or withdrawn/expired; a ``pending`` ListingEvent for each that went under
contract. Then it times ``listings.market.market_stats`` (the report's aggregate queries, no
per-listing Python) for a 24-month report of several cities and a ZIP code, printing the median
and worst of the runs and the number of queries. Tests never depend on these timings.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
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
    "BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_reports"
)
if BENCH_URL.rsplit("/", 1)[1] == "portal_bench":
    raise SystemExit("portal_bench belongs to benchmarks/search.py; use another database name")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_project.settings.test")
os.environ.setdefault("CACHE_REDIS_URL", "redis://127.0.0.1:6379/5")

CITIES = [  # name, zip, lat, lng, base price, weight
    ("Hartford", "06105", 41.7637, -72.6851, 260_000, 6),
    ("New Haven", "06510", 41.3083, -72.9279, 330_000, 6),
    ("Stamford", "06901", 41.0534, -73.5387, 650_000, 5),
    ("Bridgeport", "06604", 41.1792, -73.1894, 300_000, 5),
    ("Waterbury", "06702", 41.5582, -73.0515, 220_000, 4),
    ("Norwalk", "06850", 41.1177, -73.4082, 560_000, 4),
    ("Danbury", "06810", 41.3948, -73.4540, 420_000, 3),
    ("New Britain", "06051", 41.6612, -72.7795, 240_000, 3),
    ("West Hartford", "06107", 41.7621, -72.7420, 430_000, 3),
    ("Greenwich", "06830", 41.0262, -73.6282, 1_600_000, 3),
    ("Guilford", "06437", 41.2890, -72.6818, 560_000, 2),
    ("Madison", "06443", 41.2795, -72.5984, 620_000, 2),
    ("Middletown", "06457", 41.5623, -72.6506, 320_000, 2),
    ("Meriden", "06450", 41.5382, -72.8070, 260_000, 2),
    ("Milford", "06460", 41.2223, -73.0565, 430_000, 2),
    ("Glastonbury", "06033", 41.7123, -72.6081, 460_000, 2),
    ("Fairfield", "06824", 41.1408, -73.2613, 780_000, 2),
]
# Spread the remaining weight over small towns so no city is unrealistically large.
TOWNS = [(f"Town {n:02d}", f"06{n:03d}", 41.5, -72.8, 350_000, 1) for n in range(100, 130)]
TYPES = [("Residential", 85), ("Residential Income", 7), ("Land", 5), ("Commercial Sale", 3)]
STREETS = ["Maple", "Oak", "Elm", "Main", "Church", "Park", "Highland", "Prospect", "Ridge"]
HISTORY_DAYS = 30 * 31
CHUNK = 50_000
COLUMNS = [
    "listing_key", "listing_id", "standard_status", "list_price", "original_list_price",
    "close_price", "close_date", "street_number", "street_name", "street_suffix", "unit_number",
    "city", "state_or_province", "postal_code", "latitude", "longitude", "property_type",
    "property_sub_type", "bedrooms_total", "bathrooms_total_integer", "living_area",
    "year_built", "days_on_market", "public_remarks", "listing_contract_date",
    "modification_timestamp", "list_agent_full_name", "list_office_name", "virtual_tour_url",
    "association_fee_frequency", "elementary_school", "middle_or_junior_school", "high_school",
    "created_at",
]  # fmt: skip
TEXT_COLUMNS = [
    "unit_number", "property_sub_type", "public_remarks", "virtual_tour_url",
    "association_fee_frequency", "elementary_school", "middle_or_junior_school", "high_school",
]  # fmt: skip
EVENT_COLUMNS = [
    "listing_id", "kind", "old_status", "new_status", "occurred_at", "recorded_at",
]  # fmt: skip


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


def weighted(rng: random.Random, options):
    return rng.choices(options, weights=[o[-1] for o in options])[0]


def listing_rows(start: int, count: int, rng: random.Random, today: datetime.date, events: list):
    """Listings of the last 30 months with their life so far; appends (row number, pending
    date, status) to ``events`` for those that went under contract."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    places = CITIES + TOWNS
    for n in range(start, start + count):
        name, zip_code, lat, lng, base, _ = weighted(rng, places)
        kind = weighted(rng, TYPES)[0]
        age = rng.randint(0, HISTORY_DAYS)
        listed = today - datetime.timedelta(days=age)
        # Prices drift up about 4% a year, so the trend sentences have something to say.
        drift = 1 + 0.04 * (HISTORY_DAYS - age) / 365
        price = round(base * drift * math.exp(rng.gauss(0, 0.35)) / 1000) * 1000
        beds = None if kind == "Land" else rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
        to_contract = int(rng.expovariate(1 / 40))
        close_price = close_date = ""
        if age < to_contract:
            status = "Active" if rng.random() < 0.92 else "Coming Soon"
            dom = age
        elif rng.random() < 0.15:
            status = rng.choice(["Withdrawn", "Expired", "Canceled"])
            dom = to_contract
        else:
            dom = to_contract
            pending = listed + datetime.timedelta(days=to_contract)
            closes = pending + datetime.timedelta(days=rng.randint(20, 50))
            if closes <= today:
                status = "Closed"
                close_price = round(price * rng.gauss(0.985, 0.03) / 100) * 100
                close_date = closes.isoformat()
            else:
                status = rng.choice(["Pending", "Active Under Contract"])
            events.append((n + 1, pending, status))
        yield [
            f"RPT-{n:08d}", f"RP{n:08d}", status, price, price, close_price, close_date,
            str(rng.randint(1, 2999)), rng.choice(STREETS), "St", "", name, "CT", zip_code,
            f"{lat + rng.gauss(0, 0.03):.6f}", f"{lng + rng.gauss(0, 0.04):.6f}", kind, "",
            "" if beds is None else beds, "" if beds is None else max(1, beds - rng.randint(0, 2)),
            "" if beds is None else 500 + beds * 350 + rng.randint(0, 900),
            rng.randint(1880, 2025), dom, "", listed.isoformat(), now, "Bench Agent",
            "Bench Realty", "", "", "", "", "", now,
        ]  # fmt: skip


def copy(cursor, table: str, columns: list[str], rows, force_not_null=()) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    extra = f", FORCE_NOT_NULL ({', '.join(force_not_null)})" if force_not_null else ""
    cursor.cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{extra})", buffer
    )


def load(rows: int) -> None:
    import importlib

    from django.db import connection

    search_indexes = importlib.import_module("listings.migrations.0003_search_indexes").INDEXES
    rng = random.Random(8)
    today = datetime.date.today()
    recorded = datetime.datetime.now(datetime.UTC).isoformat()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for name in search_indexes:  # loading first and indexing after is several times faster
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("TRUNCATE listings_listing RESTART IDENTITY CASCADE")
        for start in range(0, rows, CHUNK):
            events: list = []
            batch = list(listing_rows(start, min(CHUNK, rows - start), rng, today, events))
            copy(cursor, "listings_listing", COLUMNS, batch, TEXT_COLUMNS)
            copy(
                cursor,
                "listings_listingevent",
                EVENT_COLUMNS,
                (
                    [pk, "pending", "Active", "Pending", f"{day.isoformat()}T12:00:00Z", recorded]
                    for pk, day, _ in events
                ),
                ["old_status", "new_status"],
            )
            print(f"  {min(rows, start + CHUNK):>9,} rows", end="\r", flush=True)
        print(f"loaded {rows:,} listings in {time.perf_counter() - started:.0f} s")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in search_indexes.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
        cursor.execute("VACUUM ANALYZE listings_listing")
        cursor.execute("VACUUM ANALYZE listings_listingevent")
    print(f"data and indexes ready in {time.perf_counter() - started:.0f} s")


def time_reports(runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from listings import market
    from listings.models import Listing

    counts = dict(
        Listing.objects.values_list("city")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        .order_by()
    )
    areas = [
        ("city", "Hartford", ""),
        ("city", "Greenwich", ""),
        ("city", "Town 101", ""),
        ("city", "Hartford", "Residential"),
        ("zip", "06510", ""),
    ]
    print(f"{'area':<28} {'listings':>9} {'queries':>8} {'median':>9} {'worst':>9}")
    for kind, value, prop_type in areas:
        area = market.Area(kind=kind, value=value)
        samples = []
        queries = 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                stats = market.market_stats(area=area, property_type=prop_type, months=24)
                samples.append((time.perf_counter() - started) * 1000)
            queries = len(captured.captured_queries)
        label = f"{kind} {value}" + (f" ({prop_type})" if prop_type else "")
        size = counts.get(value, "") if kind == "city" else ""
        print(
            f"{label:<28} {size!s:>9} {queries:>8} {statistics.median(samples):>7.0f}ms "
            f"{max(samples):>7.0f}ms"
        )
    last = stats.months[-2]
    print(f"[check] {value} {last.month:%Y-%m}: {last.closed} closed, median {last.median_close}")
    for sentence in stats.summary:
        print(f"  · {sentence}")
    # The single statement must agree with the portable path (ORM aggregates, Python medians).
    area = market.Area(kind="city", value="Town 101")
    fast = market.market_stats(area=area, months=24)
    original = market._postgres
    market._postgres = lambda: False
    try:
        portable = market.market_stats(area=area, months=24)
    finally:
        market._postgres = original
    same = all(
        (a.new_listings, a.pending, a.closed, a.inventory)
        == (b.new_listings, b.pending, b.closed, b.inventory)
        and all(
            (x is None and y is None) or abs(x - y) < 0.01
            for x, y in [
                (a.median_list, b.median_list),
                (a.median_close, b.median_close),
                (a.median_ppsf, b.median_ppsf),
                (a.median_dom, b.median_dom),
                (a.sale_to_list, b.sale_to_list),
            ]
        )
        for a, b in zip(fast.months, portable.months, strict=True)
    )
    print(f"[check] one statement == portable path for Town 101, 24 months: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data")
    parser.add_argument("--load-only", action="store_true", help="load, do not time")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from listings.models import Listing

    if not args.reuse or Listing.objects.count() != args.rows:
        load(args.rows)
    else:
        from django.db import connection

        with connection.cursor() as cursor:  # indexes a newer migration added need statistics
            cursor.execute("ANALYZE listings_listing")
    if not args.load_only:
        time_reports(args.runs)


if __name__ == "__main__":
    main()
