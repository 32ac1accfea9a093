"""A client's reactions and comments move their portal version (``clients.portal_version``)."""

from django.db import migrations

from clients.portal_version import attach_triggers, detach_triggers

TABLES = ("listings_listingreaction", "listings_listingcomment")


def attach(apps, schema_editor):
    for table in TABLES:
        attach_triggers(schema_editor, table)


def detach(apps, schema_editor):
    for table in TABLES:
        detach_triggers(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("listings", "0009_listings_data_version"), ("clients", "0005_portal_version")]

    operations = [migrations.RunPython(attach, detach)]
