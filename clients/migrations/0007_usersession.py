"""Sessions that know their user (``UserSession``).

- ``clients_usersession``: Django's session table plus ``user_id``, so one statement reads a
  session, its user and a client's portal state (``clients.sessions``). The sessions of
  ``django_session`` are copied in, their user read from their own data, so nobody is logged
  out by the deploy.
- ``clients_portal_state(user_id)`` (migration 0006) goes: that statement and the one that
  stands in for it (``clients.portal_version.PORTAL_STATE_STATEMENT``) are prepared once per
  connection, which costs PostgreSQL less than the function did.
"""

import importlib

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import migrations, models
from django.utils import timezone


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS clients_portal_state(bigint)")


def restore_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        previous = importlib.import_module("clients.migrations.0006_portal_state_function")
        schema_editor.execute("DROP FUNCTION IF EXISTS clients_portal_state(bigint)")
        schema_editor.execute(previous.CREATE)


def copy_sessions(apps, schema_editor):
    """Every live session of ``django_session``, with the user its data names."""
    old = apps.get_model("sessions", "Session")
    new = apps.get_model("clients", "UserSession")
    decoder = DatabaseStore()  # the signing salt is the store's class name: "SessionStore"
    batch = []
    for session in old.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000):
        user_id = decoder.decode(session.session_data).get(SESSION_KEY)
        batch.append(
            new(
                session_key=session.session_key,
                session_data=session.session_data,
                expire_date=session.expire_date,
                user_id=int(user_id) if str(user_id).isdigit() else None,
            )
        )
        if len(batch) == 2000:
            new.objects.bulk_create(batch)
            batch = []
    new.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_portal_state_function"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_id", models.BigIntegerField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_sessions, migrations.RunPython.noop),
        migrations.RunPython(drop_function, restore_function),
    ]
