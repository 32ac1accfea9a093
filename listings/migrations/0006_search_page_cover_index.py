"""A covering index for the newest page of a dense map area (PostgreSQL only).

``listing_onmarket_newest_cover`` replaces 0003's ``listing_onmarket_newest``: the same keys and
predicate, with the coordinates, price, beds and baths in INCLUDE. When more than 1,000 homes
are in the map's box or drawn shape, ``listings.search.search_page`` walks the newest order and
tests each listing's point; with this index the walk is an index-only scan that picks the
page's ids from the index entries, and only those 51 rows are read from the table, instead of
the ~1,600 rows it reads before 51 fall in a box holding 3 % of the homes.

``benchmarks/search.py`` drops and recreates this with the other search indexes.
"""

from django.db import migrations

ON_MARKET = "standard_status IN ('Active', 'Coming Soon', 'Active Under Contract')"

# 0003's index that this one supersedes (dropped here, recreated by a reverse migration).
REPLACES = {
    "listing_onmarket_newest": (
        f"ON listings_listing (listing_contract_date DESC, id DESC) WHERE {ON_MARKET}"
    ),
}

INDEXES = {
    "listing_onmarket_newest_cover": (
        "ON listings_listing (listing_contract_date DESC, id DESC) "
        "INCLUDE (longitude, latitude, list_price, bedrooms_total, bathrooms_total_integer) "
        f"WHERE {ON_MARKET}"
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
    dependencies = [("listings", "0005_search_count_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
