"""Indexes for Search Listings (PostgreSQL only; a no-op on the embedded SQLite demo).

Each index matches an expression in listings/search.py character for character, or the planner
would not use it:

- partial b-trees over the on-market statuses (the default search) for each sort, so a page is an
  index seek on (sort value, id) whatever its depth (keyset pagination);
- the same sorts behind ``standard_status`` for a search of one status (Pending, Closed…);
- ``upper(city)`` (with the newest order; and covering price/beds/baths) for the location
  box's city (Django's ``iexact``), ``upper(listing_id)`` for MLS numbers, a ``pg_trgm``
  GIN on the upper-cased street address for ``LIKE '%…%'``;
- GiST on ``point(longitude, latitude)`` for the map box and the drawn polygon (``<@``);
- GIN on ``public_remarks_tsv``, a stored generated column ``to_tsvector('english',
  public_remarks)`` this migration adds (PostgreSQL only; the model does not know it, Django never
  writes it): keyword filters then compare stored vectors instead of parsing text per row.

``benchmarks/search.py`` drops and recreates exactly these (``INDEXES``) to show what they buy.
"""

from django.db import migrations

ON_MARKET = "standard_status IN ('Active', 'Coming Soon', 'Active Under Contract')"

INDEXES = {
    "listing_onmarket_newest": (
        f"ON listings_listing (listing_contract_date DESC, id DESC) WHERE {ON_MARKET}"
    ),
    "listing_onmarket_price": f"ON listings_listing (list_price, id) WHERE {ON_MARKET}",
    "listing_onmarket_beds": (
        f"ON listings_listing (bedrooms_total DESC, id DESC) WHERE {ON_MARKET}"
    ),
    "listing_onmarket_area": f"ON listings_listing (living_area DESC, id DESC) WHERE {ON_MARKET}",
    "listing_status_newest": (
        "ON listings_listing (standard_status, listing_contract_date DESC, id DESC)"
    ),
    "listing_status_price": "ON listings_listing (standard_status, list_price, id)",
    "listing_city_upper": "ON listings_listing (upper(city::text), listing_contract_date DESC)",
    # City + price (+ beds, baths) answered from the index alone: the capped count's usual case.
    "listing_onmarket_city_price": (
        "ON listings_listing (upper(city::text), list_price) "
        f"INCLUDE (bedrooms_total, bathrooms_total_integer) WHERE {ON_MARKET}"
    ),
    "listing_mls_upper": "ON listings_listing (upper(listing_id::text))",
    "listing_address_trgm": (
        "ON listings_listing USING gin ((upper(street_number || ' ' || street_name || ' ' "
        "|| street_suffix)) gin_trgm_ops)"
    ),
    "listing_point_gist": (
        "ON listings_listing USING gist (point(longitude::float8, latitude::float8))"
    ),
    "listing_remarks_fts": "ON listings_listing USING gin (public_remarks_tsv)",
    "openhouse_listing_end": "ON listings_openhouse (listing_id, end_time)",
}


REMARKS_TSV_COLUMN = (
    "ALTER TABLE listings_listing ADD COLUMN IF NOT EXISTS public_remarks_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, public_remarks)) STORED"
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(REMARKS_TSV_COLUMN)
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("ALTER TABLE listings_listing DROP COLUMN IF EXISTS public_remarks_tsv")


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0002_listingfeed_listing_association_fee_and_more"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
