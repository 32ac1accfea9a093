"""Statements PostgreSQL plans once per connection (``PREPARE`` / ``EXECUTE``).

Django sends every statement as text, and PostgreSQL plans it anew each time. For the read every
logged-in request makes (``clients.sessions``: a session, its user, a client's portal state —
six tables joined) planning costs ~0.5 ms, six times the execution. A prepared statement is
planned for its first few executions and then keeps a generic plan. Measured with pgbench on
this machine, the whole read costs ~73 µs of CPU prepared, ~132 µs as a PL/pgSQL function
(which also keeps its plan) and ~530 µs as plain text (docs/benchmarks.md).

A connection's prepared statements last as long as it does and survive a rollback; a new
connection starts with none. Outside a transaction — where every request's read runs, before
any view opens one (``process_view``) — the statement is simply executed, and prepared when the
server says it has no such statement: once per connection, or, behind a pooler in transaction
mode (PgBouncer, docs/deploy.md), once per server connection, whichever client connection it
serves. PREPARE and EXECUTE then go in one message, so to one server connection. Inside a
transaction a failed statement would end it, so there this process's record of what it
prepared on the connection is trusted (reset by Django's ``connection_created``).
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.db import DatabaseError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg2 import errors

_PREPARED = "clients_prepared_statements"


@receiver(connection_created, dispatch_uid="clients.prepared.forget")
def forget_prepared(sender=None, connection=None, **kwargs) -> None:
    """A new connection has no prepared statements (also for a test that drops them)."""
    setattr(connection, _PREPARED, set())


def execute_prepared(cursor, connection, name: str, statement: tuple, params: list) -> None:
    """Execute ``statement`` — (the types of its ``$1``… parameters, its SQL text) — as the
    connection's prepared statement ``name``, suffixed with a digest of the statement: behind a
    pooler a server connection outlives a deploy, and a statement of the same name prepared by
    the previous release (another column list) must never be taken for this one."""
    name = _versioned(name, statement)
    prepared = getattr(connection, _PREPARED, None)
    if prepared is None:
        prepared = set()
        setattr(connection, _PREPARED, prepared)
    execute = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})"
    if connection.in_atomic_block:
        # A failed statement would end the transaction: trust the record.
        if name in prepared:
            cursor.execute(execute, params)
        else:
            _prepare_and_execute(cursor, name, statement, execute, params)
            prepared.add(name)
        return
    # Outside a transaction, try it: behind a pooler the server connection may have it even
    # though this connection is new (CONN_MAX_AGE=0), or lack it though this one prepared it.
    try:
        cursor.execute(execute, params)
    except DatabaseError as error:
        if not isinstance(error.__cause__, errors.InvalidSqlStatementName):
            raise
        try:
            _prepare_and_execute(cursor, name, statement, execute, params)
        except DatabaseError as again:
            if not isinstance(again.__cause__, errors.DuplicatePreparedStatement):
                raise
            cursor.execute(execute, params)  # the pooler's next server connection had it
    prepared.add(name)


@cache
def _versioned(name: str, statement: tuple) -> str:
    types, sql = statement
    return f"{name}_{hashlib.sha256(repr((types, sql)).encode()).hexdigest()[:12]}"


def _prepare_and_execute(cursor, name: str, statement: tuple, execute: str, params: list) -> None:
    # One message, so one server connection even behind a pooler.
    types, sql = statement
    sql = sql.replace("%", "%%")  # sent with the parameters of the EXECUTE after it
    cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {sql}; {execute}", params)
