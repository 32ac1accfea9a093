"""Reads that may go to a PostgreSQL read replica, by settings (off unless DATABASE_REPLICA_URL).

Only what the replica's lag cannot hurt goes there: the models named in REPLICA_READ_MODELS
(listings, written only by the MLS feed importer, read by Search Listings and reports), and
only outside a transaction on the primary, so a service that reads and then writes in one
`transaction.atomic()` block always reads the primary. Writes and migrations go to `default`.
"""

from django.conf import settings
from django.db import connections

REPLICA = "replica"


class ReadReplicaRouter:
    def _routed(self, model) -> bool:
        return (
            REPLICA in settings.DATABASES
            and model._meta.label in settings.REPLICA_READ_MODELS
            and not connections["default"].in_atomic_block
        )

    def db_for_read(self, model, **hints):
        return REPLICA if self._routed(model) else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: relations across them are fine.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
