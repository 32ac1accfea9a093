"""Database sessions, read together with their user and a client's portal state.

Every logged-in request reads its session, then its user, and a client's cached portal page its
portal state (``listings.page_cache``): three statements, each ~0.15 ms of CPU for the app and
PostgreSQL together on this stack, more than the page's own work on a cache hit. The sessions
live in ``UserSession``, which keeps the id of the user a session logs in beside it, so
``SessionStore.read_with_user`` reads all three in one statement, prepared once per connection
(``clients.prepared``). The user's row is only a stand-in for the backend's own read: who is
logged in is still decided by ``django.contrib.auth.get_user`` from the session's signed data and
the password hash (``clients.middleware.AuthenticationMiddleware``).

Writes, key rotation, expiry and deletion are Django's own. ``load`` (a session read on its own,
and on SQLite every read) is one plain statement rather than the ORM's queryset. Selected by
``SESSION_ENGINE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from functools import cache

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .auth_backends import user_attnames
from .portal_version import PORTAL_STATE_COLUMNS, PORTAL_STATE_JOINS
from .prepared import execute_prepared


@dataclass(frozen=True)
class SessionRead:
    """What ``read_with_user`` read beside the session: the row of the user the session's column
    names (None without one), and for a client with a portal what the key of their cached pages
    needs (``row_versions, portal_version, data_version, contact_id``; None otherwise)."""

    user: object | None
    portal_state: tuple | None


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls):
        from .models import UserSession  # noqa: PLC0415 — models import this module's class

        return UserSession

    def _validate_session_key(self, key):
        # Django makes 32 lowercase letters and digits; anything else a cookie brings (a NUL
        # the driver refuses, 5,000 characters) is no session, and never reaches the database.
        return bool(key) and 8 <= len(key) <= 40 and key.isascii() and key.isalnum()

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self):
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data, expire_date FROM {table} "  # noqa: S608 — our own table
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        data, expires = row
        if isinstance(expires, str):  # SQLite
            expires = parse_datetime(expires)
            if timezone.is_naive(expires):
                expires = timezone.make_aware(expires, UTC)
        return model(session_key=self.session_key, session_data=data, expire_date=expires)

    def read_with_user(self, with_portal_state: bool = False) -> SessionRead | None:
        """Load the session as ``load`` would (an unknown or expired key gives an empty session
        and no key) and return what the same statement read of its user (and, if asked, their
        portal state). None, and nothing read, when the session is loaded already, has no key,
        or the database is not PostgreSQL: the session then loads itself when first used, as
        Django's does."""
        if hasattr(self, "_session_cache") or self.session_key is None:
            return None
        using = router.db_for_read(self.model)
        connection = connections[using]
        if connection.vendor != "postgresql":
            return None
        from .models import User  # noqa: PLC0415 — models import this module's class

        name = "clients_session_read_state" if with_portal_state else "clients_session_read"
        with connection.cursor() as cursor:
            execute_prepared(
                cursor,
                connection,
                name,
                _read_statement(with_portal_state),
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            self._session_cache = {}
            return None
        self._session_cache = self.decode(row[0])
        attnames = user_attnames()
        user_values = row[1 : 1 + len(attnames)]
        user = User.from_db(using, attnames, user_values) if user_values[0] is not None else None
        state = row[1 + len(attnames) :]
        portal_state = tuple(state) if state and state[3] is not None else None
        return SessionRead(user=user, portal_state=portal_state)


@cache
def _read_statement(with_portal_state: bool) -> tuple[tuple[str, ...], str]:
    """The session ``$1`` valid at ``$2``, every column of its user (``me``) and, if asked, the
    user's portal state (``clients.portal_version``)."""
    from .models import User, UserSession  # noqa: PLC0415 — models import this module's class

    # The same columns, in the same order, as user_attnames().
    user_columns = ", ".join(f'me."{field.column}"' for field in User._meta.concrete_fields)
    state_columns = f", {PORTAL_STATE_COLUMNS}" if with_portal_state else ""
    joins = PORTAL_STATE_JOINS if with_portal_state else ""
    table = UserSession._meta.db_table
    return ("varchar", "timestamptz"), (
        f"SELECT s.session_data, {user_columns}{state_columns} "  # noqa: S608 — our own names
        f"FROM {table} s LEFT JOIN clients_user me ON me.id = s.user_id {joins} "
        "WHERE s.session_key = $1 AND s.expire_date > $2"
    )


def _user_id(value) -> int | None:
    from .models import User  # noqa: PLC0415 — models import this module's class

    if value is None:
        return None
    try:
        return User._meta.pk.to_python(value)
    except ValidationError:
        return None
