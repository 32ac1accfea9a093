"""Load test of the full stack on loopback: gunicorn + PostgreSQL + Redis + a Celery worker.

    .venv/bin/python benchmarks/load.py [--clients 50] [--seconds 60] [--workers 2]
    .venv/bin/python benchmarks/load.py --cpu [--requests 300]     # CPU per request, in process

It creates (or reuses) the database `portal_proof_load` (LOAD_DATABASE_URL), migrates and seeds
the demo, starts its own redis-server on a free port (unless LOAD_REDIS_URL is set), gunicorn and
a Celery worker on free loopback ports; gives each simulated client its own portal login (50
clients of the demo agent, `load-client-NNN@load.example`, each with a shared-listings item and a
message in their feed, like the demo client), and has them browse the Dashboard, Search Listings
and listing pages for the given time; then the same load on a trivial view (/healthz) as the
stack's own ceiling. Prints requests/s, p50, p95, p99 and errors per page, and the load average.
Sends traffic only to 127.0.0.1 and stops by itself.

``--cpu`` measures instead, in one process with Django's test client against the same database,
the CPU time (``time.process_time``) per request of each page: the figure that matters on a
shared machine, where the HTTP run's throughput moves with everyone else's load.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Session:
    """A tiny cookie-keeping HTTP client on one keep-alive connection."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode(errors="replace")

    def login(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": email, "password": password},
        )
        if status != 302:
            raise RuntimeError(f"login failed with {status}")


LOAD_CLIENT_PASSWORD = "load-client-pass-0"
LOAD_EMAIL_FIRST = "load-client-000@load.example"

# Run in `manage.py shell`: makes the load clients that are missing, gives each new one a feed
# (three shared homes and a message, as the demo client has) and prints one session cookie per
# client. Sessions are made as Django's test client makes them (force_login): the login page's
# rate limit (30 a minute per address) would refuse most of 50 logins from 127.0.0.1.
LOAD_CLIENTS_SETUP = """
import json
from django.conf import settings
from django.test import Client
from clients.models import Agent, User
from clients.services import client_account_create, contact_create
from listings.models import Listing
from messaging.models import FeedItem
from messaging.services import message_send, share_listings

agent = Agent.objects.get(user__email="agent@example.com")
contacts = []
for number in range(COUNT):
    email = f"load-client-{number:03d}@load.example"
    user = User.objects.filter(email=email).first()
    if user is None:
        contact = contact_create(
            agent=agent, first_name="Load", last_name=f"Client {number}", emails=[email]
        )
        user = client_account_create(contact=contact, password=PASSWORD)
    contacts.append(user.client_contact)
fresh = [c for c in contacts if not FeedItem.objects.filter(contact=c).exists()]
if fresh:
    homes = list(Listing.objects.filter(standard_status="Active").order_by("id")[:3])
    share_listings(agent=agent, contacts=fresh, listings=homes, note="Three new ones for you.")
    for contact in fresh:
        message_send(contact=contact, sender=agent.user, body="Welcome to your portal!")
cookies = []
for contact in contacts:
    browser = Client()
    browser.force_login(contact.user)
    cookies.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)
print(json.dumps(cookies))
"""


