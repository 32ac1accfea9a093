"""Lighthouse figures for the main pages of both faces, against Debian's Chromium.

    .venv/bin/python benchmarks/lighthouse.py [--preset mobile|desktop|both] [--out DIR]

Installs Lighthouse from the npm registry into a cache directory outside the repository
(LIGHTHOUSE_DIR, default ~/.cache/homeportal-lighthouse) if it is not there yet; prepares the
database as benchmarks/load.py does (LIGHTHOUSE_DATABASE_URL, default the load test's
`portal_proof_load`: migrate, collectstatic, seed_demo); serves the app with gunicorn on a free
loopback port (DEBUG off, static files through WhiteNoise as in production, no Redis: tasks run
in-process); makes a session for the demo client and the demo agent (Django's test client's
force_login, sent as a Cookie header with Lighthouse's --extra-headers) and runs Lighthouse on:
the login page, the portal Dashboard, Search Listings, a listing page and the agent's contact
list. Prints one Markdown table per preset (scores 0–100 and the main metrics) and keeps each
report's JSON in --out. Not part of `make test`; sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import prepare_database, shell_json  # noqa: E402
from load import BIN, ROOT, free_port  # noqa: E402

CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
LIGHTHOUSE_DIR = Path(
    os.environ.get("LIGHTHOUSE_DIR", Path.home() / ".cache" / "homeportal-lighthouse")
)
LIGHTHOUSE_VERSION = "12.8.2"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = (
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "SI"),
)

SESSIONS = """
import json
from django.conf import settings
from django.test import Client
from clients.models import User
from listings.models import Listing
cookies = {}
for email in ("client@example.com", "agent@example.com"):
    browser = Client()
    browser.force_login(User.objects.get(email=email))
    cookies[email] = browser.cookies[settings.SESSION_COOKIE_NAME].value
home = Listing.objects.filter(standard_status="Active", media__isnull=False).order_by("id").first()
print(json.dumps({"cookies": cookies, "listing": home.pk, "name": settings.SESSION_COOKIE_NAME}))
"""


# The app as production runs it, plus /media/ served the way a web server in front of it would
# (DEBUG is off, so Django serves no media): otherwise every photo is a 404 in the console.
WSGI_WITH_MEDIA = """
from django.conf import settings
from whitenoise import WhiteNoise

from portal_project.wsgi import application as django_application

