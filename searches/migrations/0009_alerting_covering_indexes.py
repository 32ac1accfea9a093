"""The matcher reads alerting searches from their indexes alone (index-only scans): each area
index of alerting searches carries every column the statement reads. At 1,000,000 searches the
city branch spent 2.2 of its 4.8 s fetching 262,000 rows from the table and sorting them
(docs/benchmarks.md, issue 7); in c_city order from the index the merge join needs neither."""

from django.db import migrations

ALERTING = (
    "kind = 'automatic' AND is_paused = FALSE AND client_alerts_off = FALSE"
    " AND contact_id IS NOT NULL"
)
BOX = "box(point(c_west, c_south), point(c_east, c_north))"
# Every column of searches.matching's batch statement but the area key and what the partial
# index's condition already implies.
COLUMNS = (
    "id, change_types, requires_screening, c_needs_check, c_status, c_type, c_min_price,"
    " c_max_price, c_min_beds, c_min_baths, c_min_sqft, c_max_sqft, c_min_lot, c_max_lot,"
    " c_min_year, c_max_year, c_min_garage, c_max_dom, c_reduced, c_south, c_north, c_west, c_east"
)
CREATE = [
    f"CREATE INDEX alert_area_city ON searches_savedsearch (c_city) INCLUDE ({COLUMNS})"
    f" WHERE c_area_kind = 'city' AND {ALERTING}",
    f"CREATE INDEX alert_area_zip ON searches_savedsearch (c_postal) INCLUDE ({COLUMNS})"
    f" WHERE c_area_kind = 'zip' AND {ALERTING}",
    "DROP INDEX IF EXISTS alert_area_box",
    f"CREATE INDEX alert_area_box ON searches_savedsearch USING gist ({BOX}) INCLUDE ({COLUMNS})"
    f" WHERE c_area_kind = 'box' AND {ALERTING}",
]
REVERSE = [
    "DROP INDEX IF EXISTS alert_area_city",
    "DROP INDEX IF EXISTS alert_area_zip",
    "DROP INDEX IF EXISTS alert_area_box",
    f"CREATE INDEX alert_area_box ON searches_savedsearch USING gist ({BOX})"
    f" WHERE c_area_kind = 'box' AND {ALERTING}",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("searches", "0008_prospecting_index_only")]

    operations = [migrations.RunPython(create, reverse)]
