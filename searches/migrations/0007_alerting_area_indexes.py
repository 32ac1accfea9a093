"""The matcher's area indexes cover only the searches that alert (automatic, not paused, alerts
on, with a client): half the rows, so half the heap fetches per changed listing. The "anywhere"
branch gets an index over the price range too: without an area key it otherwise tests every
such search against every listing of the batch (docs/benchmarks.md, issue 7)."""

from django.db import migrations

ALERTING = (
    "kind = 'automatic' AND is_paused = FALSE AND client_alerts_off = FALSE"
    " AND contact_id IS NOT NULL"
)
PRICE_RANGE = "int8range(c_min_price, c_max_price, '[]')"
BOX = "box(point(c_west, c_south), point(c_east, c_north))"

CREATE = [
    f"CREATE INDEX alert_area_box ON searches_savedsearch USING gist ({BOX})"
    f" WHERE c_area_kind = 'box' AND {ALERTING}",
    f"CREATE INDEX alert_area_any ON searches_savedsearch USING gist ({PRICE_RANGE})"
    f" WHERE c_area_kind = 'any' AND {ALERTING}",
    "DROP INDEX IF EXISTS search_area_box",
]
REVERSE = [
    "DROP INDEX IF EXISTS alert_area_box",
    "DROP INDEX IF EXISTS alert_area_any",
    f"CREATE INDEX IF NOT EXISTS search_area_box ON searches_savedsearch USING gist ({BOX})"
    " WHERE c_area_kind = 'box'",
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
    dependencies = [("searches", "0006_prospecting_index")]

    operations = [migrations.RunPython(create, reverse)]