def load_client_cookies(env: dict, count: int) -> list[str]:
    code = LOAD_CLIENTS_SETUP.replace("COUNT", str(count)).replace(
        "PASSWORD", repr(LOAD_CLIENT_PASSWORD)
    )
    output = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_load(
    port: int, paths: list[str], clients: int, seconds: float, cookies: list[str] | None
) -> dict:
    """``clients`` threads, each with its own keep-alive connection and, for logged-in pages,
    its own session (``cookies[i]``)."""
    if cookies:
        # One real login through the login page first: the sessions below are made the way
        # Django's test client makes them, so show the ordinary path works too.
        Session(port).login(LOAD_EMAIL_FIRST, LOAD_CLIENT_PASSWORD)
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def simulated_client(seed: int) -> None:
        rng = random.Random(seed)
        session = Session(port)
        if cookies:
            session.cookies["sessionid"] = cookies[seed % len(cookies)]
        while time.monotonic() < deadline:
            path = rng.choice(paths)
            label = re.sub(r"\d+", "N", path.split("?")[0])
            started = time.perf_counter()
            try:
                status, _ = session.request("GET", path)
                ok = status == 200
            except (http.client.HTTPException, OSError):
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    timings[label].append(elapsed)
                else:
                    errors[label] += 1

    threads = [threading.Thread(target=simulated_client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"timings": timings, "errors": errors, "seconds": seconds}


def report(title: str, result: dict) -> None:
    print(f"\n{title}")
    print(f"{'page':32s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'errors':>7s}")
    total = 0
    for label in sorted(set(result["timings"]) | set(result["errors"])):
        values = sorted(result["timings"].get(label, []))
        total += len(values)
        if not values:
            print(
                f"{label:32s} {'-':>8s} {'-':>8s} {'-':>8s} {'-':>8s} {result['errors'][label]:7d}"
            )
            continue
        quantiles = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(
            f"{label:32s} {len(values) / result['seconds']:8.1f} {statistics.median(values) * 1000:8.1f} "
            f"{quantiles[94] * 1000:8.1f} {quantiles[98] * 1000:8.1f} {result['errors'].get(label, 0):7d}"
        )
    print(f"{'all':32s} {total / result['seconds']:8.1f}")
    print(
        "load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    )


CPU_CHILD = """
import json, os, sys, time
import django
django.setup()
from django.db import connection
from django.test import Client
from clients.models import User
from listings.models import Listing

requests = REQUESTS
browser = Client()
browser.force_login(User.objects.get(email="client@example.com"))
homes = list(Listing.objects.filter(standard_status="Active").values_list("pk", flat=True)[:50])
pages = {
    "/portal/": lambda i: "/portal/",
    "/portal/search/": lambda i: "/portal/search/",
    "/portal/listings/N/": lambda i: f"/portal/listings/{homes[i % len(homes)]}/",
    "/healthz": lambda i: "/healthz",
}
for label, path in pages.items():
    for i in range(10):
        assert browser.get(path(i)).status_code == 200, label
    queries = []
    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)
    with connection.execute_wrapper(count):
        browser.get(path(0))
    started = time.process_time()
    for i in range(requests):
        browser.get(path(i))
    cpu = (time.process_time() - started) / requests
    print(f"{label:24s} {cpu * 1000:7.2f} ms CPU per request  {len(queries):3d} queries")
print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (>1: gthread workers)"
    )
    parser.add_argument(
        "--only", choices=["dashboard", "search", "listing"], help="load one portal page type"
    )
    parser.add_argument(
        "--cpu", action="store_true", help="measure CPU per request in process instead"
    )
    parser.add_argument("--requests", type=int, default=300, help="requests per page for --cpu")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _stack import PrivateRedis  # noqa: PLC0415 — _stack imports this module

    redis = None
    redis_url = os.environ.get("LOAD_REDIS_URL")
    if not redis_url:
        redis = PrivateRedis(Path("/tmp/load-benchmark-redis"))
        redis.start()
        redis_url = redis.url
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal_project.settings.local",
        "DEBUG": "False",
        "DATABASE_URL": os.environ.get(
            "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_proof_load"
        ),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    python = str(BIN / "python")
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [python, "scripts/check_services.py", "--ensure-database"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
            ["seed_demo"],
        ):
            subprocess.run(
                [python, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if args.cpu:
            subprocess.run(
                [python, "-c", CPU_CHILD.replace("REQUESTS", str(args.requests))],
                cwd=ROOT,
                env=env,
                check=True,
            )
            return
        run_http(args, env, port, processes)
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        if redis is not None:
            redis.stop()


def run_http(args, env: dict, port: int, processes: list) -> None:
    python = str(BIN / "python")
    cookies = load_client_cookies(env, args.clients)
    listing_ids = subprocess.run(
        [
            python,
            "manage.py",
            "shell",
            "-c",
            "from listings.models import Listing; print(' '.join(str(p) for p in "
            "Listing.objects.filter(standard_status='Active').values_list('pk', flat=True)[:200]))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    listing_ids = [token for token in listing_ids if token.isdigit()]  # skip the shell's banner
    processes.append(
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "portal_project.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "portal_project.settings.local"},
            start_new_session=True,
        )
    )
    processes.append(
        subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "portal_project",
                "worker",
                "-l",
                "warning",
                "-Q",
                "celery,email,matching,imports",
                "--concurrency",
                "1",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    # Equal weight for the Dashboard, Search Listings and a listing page.
    listing_pages = [f"/portal/listings/{pk}/" for pk in listing_ids[:50]]
    pages = ["/portal/"] * 25 + ["/portal/search/"] * 25 + listing_pages[:50]
    if args.only:
        pages = {
            "dashboard": ["/portal/"],
            "search": ["/portal/search/"],
            "listing": listing_pages,
        }[args.only]
    print(
        f"{args.clients} clients ({len(set(cookies))} distinct logins), {args.seconds:.0f} s each "
        f"run, gunicorn workers: {args.workers}, threads: {args.threads}; load average at the "
        "start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    report(
        "Portal pages (logged-in clients)",
        run_load(port, pages, args.clients, args.seconds, cookies),
    )
    report(
        "Trivial view /healthz (the stack's ceiling)",
        run_load(port, ["/healthz"], args.clients, args.seconds, None),
    )


if __name__ == "__main__":
    sys.exit(main())
