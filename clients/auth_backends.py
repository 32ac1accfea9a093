"""Django's ModelBackend, reading the logged-in user with one plain statement.

Every logged-in request loads its user. The ORM spent ~0.2 ms of CPU building that one-row
query (a queryset, its compiler, the column list) — a fifth of a cached portal page
(``listings.page_cache``). This backend reads the same columns with the same condition in plain
SQL on PostgreSQL, whose driver returns every column of ``User`` as the ORM would; elsewhere
(SQLite) and for everything else (authenticate, permissions) it is Django's own.

Within ``prefetched_user(user)``, a request whose session names that very user takes the row
already read with the session (``clients.sessions``) instead of reading it again; any other id
is read as usual.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connections, router

_prefetched = ContextVar("prefetched_user", default=None)


@contextmanager
def prefetched_user(user):
    token = _prefetched.set(user)
    try:
        yield
    finally:
        _prefetched.reset(token)


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        prefetched = _prefetched.get()
        if prefetched is not None and prefetched.pk == user_id:
            return prefetched if self.user_can_authenticate(prefetched) else None
        model = get_user_model()
        using = router.db_for_read(model)
        connection = connections[using]
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        with connection.cursor() as cursor:
            cursor.execute(
                _user_statement(), [model._meta.pk.get_db_prep_value(user_id, connection)]
            )
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(using, user_attnames(), row)
        return user if self.user_can_authenticate(user) else None


@cache
def user_attnames() -> list[str]:
    """The attribute names of every column of ``User``, in the order the reads select them."""
    return [field.attname for field in get_user_model()._meta.concrete_fields]


@cache
def _user_statement() -> str:
    model = get_user_model()
    columns = ", ".join(f'"{field.column}"' for field in model._meta.concrete_fields)
    return f'SELECT {columns} FROM "{model._meta.db_table}" WHERE "{model._meta.pk.column}" = %s'  # noqa: S608 — our own names
