"""Statements PostgreSQL plans once per connection (``PREPARE`` / ``EXECUTE``).

Django sends every statement as text, and PostgreSQL plans it anew each time. For the read every
logged-in request makes (``clients.sessions``: a session, its user, a client's portal state —
six tables joined) planning costs ~0.5 ms, six times the execution. A prepared statement is
planned for the first few executions and then keeps a generic plan; measured with pgbench on
this machine, the whole read costs ~87 µs of CPU prepared against ~166 µs as a PL/pgSQL function
(docs/benchmarks.md).

A connection's prepared statements last as long as it does and survive a rollback; a new
connection (Django's ``connection_created``, after a restart or ``CONN_MAX_AGE``) starts with
none. Behind a pooler that hands one client's connection to another (PgBouncer in transaction
mode), named statements break: run it in session mode (docs/deploy.md).
"""

from __future__ import annotations

from django.db.backends.signals import connection_created
from django.dispatch import receiver

_PREPARED = "clients_prepared_statements"


@receiver(connection_created, dispatch_uid="clients.prepared.forget")
def _forget(sender, connection, **kwargs) -> None:
    setattr(connection, _PREPARED, set())


def execute_prepared(cursor, connection, name: str, statement, params: list) -> None:
    """Execute ``statement()`` (the SQL text with ``$1``… parameters and their types, made only
    when the connection has not prepared it yet) as the connection's prepared ``name``."""
    prepared = getattr(connection, _PREPARED, None)
    if prepared is None:
        prepared = set()
        setattr(connection, _PREPARED, prepared)
    if name not in prepared:
        types, sql = statement()
        cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {sql}")
        prepared.add(name)
    placeholders = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name} ({placeholders})", params)
