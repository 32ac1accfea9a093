"""The "anywhere" branch's GiST keyed by (type, price range) instead of the price range alone.

Its price ranges overlap heavily, so each listing's probe walked ~120 index pages and ~1,300
entries to keep ~13 of another type: 1.7 ms a listing, 1.77 s of a 2.9 s statement at 1,000,000
searches (docs/benchmarks.md, run H). The matcher now probes it twice per listing, with the
listing's type and with "no type" (searches.matching._area_joins)."""

from django.db import migrations

ALERTING = (
    "kind = 'automatic' AND is_paused = FALSE AND client_alerts_off = FALSE"
    " AND contact_id IS NOT NULL"
)
PRICE_RANGE = "int8range(c_min_price, c_max_price, '[]')"
# As 0010's COLUMNS, but c_type, now a key column.
COLUMNS = (
    "id, change_types, requires_screening, c_needs_check, c_status, c_min_price,"
    " c_max_price, c_min_beds, c_min_baths, c_min_sqft, c_max_sqft, c_min_lot, c_max_lot,"
    " c_min_year, c_max_year, c_min_garage, c_max_dom, c_reduced, c_south, c_north, c_west,"
    " c_east, c_text"
)
COLUMNS_0010 = COLUMNS.replace("c_status,", "c_status, c_type,")


def by_type(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS alert_area_any")
        schema_editor.execute(
            "CREATE INDEX alert_area_any ON searches_savedsearch USING gist"
            f" (c_type, {PRICE_RANGE}) INCLUDE ({COLUMNS})"
            f" WHERE c_area_kind = 'any' AND {ALERTING}"
        )


def by_price_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS alert_area_any")
        schema_editor.execute(
            f"CREATE INDEX alert_area_any ON searches_savedsearch USING gist ({PRICE_RANGE})"
            f" INCLUDE ({COLUMNS_0010}) WHERE c_area_kind = 'any' AND {ALERTING}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("searches", "0012_alert_pending_instead_of_state_index"),
    ]

    operations = [
        migrations.RunPython(by_type, by_price_only),
    ]
