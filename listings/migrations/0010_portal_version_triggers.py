"""A client's reactions and comments move their portal version (``clients.portal_version``)."""

from django.db import migrations

from clients.portal_version import triggers_operation


class Migration(migrations.Migration):
    dependencies = [("listings", "0009_listings_data_version"), ("clients", "0005_portal_version")]

    operations = [triggers_operation("listings_listingreaction", "listings_listingcomment")]