application = WhiteNoise(django_application)
application.add_files(str(settings.MEDIA_ROOT), prefix=settings.MEDIA_URL)
"""


def lighthouse_bin() -> Path:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(LIGHTHOUSE_DIR)]
            + [f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )
    return binary


def prepare(env: dict) -> dict:
    python = str(BIN / "python")
    subprocess.run(
        [python, "scripts/check_services.py", "--ensure-database"],
        cwd=ROOT,
        env={**env, "REDIS_URL": "redis://127.0.0.1:6379/0"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    prepare_database(env)
    return shell_json(env, SESSIONS)


@contextlib.contextmanager
def chromium_with_cookie(url: str, cookie: str):
    """A headless Chromium whose cookie jar holds the session, for Lighthouse's --port: with the
    session only in --extra-headers the page's own requests (htmx fragments, which the browser
    sends with the jar's cookies) went out signed out, and the app rightly sent the whole page
    to the login page."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    profile = tempfile.mkdtemp(prefix="lighthouse-profile-")
    chrome = subprocess.Popen(
        [
            CHROME,
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        name, _, value = cookie.partition("=")
        origin = "/".join(url.split("/")[:3])
        for _ in range(50):
            try:
                with sync_playwright() as p:
                    browser = p.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                    browser.contexts[0].add_cookies([{"name": name, "value": value, "url": origin}])
                break
            except Exception:  # Chromium not listening yet
                time.sleep(0.2)
        else:
            raise RuntimeError("Chromium did not start")
        yield port
    finally:
        chrome.terminate()
        chrome.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


def run_one(lighthouse: Path, url: str, cookie: str | None, preset: str, out: Path) -> dict:
    command = [
        str(lighthouse),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    with contextlib.ExitStack() as stack:
        if cookie:
            port = stack.enter_context(chromium_with_cookie(url, cookie))
            command.append(f"--port={port}")
        else:
            command.append(
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
            )
        # Lighthouse now and then fails to record a trace (NO_NAVSTART): try again, up to 3 times.
        for attempt in range(3):
            finished = subprocess.run(
                command, env={**os.environ, "CHROME_PATH": CHROME}, timeout=300, check=False
            )
            if finished.returncode == 0:
                break
            print(f"(Lighthouse failed on {url}, attempt {attempt + 1})", file=sys.stderr)
        finished.check_returncode()
    report = json.loads(out.read_text())
    row = {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    for audit, label in METRICS:
        row[label] = report["audits"][audit]["displayValue"]
    row["failed"] = sorted(
        audit_id
        for category in CATEGORIES
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"]
        and (audit_id := ref["id"])
        and report["audits"][audit_id]["score"] is not None
        and report["audits"][audit_id]["score"] < 0.9
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", choices=["mobile", "desktop", "both"], default="both")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "lighthouse")
    args = parser.parse_args()
    if not Path(CHROME).exists():
        sys.exit(f"No Chromium at {CHROME} (set CHROME_PATH, or apt-get install -y chromium).")
    if not shutil.which("npm"):
        sys.exit("Lighthouse needs Node.js and npm (apt-get install -y nodejs npm).")
    lighthouse = lighthouse_bin()
    args.out.mkdir(parents=True, exist_ok=True)

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal_project.settings.local",
        "DEBUG": "False",
        "DATABASE_URL": os.environ.get(
            "LIGHTHOUSE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_proof_load"
        ),
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    facts = prepare(env)
    cookie_name = facts["name"]
    client = f"{cookie_name}={facts['cookies']['client@example.com']}"
    agent = f"{cookie_name}={facts['cookies']['agent@example.com']}"
    base = f"http://127.0.0.1:{port}"
    pages = [
        ("Login", "/accounts/login/", None),
        ("Portal Dashboard", "/portal/", client),
        ("Search Listings", "/portal/search/", client),
        ("Listing page", f"/portal/listings/{facts['listing']}/", client),
        ("Agent contact list", "/agent/contacts/", agent),
    ]
    wsgi_dir = Path(tempfile.mkdtemp(prefix="lighthouse-wsgi-"))
    (wsgi_dir / "lighthouse_wsgi.py").write_text(WSGI_WITH_MEDIA)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "lighthouse_wsgi", "--pythonpath", f"{ROOT},{wsgi_dir}"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket  # noqa: PLC0415

                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            time.sleep(0.2)
        presets = ["mobile", "desktop"] if args.preset == "both" else [args.preset]
        print(
            f"Lighthouse {LIGHTHOUSE_VERSION}, {CHROME}; load average "
            + ", ".join(f"{v:.2f}" for v in os.getloadavg())
        )
        for preset in presets:
            print(
                f"\n{preset} (Lighthouse's {'default' if preset == 'mobile' else 'desktop'} "
                "preset, simulated throttling)\n"
            )
            print(
                "| page | perf | a11y | best pr. | SEO | FCP | LCP | TBT | CLS | SI | below 0.9 |"
            )
            print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            for label, path, cookie in pages:
                slug = label.lower().replace(" ", "-")
                row = run_one(
                    lighthouse, base + path, cookie, preset, args.out / f"{slug}-{preset}.json"
                )
                print(
                    f"| {label} (`{path}`) | {row['performance']} | {row['accessibility']} | "
                    f"{row['best-practices']} | {row['seo']} | {row['FCP']} | {row['LCP']} | "
                    f"{row['TBT']} | {row['CLS']} | {row['SI']} | {', '.join(row['failed']) or '—'} |",
                    flush=True,
                )
        print("\nload average " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(wsgi_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
