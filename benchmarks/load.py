"""Load test of the full stack on loopback: gunicorn + PostgreSQL + Redis + a Celery worker.

    .venv/bin/python benchmarks/load.py [--clients 50] [--seconds 60] [--workers 2]

It creates (or reuses) the database `portal_load`, migrates and seeds the demo, starts gunicorn
and a Celery worker on free loopback ports, logs 50 simulated clients in (the demo client), and
has them browse the Dashboard, Search Listings and listing pages for the given time; then the
same load on a trivial view (/healthz) as the stack's own ceiling. Prints requests/s, p50, p95,
p99 and errors per page. Sends traffic only to 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
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


def run_load(port: int, paths: list[str], clients: int, seconds: float, login: bool) -> dict:
    # One login shared by every simulated client: the login page's own rate limit (30 a minute
    # per address) would otherwise refuse most of them, all coming from 127.0.0.1.
    shared_cookies: dict[str, str] = {}
    if login:
        first = Session(port)
        first.login("client@example.com", "demo-client-pass")
        shared_cookies = dict(first.cookies)
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def simulated_client(seed: int) -> None:
        rng = random.Random(seed)
        session = Session(port)
        session.cookies.update(shared_cookies)
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
    args = parser.parse_args()

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal_project.settings.local",
        "DEBUG": "False",
        "DATABASE_URL": os.environ.get(
            "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_load"
        ),
        "REDIS_URL": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/5"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    python = str(BIN / "python")
    subprocess.run(
        [python, "scripts/check_services.py", "--ensure-database"], cwd=ROOT, env=env, check=True
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
    processes = [
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
        ),
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
        ),
    ]
    try:
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
            f"{args.clients} clients, {args.seconds:.0f} s each run, gunicorn workers: "
            f"{args.workers}, threads: {args.threads}"
        )
        report(
            "Portal pages (logged-in clients)",
            run_load(port, pages, args.clients, args.seconds, True),
        )
        report(
            "Trivial view /healthz (the stack's ceiling)",
            run_load(port, ["/healthz"], args.clients, args.seconds, False),
        )
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
