"""Security headers and cookies as production really sends them: the production settings module
in a fresh interpreter, against this test's database, behind a TLS-terminating proxy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.factories import DEFAULT_PASSWORD
from tests.conftest import _test_database_url

ROOT = Path(__file__).resolve().parents[2]

# Runs inside the production process: a login through the proxy, then a logged-in page.
PROBE = r"""
import json, sys, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
email, password = sys.argv[1], sys.argv[2]
# Static files as built by collectstatic are tested in tests/test_static_files.py; plain static
# storage here lets a clean checkout (no manifest yet) render pages.
static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
    browser = Client(HTTP_HOST="portal.example.com", HTTP_X_FORWARDED_PROTO="https")
    plain = Client(HTTP_HOST="portal.example.com").get("/accounts/login/")
    page = browser.get("/accounts/login/")
    login = browser.post("/accounts/login/", {"login": email, "password": password})
    home = browser.get("/agent/")
def cookies(response):
    return {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
                   "samesite": m["samesite"]} for name, m in response.cookies.items()}
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "page_status": page.status_code, "headers": dict(page.headers),
    "login_status": login.status_code, "login_cookies": cookies(login),
    "page_cookies": cookies(page), "home_status": home.status_code,
    "home_headers": dict(home.headers),
}))
"""


@pytest.fixture
def production(transactional_db, agent, settings):
    # Tests hash with MD5 for speed; production only knows the real hashers.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    agent.user.set_password(DEFAULT_PASSWORD)
    agent.user.save(update_fields=["password"])
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "EMAIL_BACKEND"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal_project.settings.production",
        DEBUG="False",
        SECRET_KEY="k3y-" + "x9Q!v" * 12,
        ALLOWED_HOSTS="portal.example.com",
        SITE_URL="https://portal.example.com",
        DATABASE_URL=_test_database_url(settings),
        REDIS_URL=settings.CACHES["default"]["LOCATION"],
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE, agent.user.email, DEFAULT_PASSWORD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_redirected_to_https(production):
    assert production["plain_status"] == 301
    assert production["plain_location"].startswith("https://portal.example.com/")


def test_production_pages_carry_every_security_header(production):
    for headers in (production["headers"], production["home_headers"]):
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        policy = {
            part.strip().split(" ", 1)[0]: part.strip()
            for part in headers["Content-Security-Policy"].split(";")
            if part.strip()
        }
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert policy["default-src"] == "default-src 'self'"
    # Logged-in pages vary on the cookie, so no shared cache serves one person's page to another.
    assert "Cookie" in production["home_headers"].get("Vary", "")


def test_production_session_and_csrf_cookies_are_secure(production):
    assert production["page_status"] == 200 and production["login_status"] == 302
    assert production["home_status"] == 200
    csrf = production["page_cookies"]["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    session = production["login_cookies"]["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
