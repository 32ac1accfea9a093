"""Indexes that let Search Listings' capped count ("1,000+ homes") stop early, and a city's page
start at that city (PostgreSQL only).

Counting up to 1,001 matches costs what it reads. Through 0003's indexes each match was a heap
row (the status, city or coordinates live there): 1,000 random page reads, 10–16 ms. These make
the usual on-market counts index-only or nearly so:

- ``listing_onmarket_city_price_cover`` replaces 0003's ``listing_onmarket_city_price``: the same
  keys plus ``city`` in INCLUDE. PostgreSQL only plans an index-only scan when every column an
  expression uses is in the index, and ``upper(city)`` uses ``city``.
- ``listing_city_newest`` replaces 0003's ``listing_city_upper`` with ``id`` added: a city's
  newest page is then one index range in exactly the page's order (``… DESC, id DESC``), 51 of
  the city's rows read instead of walking every city's newest listings until 51 are in this one.
- ``listing_onmarket_point_cover``: the map box and the drawn polygon over the on-market homes,
  a GiST that INCLUDEs longitude and latitude for the same reason, so a count walks the GiST
  alone and stops at the 1,001st point (0003's ``listing_point_gist`` stays for other statuses).
- ``listing_onmarket_remarks_sample``: a GIN over the remarks of one listing in 32 (``id % 32 =
  0``). A GIN index answers with a bitmap of every match, which for common words is 20,000–60,000
  entries before the first is counted; ``listings.search.capped_count`` first counts matches in
  this 1-in-32 sample (a bitmap 32 times smaller) and says "1,000+" when 80 are found there,
  falling back to the exact capped count otherwise.

``benchmarks/search.py`` drops and recreates these with 0003's to show what they buy.
"""

from django.db import migrations

ON_MARKET = "standard_status IN ('Active', 'Coming Soon', 'Active Under Contract')"

# listings.search.COUNT_SAMPLE_EVERY: the query's "id % 32 = 0" must match this predicate.
SAMPLE_EVERY = 32

# 0003's indexes that these supersede (dropped here, recreated by a reverse migration).
REPLACES = {
    "listing_city_upper": "ON listings_listing (upper(city::text), listing_contract_date DESC)",
    "listing_onmarket_city_price": (
        "ON listings_listing (upper(city::text), list_price) "
        f"INCLUDE (bedrooms_total, bathrooms_total_integer) WHERE {ON_MARKET}"
    ),
}

INDEXES = {
    "listing_city_newest": (
        "ON listings_listing (upper(city::text), listing_contract_date DESC, id DESC)"
    ),
    "listing_onmarket_city_price_cover": (
        "ON listings_listing (upper(city::text), list_price) "
        f"INCLUDE (city, bedrooms_total, bathrooms_total_integer) WHERE {ON_MARKET}"
    ),
    "listing_onmarket_point_cover": (
        "ON listings_listing USING gist (point(longitude::float8, latitude::float8)) "
        f"INCLUDE (longitude, latitude) WHERE {ON_MARKET}"
    ),
    "listing_onmarket_remarks_sample": (
        "ON listings_listing USING gin (public_remarks_tsv) "
        f"WHERE {ON_MARKET} AND id % {SAMPLE_EVERY} = 0"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}", params=None)
    for name in REPLACES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in REPLACES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}", params=None)
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0003_search_indexes"),
        ("listings", "0004_cma_reports"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
