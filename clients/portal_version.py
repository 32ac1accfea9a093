"""The database side of ``PortalVersion``: a trigger function and the triggers that call it.

A cached portal page is keyed by its client's version (``listings.page_cache``). A key that
missed a write would show a client a stale feed or stale counts, and the writers are many (bulk
shares, alerts, ``.update()`` calls, cascades, SQL), so the database moves the version, not the
application. Each app attaches the triggers to its own tables in its own migration; the tables
must have a ``contact_id`` column.

- After each INSERT, UPDATE or DELETE statement, for every contact its rows name (a transition
  table: one statement for a 500-client share), ``version`` takes the next value of a sequence,
  so a rolled-back value is never used again.
- In the writer's transaction: readers see the new version exactly when they see the new data.
- In ``contact_id`` order: two statements that touch the same clients lock their version rows
  in one order, so they queue instead of deadlocking.

PostgreSQL only; SQLite (the embedded mode) keeps no version and caches no page.
"""

FUNCTION = "clients_portal_version_bump"
TABLE = "clients_portalversion"

CREATE_FUNCTION = f"""
CREATE SEQUENCE IF NOT EXISTS {TABLE}_seq;
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} AS current (contact_id, version)
        SELECT contact_id, nextval('{TABLE}_seq')
        FROM (SELECT DISTINCT contact_id FROM changed_rows WHERE contact_id IS NOT NULL) AS ids
        ORDER BY contact_id
    ON CONFLICT (contact_id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$;
"""
DROP_FUNCTION = f"DROP FUNCTION IF EXISTS {FUNCTION}(); DROP SEQUENCE IF EXISTS {TABLE}_seq;"

# Transition tables allow one event per trigger: three triggers per table.
EVENTS = (("insert", "INSERT", "NEW"), ("update", "UPDATE", "NEW"), ("delete", "DELETE", "OLD"))


def attach_triggers(schema_editor, table: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for suffix, event, side in EVENTS:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_portal_version_{suffix} AFTER {event} ON {table} "
            f"REFERENCING {side} TABLE AS changed_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def detach_triggers(schema_editor, table: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for suffix, _, _ in EVENTS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_portal_version_{suffix} ON {table}")
