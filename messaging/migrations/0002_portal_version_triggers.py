"""A client's feed and messages move their portal version (``clients.portal_version``)."""

from django.db import migrations

from clients.portal_version import triggers_operation


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial"), ("clients", "0005_portal_version")]

    operations = [triggers_operation("messaging_feeditem", "messaging_message")]
