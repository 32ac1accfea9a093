"""The database side of ``PortalVersion``: a trigger function and the triggers that call it.

A cached portal page is keyed by its client's version (``listings.page_cache``). A key that
missed a write would show a client a stale feed or stale counts, and the writers are many (bulk
shares, alerts, ``.update()`` calls, cascades, SQL), so the database moves the version, not the
application. Each app attaches the triggers to its own tables in its own migration; the tables
must have a ``contact_id`` column.

- After each INSERT, UPDATE or DELETE statement, for every contact its rows name (a transition
  table: one statement for a 500-client share), a row with the next value of a sequence is
  added; the client's version is the largest. A rolled-back value is never used again.
- In the writer's transaction: readers see the new version exactly when they see the new data.
- Append-only: no writer updates a row another may update, so writers never wait for each
  other. (A first version upserted one row per client; two transactions sharing to the same
  clients in opposite orders deadlocked on those rows, tests/listings/test_page_cache.py.)

PostgreSQL only; SQLite (the embedded mode) keeps no version and caches no page.
"""

FUNCTION = "clients_portal_version_bump"
TABLE = "clients_portalversion"

CREATE_FUNCTION = f"""
CREATE SEQUENCE IF NOT EXISTS {TABLE}_seq;
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (contact_id, version)
        SELECT contact_id, nextval('{TABLE}_seq')
        FROM (SELECT DISTINCT contact_id FROM changed_rows WHERE contact_id IS NOT NULL) AS ids;
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


# Superseded rows: all but each client's largest. Deleting them never changes a version.
PRUNE = f"""
DELETE FROM {TABLE} old
USING (SELECT contact_id, max(version) AS latest FROM {TABLE} GROUP BY contact_id) newest
WHERE old.contact_id = newest.contact_id AND old.version < newest.latest
"""


def triggers_operation(*tables: str):
    """The migration operation attaching the triggers to ``tables`` (detaching them backwards):
    each app's migration names only its own tables."""
    from django.db import migrations  # noqa: PLC0415 — only migrations need it

    def attach(apps, schema_editor):
        for table in tables:
            attach_triggers(schema_editor, table)

    def detach(apps, schema_editor):
        for table in tables:
            detach_triggers(schema_editor, table)

    return migrations.RunPython(attach, detach)


# What the key of a client's cached page needs (``listings.page_cache``), for the user
# ``user_table`` names, joined from there: which version of the client's user, contact, agent,
# agent's user and agent's preferences rows the page shows, the client's portal version, the
# listings data version, and the contact's id (all NULL for a user with no portal).
#
# A row's version is where and by whom it was written. Every UPDATE writes a new version of the
# row, at a new ``ctid`` (its place in the table), by a transaction whose id is the version's
# ``xmin`` (the concurrency token Npgsql and EF Core use). Two updates in one transaction share
# the ``xmin`` but not the ``ctid``; a place freed by VACUUM and used again holds a version
# written by a later transaction, another ``xmin``. Cheaper than a digest of every column as
# text (what migration clients 0006 did), with the same answer to "has anything changed?".
PORTAL_STATE_COLUMNS = """
    concat_ws('.', me.xmin, me.ctid, c.xmin, c.ctid, a.xmin, a.ctid, au.xmin, au.ctid,
              COALESCE(p.xmin || p.ctid::text, '-')),
    (SELECT max(v.version) FROM clients_portalversion v WHERE v.contact_id = c.id),
    (SELECT d.epoch || ':' || d.version FROM listings_data_version d WHERE d.id = 1),
    c.id"""
PORTAL_STATE_JOINS = """
    LEFT JOIN clients_contact c ON c.user_id = me.id
    LEFT JOIN clients_agent a ON a.id = c.agent_id
    LEFT JOIN clients_user au ON au.id = a.user_id
    LEFT JOIN clients_agentpreferences p ON p.agent_id = a.id"""


PORTAL_STATE_STATEMENT = (
    ("bigint",),
    # The state of the user ``$1`` alone (``clients.prepared``).
    f"SELECT {PORTAL_STATE_COLUMNS} FROM clients_user me {PORTAL_STATE_JOINS} "  # noqa: S608 — constants
    "WHERE me.id = $1 AND c.id IS NOT NULL",
)
