"""Statements PostgreSQL plans once per connection (``PREPARE`` / ``EXECUTE``).

Django sends every statement as text, and PostgreSQL plans it anew each time. For the read every
logged-in request makes (``clients.sessions``: a session, its user, a client's portal state —
six tables joined) planning costs ~0.5 ms, six times the execution. A prepared statement is
planned for its first few executions and then keeps a generic plan. Measured with pgbench on
this machine, the whole read costs ~73 µs of CPU prepared, ~132 µs as a PL/pgSQL function
(which also keeps its plan) and ~530 µs as plain text (docs/benchmarks.md).

A connection's prepared statements last as long as it does and survive a rollback; a new
connection (Django's ``connection_created``, after a restart or ``CONN_MAX_AGE``) starts with
none. Behind a pooler in transaction mode (PgBouncer, docs/deploy.md) a statement may run on a
server connection that never saw the PREPARE, or that another client's PREPARE reached: outside
a transaction either is repaired in place (PREPARE and EXECUTE then go in one message, so on one
server connection). Inside a transaction a failed statement would end it, so there the record
below is trusted; the requests' reads run before any view opens one (``process_view``).
"""

from __future__ import annotations

from django.db import DatabaseError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg2 import errors

_PREPARED = "clients_prepared_statements"


@receiver(connection_created, dispatch_uid="clients.prepared.forget")
def forget_prepared(sender=None, connection=None, **kwargs) -> None:
    """A new connection has no prepared statements (also for a test that drops them)."""
    setattr(connection, _PREPARED, set())


def execute_prepared(cursor, connection, name: str, statement, params: list) -> None:
    """Execute ``statement()`` — the SQL text with ``$1``… parameters and their types, made
    only when it must be prepared — as the connection's prepared statement ``name``."""
    prepared = getattr(connection, _PREPARED, None)
    if prepared is None:
        prepared = set()
        setattr(connection, _PREPARED, prepared)
    execute = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})"
    if name in prepared:
        if connection.in_atomic_block:
            cursor.execute(execute, params)
            return
        try:
            cursor.execute(execute, params)
            return
        except DatabaseError as error:
            if not isinstance(error.__cause__, errors.InvalidSqlStatementName):
                raise
            prepared.discard(name)  # a pooler's other server connection, or DISCARD ALL
    types, sql = statement()
    sql = sql.replace("%", "%%")  # sent with the parameters of the EXECUTE after it
    try:
        cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {sql}; {execute}", params)
    except DatabaseError as error:
        if connection.in_atomic_block or not isinstance(
            error.__cause__, errors.DuplicatePreparedStatement
        ):
            raise
        cursor.execute(execute, params)  # prepared there by another client of the pooler
    prepared.add(name)
