"""Search Listings at scale: N listings in PostgreSQL, the typical searches timed as bare queries
and as whole pages, with the search indexes and without them.

    .venv/bin/python benchmarks/search.py                 # 1,000,000 listings (the default)
    .venv/bin/python benchmarks/search.py --rows 200000   # smaller
    .venv/bin/python benchmarks/search.py --reuse         # keep the data of the last run
    .venv/bin/python benchmarks/search.py --reuse --keep-indexes --skip-without  # quick re-run

It creates (and reuses) its own database, ``portal_bench`` on the server of ``BENCH_DATABASE_URL``
(default ``postgres://postgres@127.0.0.1:5432/portal_bench``), migrates it, loads listings and one
cover photo each with COPY, then for each search prints p50/p95 of

- the page query (``search_page``: 50 rows, keyset) and the capped count (``capped_count``),
- the whole page: ``GET /portal/search/?…`` through Django's test client as a logged-in client
  (HTML with 50 cards and the map's marker JSON; includes the Previous Searches write),

each as wall-clock time and as on-CPU time (this process plus its PostgreSQL backend: what the
run costs, whatever else the machine is doing; see ``OnCpu``), with the load average before and
after. Then it drops the indexes of ``listings/migrations/0003_search_indexes.py``,
``0005_search_count_indexes.py``, ``0006_search_page_cover_index.py`` and
``0008_search_keyword_cover_index.py``, measures the bare queries again, and recreates them.
Tests never depend on these timings.
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
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_project.settings.test")
os.environ.setdefault("CACHE_REDIS_URL", "redis://127.0.0.1:6379/3")

CITIES = [  # name, zip, lat, lng, weight
    ("Hartford", "06105", 41.7637, -72.6851, 6),
    ("New Haven", "06510", 41.3083, -72.9279, 6),
    ("Stamford", "06901", 41.0534, -73.5387, 5),
    ("Bridgeport", "06604", 41.1792, -73.1894, 5),
    ("Waterbury", "06702", 41.5582, -73.0515, 4),
    ("Norwalk", "06850", 41.1177, -73.4082, 4),
    ("Danbury", "06810", 41.3948, -73.4540, 3),
    ("New Britain", "06051", 41.6612, -72.7795, 3),
    ("West Hartford", "06107", 41.7621, -72.7420, 3),
    ("Greenwich", "06830", 41.0262, -73.6282, 3),
    ("Guilford", "06437", 41.2890, -72.6818, 2),
    ("Madison", "06443", 41.2795, -72.5984, 2),
    ("Middletown", "06457", 41.5623, -72.6506, 2),
    ("Meriden", "06450", 41.5382, -72.8070, 2),
    ("Milford", "06460", 41.2223, -73.0565, 2),
    ("Glastonbury", "06033", 41.7123, -72.6081, 2),
    ("Fairfield", "06824", 41.1408, -73.2613, 2),
    ("Westport", "06880", 41.1415, -73.3579, 2),
    ("Norwich", "06360", 41.5243, -72.0759, 2),
    ("New London", "06320", 41.3557, -72.0995, 2),
]
STREETS = [
    "Maple",
    "Oak",
    "Elm",
    "Cedar",
    "Pine",
    "Walnut",
    "Chestnut",
    "Highland",
    "River",
    "Hillside",
    "Academy",
    "Church",
    "Main",
    "Orchard",
    "Meadow",
    "Lake",
    "Park",
    "Spring",
]
SUFFIXES = ["St", "Ave", "Rd", "Ln", "Dr", "Ct", "Way"]
WORDS = ["sunny", "updated", "kitchen", "granite", "spacious", "yard",
         "deck", "patio", "quiet",
         "street", "close", "schools", "shopping", "commute", "private",
         "renovated", "roof", "windows", "heating", "central", "air", "primary", "suite",
         "walk-in", "closet", "open", "floor", "plan", "light", "filled", "home", "colonial",
         "cape", "ranch", "condo", "move-in", "ready", "acre"]  # fmt: skip
STATUSES = [("Active", 70), ("Coming Soon", 8), ("Active Under Contract", 8), ("Pending", 5),
            ("Closed", 6), ("Withdrawn", 1), ("Expired", 1), ("Canceled", 1)]  # fmt: skip
TYPES = [("Residential", 85), ("Residential Income", 7), ("Land", 5), ("Commercial Sale", 3)]
COLUMNS = [
    "listing_key", "listing_id", "standard_status", "list_price", "original_list_price",
    "street_number", "street_name", "street_suffix", "unit_number", "city", "state_or_province",
    "postal_code", "latitude", "longitude", "property_type", "property_sub_type",
    "bedrooms_total", "bathrooms_total_integer", "living_area", "lot_size_area", "year_built",
    "garage_spaces", "days_on_market", "public_remarks", "listing_contract_date",
    "modification_timestamp", "list_agent_full_name", "list_office_name", "virtual_tour_url",
    "association_fee_frequency", "elementary_school", "middle_or_junior_school", "high_school",
    "created_at",
]  # fmt: skip
# Empty CSV fields are NULL unless named here; these text columns are NOT NULL, blank allowed.
TEXT_COLUMNS = [
    "unit_number", "property_sub_type", "virtual_tour_url", "association_fee_frequency",
    "elementary_school", "middle_or_junior_school", "high_school",
]  # fmt: skip
CHUNK = 50_000


def ensure_database() -> None:
    import psycopg2
    from django.db.utils import ConnectionHandler  # noqa: F401  (Django imported for settings)

    name = BENCH_URL.rsplit("/", 1)[1]
    admin = psycopg2.connect(BENCH_URL.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    admin.close()


# Feature phrases and how often a listing's remarks mention them (rough MLS rates), so keyword
# searches match a realistic share of rows rather than every other listing.
FEATURES = [("inground pool", 0.07), ("barn", 0.03), ("victorian porch", 0.02),
            ("water views", 0.04), ("fireplace", 0.30), ("finished basement", 0.25),
            ("hardwood floors", 0.45), ("central air", 0.40), ("two car garage", 0.35)]  # fmt: skip


def remarks(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 25))
    words += [phrase for phrase, rate in FEATURES if rng.random() < rate]
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


def weighted(rng: random.Random, options):
    return rng.choices([o[0] for o in options], weights=[o[-1] for o in options])[0]


def listing_rows(start: int, count: int, rng: random.Random, today: datetime.date):
    now = datetime.datetime.now(datetime.UTC).isoformat()
    city_weights = [c[4] for c in CITIES]
    for n in range(start, start + count):
        name, zip_code, lat, lng, _ = rng.choices(CITIES, weights=city_weights)[0]
        kind = weighted(rng, TYPES)
        price = round(math.exp(rng.gauss(12.9, 0.55)) / 1000) * 1000
        beds = None if kind == "Land" else rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
        dom = int(rng.expovariate(1 / 45))
        reduced = rng.random() < 0.2
        yield [
            f"BENCH-{n:08d}",
            f"BM{n:08d}",
            weighted(rng, STATUSES),
            price,
            round(price * 1.06) if reduced else price,
            str(rng.randint(1, 2999)),
            rng.choice(STREETS),
            rng.choice(SUFFIXES),
            "",
            name,
            "CT",
            zip_code,
            f"{lat + rng.gauss(0, 0.03):.6f}",
            f"{lng + rng.gauss(0, 0.04):.6f}",
            kind,
            "",
            "" if beds is None else beds,
            "" if beds is None else max(1, beds - rng.randint(0, 2)),
            "" if beds is None else 500 + beds * 350 + rng.randint(0, 900),
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


SEARCH_MIGRATIONS = [
    "0003_search_indexes",
    "0005_search_count_indexes",
    "0006_search_page_cover_index",
    "0008_search_keyword_cover_index",
]


def search_migrations() -> list:
    import importlib

    return [importlib.import_module(f"listings.migrations.{name}") for name in SEARCH_MIGRATIONS]


def search_migration():
    return search_migrations()[0]


def search_indexes() -> dict[str, str]:
    """The search indexes as the latest migration leaves them (later ones replace some)."""
    indexes: dict[str, str] = {}
    for migration in search_migrations():
        for name in getattr(migration, "REPLACES", {}):
            indexes.pop(name, None)
        indexes.update(migration.INDEXES)
    return indexes


def drop_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for migration in search_migrations():
            for name in [*migration.INDEXES, *getattr(migration, "REPLACES", {})]:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("ANALYZE listings_listing")


def create_indexes() -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(search_migration().REMARKS_TSV_COLUMN)  # kept when indexes are dropped
        for name, definition in search_indexes().items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
        cursor.execute("ANALYZE listings_listing")
    print(f"search indexes built in {time.perf_counter() - started:.0f} s")


def load(rows: int) -> None:
    from django.db import connection

    rng = random.Random(42)
    today = datetime.date.today()
    started = time.perf_counter()
    drop_indexes()  # loading first and indexing after is several times faster
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE listings_listing RESTART IDENTITY CASCADE")
        raw = cursor.cursor
        for start in range(0, rows, CHUNK):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows(listing_rows(start, min(CHUNK, rows - start), rng, today))
            buffer.seek(0)
            raw.copy_expert(
                f"COPY listings_listing ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, "
                f"FORCE_NOT_NULL ({', '.join(TEXT_COLUMNS)}))",
                buffer,
            )
            print(f"  {min(rows, start + CHUNK):>9,} rows", end="\r", flush=True)
        cursor.execute(
            'INSERT INTO listings_listingmedia (listing_id, media_key, "order", image, thumbnail,'
            " url, caption) SELECT id, '', 0, '', '', 'https://photos.example/' || id || '.jpg',"
            " '' FROM listings_listing"
        )
        cursor.execute("VACUUM ANALYZE listings_listing")
        cursor.execute("VACUUM ANALYZE listings_listingmedia")
    print(f"loaded {rows:,} listings (+ cover photos) in {time.perf_counter() - started:.0f} s")
    create_indexes()


def searches(rng: random.Random) -> dict:
    """Each typical search as a function returning its query dict (varied run to run)."""
    from listings import search

    # A page 100,000 results deep: the cursor of row 100,000 of the default (newest) order.
    deep = search.listings_matching({}).order_by(*search.SORTS["newest"].ordering)
    depth = min(100_000, deep.count() - 50)
    row = deep.values_list("listing_contract_date", "id")[depth - 1 : depth].get()
    deep_cursor = f"{row[0].isoformat()}_{row[1]}"

    def city():
        name = rng.choice(CITIES[:10])[0]
        low = rng.choice([200_000, 300_000, 400_000])
        return {"q": name, "min_price": low, "max_price": low + 200_000, "beds": 3}

    def box():
        _, _, lat, lng, _ = rng.choice(CITIES[:10])
        return {"bbox": f"{lat - 0.02:.4f},{lng - 0.03:.4f},{lat + 0.02:.4f},{lng + 0.03:.4f}"}

    def polygon():
        _, _, lat, lng, _ = rng.choice(CITIES[:10])
        corners = [(lat - 0.03, lng - 0.04), (lat - 0.03, lng + 0.04), (lat + 0.03, lng)]
        return {"poly": ",".join(f"{a:.4f} {b:.4f}" for a, b in corners)}

    def keyword():
        return {"keywords": rng.choice(["pool", "barn", "victorian porch", "water views"])}

    def by_price():
        return {"sort": rng.choice(["price_asc", "price_desc"])}

    def deep_page():
        return {"after": deep_cursor}

    def broad():
        return {}

    return {
        "city + price + beds": city,
        "map box": box,
        "polygon": polygon,
        "keyword in remarks": keyword,
        "sort by price": by_price,
        f"page {depth:,} deep": deep_page,
        "everything (first page)": broad,
    }


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


class OnCpu:
    """Nanoseconds on a CPU so far, of this process plus its PostgreSQL backend (read from
    /proc/<pid>/schedstat when the server runs on this machine). On a shared machine the wall
    clock includes waiting for a core; this is what a run costs the machine, the wall time it
    would take on an idle one give or take disk and cache effects."""

    def __init__(self):
        from django.db import connection

        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        path = Path(f"/proc/{pid}/schedstat")
        self.server = path if path.exists() and "@127.0.0.1" in BENCH_URL else None

    def __call__(self) -> int:
        server = int(self.server.read_text().split()[0]) if self.server else 0
        return time.process_time_ns() + server


def timed(fn, cpu: OnCpu):
    """(result, wall ms, on-CPU ms)."""
    c0, t0 = cpu(), time.perf_counter()
    result = fn()
    t1, c1 = time.perf_counter(), cpu()
    return result, (t1 - t0) * 1000, (c1 - c0) / 1e6


def time_bare(query: dict, cpu: OnCpu) -> tuple[tuple, tuple]:
    """((page wall, page CPU), (count wall, count CPU)) in ms."""
    from django.http import QueryDict

    from listings import search
    from listings.forms import ListingSearchForm
    from listings.selectors import SEARCH_RESULT_FIELDS

    form = ListingSearchForm(QueryDict(urlencode(query)))
    assert form.is_valid(), form.errors
    criteria, after = form.criteria, form.cleaned_data["after"]
    # As listings.selectors.search_results does: the capped count, then the page.
    (_, capped), count_ms, count_cpu = timed(lambda: search.capped_count(criteria), cpu)
    page, page_ms, page_cpu = timed(
        lambda: search.search_page(
            criteria, after=after, dense=capped, fields=SEARCH_RESULT_FIELDS
        ),
        cpu,
    )
    assert page.listings is not None
    return (page_ms, page_cpu), (count_ms, count_cpu)


def run(label: str, runs: int, *, pages: bool, client=None) -> list[tuple]:
    """Per search: (name, page p50, p95, count p50, p95, whole p50, p95) wall-clock ms, and
    the same on-CPU (printed on a second line)."""
    rng = random.Random(7)
    cpu = OnCpu()
    results = []
    for name, make in searches(rng).items():
        samples: dict[str, list[float]] = {key: [] for key in ("p", "c", "w", "pc", "cc", "wc")}
        for i in range(runs + 3):
            query = make()
            (p, pc), (c, cc) = time_bare(query, cpu)
            w = wc = None
            if pages:
                response, w, wc = timed(lambda q=query: client.get("/portal/search/", q), cpu)
                assert response.status_code == 200 and b'id="search-map-data"' in response.content
            if i >= 3:  # the first runs warm the caches
                for key, value in (
                    ("p", p),
                    ("c", c),
                    ("w", w),
                    ("pc", pc),
                    ("cc", cc),
                    ("wc", wc),
                ):
                    if value is not None:
                        samples[key].append(value)
        row = (name, *percentiles(samples["p"]), *percentiles(samples["c"]))
        row += percentiles(samples["w"]) if samples["w"] else (None, None)
        on_cpu = (*percentiles(samples["pc"]), *percentiles(samples["cc"]))
        on_cpu += percentiles(samples["wc"]) if samples["wc"] else (None, None)
        results.append((row, on_cpu))
        for kind, values in (("wall", row[1:]), ("on-CPU", on_cpu)):
            print(f"  {label:>15} | {name:<24} | {kind:>6} | page {values[0]:7.2f} / {values[1]:7.2f} ms | "
                  f"count {values[2]:7.2f} / {values[3]:7.2f} ms"
                  + (f" | whole page {values[4]:7.1f} / {values[5]:7.1f} ms" if values[4] else ""))  # fmt: skip
    return results


def portal_client():
    from django.test import Client

    from clients.models import Agent, Contact, User

    user, _ = User.objects.get_or_create(
        email="bench-client@example.com", defaults={"role": User.Role.CLIENT}
    )
    agent_user, _ = User.objects.get_or_create(
        email="bench-agent@example.com", defaults={"role": User.Role.AGENT}
    )
    agent, _ = Agent.objects.get_or_create(user=agent_user, defaults={"display_name": "Bench"})
    Contact.objects.get_or_create(user=user, defaults={"agent": agent, "first_name": "Bench"})
    client = Client()
    client.force_login(user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep the listings already loaded")
    parser.add_argument("--skip-without", action="store_true", help="skip the no-index runs")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="with --reuse: do not rebuild the indexes"
    )
    args = parser.parse_args()

    import django

    ensure_database()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    from listings.models import Listing

    if not args.reuse or Listing.objects.count() != args.rows:
        load(args.rows)
    elif not args.keep_indexes:  # the indexes exactly as the current migrations define them
        drop_indexes()
        create_indexes()
    client = portal_client()
    print(f"\n{Listing.objects.count():,} listings; {args.runs} runs each; p50 / p95")
    print("load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with_indexes = run("with indexes", args.runs, pages=True, client=client)
    print("load average (1, 5, 15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    if args.skip_without:
        return
    drop_indexes()
    try:
        without = run("without indexes", max(5, args.runs // 3), pages=False)
    finally:
        create_indexes()

    print(
        "\n| search | page query p50 / p95 | count p50 / p95 | whole page p50 / p95 "
        "| page query without indexes p50 / p95 | count without indexes p50 / p95 |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for (a, _), (b, _) in zip(with_indexes, without, strict=True):
        print(f"| {a[0]} | {a[1]:.2f} / {a[2]:.2f} ms | {a[3]:.2f} / {a[4]:.2f} ms | "
              f"{a[5]:.1f} / {a[6]:.1f} ms | {b[1]:.1f} / {b[2]:.1f} ms | "
              f"{b[3]:.1f} / {b[4]:.1f} ms |")  # fmt: skip


if __name__ == "__main__":
    main()
