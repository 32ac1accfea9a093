"""One statement reads the session, its user and (for a page-cached view) the client's portal
state (clients.sessions, clients.middleware.AuthenticationMiddleware). The user's row read with
the session is only a stand-in for the backend's own read: who is logged in is still what the
session's signed data says, checked as Django checks it. Each test below is a way that could
go wrong."""

import importlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangosStore
from django.contrib.sessions.models import Session as DjangosSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import User, UserSession
from clients.prepared import forget_prepared
from clients.sessions import SessionStore
from tests.clients.factories import DEFAULT_PASSWORD, ClientContactFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("portal:dashboard")


def session_of(browser) -> UserSession:
    return UserSession.objects.get(session_key=browser.cookies[settings.SESSION_COOKIE_NAME].value)


def test_a_login_keeps_the_users_id_beside_the_session_and_a_logout_removes_it(client_contact):
    browser = Client()
    response = browser.post(
        reverse("account_login"),
        {"login": client_contact.user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert session_of(browser).user_id == client_contact.user.pk
    key = session_of(browser).session_key
    browser.post(reverse("account_logout"))
    assert not UserSession.objects.filter(session_key=key).exists()


def test_an_anonymous_session_has_no_user_id():
    store = SessionStore()
    store["cart"] = "nothing"
    store.save()
    assert UserSession.objects.get(session_key=store.session_key).user_id is None


def test_a_logged_in_page_reads_session_and_user_in_one_statement(agent):
    browser = Client()
    browser.force_login(agent.user)
    browser.get(reverse("agent:home"))
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(reverse("agent:home")).status_code == 200
    # prepared once per connection; no portal state for a page that does not cache
    assert re.match(r"EXECUTE clients_session_read_[0-9a-f]{12} \(", queries[0]["sql"])
    assert not any("clients_user" in q["sql"] for q in queries[1:] if "FROM" in q["sql"][:40])


def test_the_user_is_the_one_the_signed_data_names_not_the_column(client_contact):
    """A session row whose user_id column was changed (by a bug, or by someone with write access
    to that column only) logs in the user of the session's own data, and the other user's portal
    state is not used."""
    other = ClientContactFactory(agent=client_contact.agent, first_name="Mallory")
    browser = Client()
    browser.force_login(client_contact.user)
    UserSession.objects.filter(pk=session_of(browser).pk).update(user_id=other.user.pk)
    page = browser.get(DASHBOARD)
    assert page.status_code == 200
    assert page.wsgi_request.user.pk == client_contact.user.pk
    assert "Mallory" not in page.content.decode()
    assert getattr(page.wsgi_request, "portal_state", None) is None


def test_a_password_changed_elsewhere_ends_the_session_even_with_the_row_read_beside_it(
    client_contact,
):
    browser = Client()
    browser.force_login(client_contact.user)
    assert browser.get(DASHBOARD).status_code == 200
    user = User.objects.get(pk=client_contact.user.pk)
    user.set_password("another-pass-7781")
    user.save()
    response = browser.get(DASHBOARD)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_tampered_session_hash_is_nobody(client_contact):
    browser = Client()
    browser.force_login(client_contact.user)
    store = SessionStore(session_of(browser).session_key)
    store[HASH_SESSION_KEY] = "0" * 64
    store.save()
    response = browser.get(DASHBOARD)
    assert response.status_code == 302
    assert response.wsgi_request.user.is_anonymous


def test_a_backend_no_longer_configured_is_nobody(client_contact):
    browser = Client()
    browser.force_login(client_contact.user)
    store = SessionStore(session_of(browser).session_key)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.RemoteUserBackend"
    store.save()
    assert browser.get(DASHBOARD).wsgi_request.user.is_anonymous


def test_an_inactive_or_deleted_user_is_nobody(client_contact):
    browser = Client()
    browser.force_login(client_contact.user)
    User.objects.filter(pk=client_contact.user.pk).update(is_active=False)
    assert browser.get(DASHBOARD).wsgi_request.user.is_anonymous

    agent_browser = Client()
    agent_browser.force_login(client_contact.agent.user)
    staff = User.objects.create_user("gone@example.com", "x-pass-1234", role=User.Role.STAFF)
    gone = Client()
    gone.force_login(staff)
    staff.delete()
    assert gone.get(reverse("agent:home")).wsgi_request.user.is_anonymous


def test_an_expired_or_unknown_session_is_nobody_and_its_key_is_dropped(client_contact):
    browser = Client()
    browser.force_login(client_contact.user)
    UserSession.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = browser.get(DASHBOARD)
    assert response.status_code == 302 and response.wsgi_request.user.is_anonymous
    assert response.wsgi_request.session.session_key is None

    browser.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert browser.get(DASHBOARD).wsgi_request.user.is_anonymous


def test_a_session_without_the_column_still_logs_in(client_contact):
    """Sessions copied from before (the column is filled at their next save) or written by
    another path: the user is then read on its own, as before."""
    browser = Client()
    browser.force_login(client_contact.user)
    UserSession.objects.update(user_id=None)
    with CaptureQueriesContext(connection) as queries:
        page = browser.get(DASHBOARD)
    assert page.status_code == 200 and page.wsgi_request.user.pk == client_contact.user.pk
    assert len(queries) > 1


def test_the_portal_state_is_read_with_the_session_only_for_a_cached_page(client_contact):
    browser = Client()
    browser.force_login(client_contact.user)
    page = browser.get(DASHBOARD)
    state = page.wsgi_request.portal_state
    assert state[3] == client_contact.pk
    other = browser.get(reverse("portal:favorites"))
    assert other.status_code == 200
    assert getattr(other.wsgi_request, "portal_state", None) is None


def test_a_temporary_password_still_sends_the_user_to_change_it(client_contact):
    User.objects.filter(pk=client_contact.user.pk).update(must_change_password=True)
    browser = Client()
    browser.force_login(client_contact.user)
    for path in (DASHBOARD, reverse("portal:favorites"), reverse("portal:search")):
        response = browser.get(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("account_change_password")


def test_the_migration_copies_live_sessions_with_their_user(client_contact):
    migration = importlib.import_module("clients.migrations.0007_usersession")
    live = DjangosStore()
    live.update({SESSION_KEY: str(client_contact.user.pk), "note": "kept"})
    live.create()
    expired = DjangosStore()
    expired["x"] = 1
    expired.create()
    DjangosSession.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    UserSession.objects.all().delete()

    from django.apps import apps

    migration.copy_sessions(apps, None)
    copied = UserSession.objects.get()
    assert copied.session_key == live.session_key
    assert copied.user_id == client_contact.user.pk
    assert SessionStore(live.session_key)["note"] == "kept"


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_lost_its_prepared_statements_repairs_itself(client_contact):
    """Outside a transaction (as every request's read is): a pooler's other server connection,
    or a DISCARD ALL, loses the statement; the next read prepares it again, in one message."""
    browser = Client()
    browser.force_login(client_contact.user)
    assert browser.get(DASHBOARD).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    for _ in range(2):
        page = browser.get(DASHBOARD)
        assert page.status_code == 200 and page.wsgi_request.user.pk == client_contact.user.pk


@pytest.mark.django_db(transaction=True)
def test_a_statement_another_client_prepared_is_used_as_it_is(client_contact):
    """A pooler may hand over a server connection where the statement exists though this
    process never prepared it there."""
    browser = Client()
    browser.force_login(client_contact.user)
    assert browser.get(DASHBOARD).status_code == 200
    forget_prepared(connection=connection)  # the record is lost, the statements are not
    page = browser.get(DASHBOARD)
    assert page.status_code == 200 and page.wsgi_request.user.pk == client_contact.user.pk


def test_clearsessions_clears_the_expired_sessions_of_this_table(client_contact):
    from django.core.management import call_command

    browser = Client()
    browser.force_login(client_contact.user)
    live = session_of(browser).session_key
    old = SessionStore()
    old["x"] = 1
    old.create()
    UserSession.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    call_command("clearsessions")
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [live]


@pytest.mark.parametrize(
    "cookie",
    ["abc\x00defghijkl", '"abcdefgh\\000ijkl"', "x" * 5000, "ünïcødé-session-key", "'; DROP--"],
)
def test_a_hostile_session_cookie_is_no_session_and_no_error(cookie, client_contact):
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = cookie
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(DASHBOARD)
    assert response.status_code == 302 and response.wsgi_request.user.is_anonymous
    assert not any("session" in q["sql"] for q in queries)


@pytest.mark.django_db(transaction=True)
def test_a_statement_of_the_same_name_from_another_release_is_never_used(client_contact):
    """Behind a pooler a server connection outlives a deploy: a statement the previous release
    prepared (another column list) must not be executed by this one. Names carry a digest."""
    browser = Client()
    browser.force_login(client_contact.user)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
        for name in ("clients_session_read", "clients_session_read_state"):
            cursor.execute(f"PREPARE {name} (varchar, timestamptz) AS SELECT 'junk', 1, 2")
    forget_prepared(connection=connection)
    page = browser.get(DASHBOARD)
    assert page.status_code == 200 and page.wsgi_request.user.pk == client_contact.user.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        names = [row[0] for row in cursor.fetchall()]
    assert any(name.startswith("clients_session_read_state_") for name in names)
