"""A version of the listings data, moved by PostgreSQL itself on every write (PostgreSQL only).

Search Listings' results are the same for every client who asks with the same filters, so the
portal keeps them in the cache (``listings.selectors.search_results``) keyed by this version. A
key that missed a write would serve stale prices, photos or statuses, and the writers are many
(the importer, ``.update()`` and bulk calls, the demo seeding, SQL): so the database moves the
version, not the application. A statement trigger on each table a result shows or filters on
(listings, their photos, open houses and events) sets ``version`` to the next value of a
sequence before any INSERT, UPDATE, DELETE or TRUNCATE.

- In the writer's transaction: readers see the new version exactly when they see the new data.
- From a sequence: a rolled-back transaction's value is never used again, so nothing cached
  from uncommitted data (by that transaction itself) can be read under a committed version.
- BEFORE the statement: the single row is locked before any listing row, so two writers queue
  on it instead of deadlocking (the second waits for the first to commit). Writers of listings
  data therefore run one at a time; reads never wait.
- ``epoch`` is random per database, so two databases sharing a Redis never share keys.
"""

from django.db import migrations

TABLES = ("Listing", "ListingMedia", "OpenHouse", "ListingEvent")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (embedded mode): no version, the search results are not cached
    schema_editor.execute(
        """
        CREATE SEQUENCE listings_data_version_seq;
        CREATE TABLE listings_data_version (
            id smallint PRIMARY KEY CHECK (id = 1),
            epoch text NOT NULL,
            version bigint NOT NULL
        );
        INSERT INTO listings_data_version
            VALUES (1, md5(random()::text || clock_timestamp()::text),
                    nextval('listings_data_version_seq'));
        CREATE FUNCTION listings_data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE listings_data_version SET version = nextval('listings_data_version_seq')
                WHERE id = 1;
            RETURN NULL;
        END $$;
        """
    )
    for name in TABLES:
        table = apps.get_model("listings", name)._meta.db_table
        schema_editor.execute(
            f"CREATE TRIGGER {table}_data_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION listings_data_version_bump()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TABLES:
        table = apps.get_model("listings", name)._meta.db_table
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS listings_data_version_bump(); "
        "DROP TABLE IF EXISTS listings_data_version; "
        "DROP SEQUENCE IF EXISTS listings_data_version_seq;"
    )


class Migration(migrations.Migration):
    dependencies = [("listings", "0008_search_keyword_cover_index")]

    operations = [migrations.RunPython(create, drop)]
