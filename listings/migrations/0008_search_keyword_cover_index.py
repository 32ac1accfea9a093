"""A covering index for the newest page of a broad keyword search (PostgreSQL only).

When more than 1,000 listings match the keywords, ``listings.search.search_page`` walks the
newest order and tests each listing's remarks (``public_remarks_tsv @@ …``) until 51 match. The
vector lives in the table row, so that walk read ~2,000 scattered rows for a phrase found in 2 %
of the remarks (4–9 ms). ``listing_onmarket_newest_remarks`` has 0006's newest keys and
predicate with the stored vector (and price, beds, baths, so those filters ride along) in
INCLUDE: the walk is an index-only scan that picks the page's ids from the index entries, and
only those 51 rows are read from the table.

0006's ``listing_onmarket_newest_cover`` stays: a map area's walk reads entries a tenth the
size. This one is large (~300 MB at 1,000,000 listings; the vectors average ~275 bytes).

``benchmarks/search.py`` drops and recreates this with the other search indexes.
"""

from django.db import migrations

ON_MARKET = "standard_status IN ('Active', 'Coming Soon', 'Active Under Contract')"

INDEXES = {
    "listing_onmarket_newest_remarks": (
        "ON listings_listing (listing_contract_date DESC, id DESC) "
        "INCLUDE (list_price, bedrooms_total, bathrooms_total_integer, public_remarks_tsv) "
        f"WHERE {ON_MARKET}"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}", params=None)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("listings", "0007_pending_event_index")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
