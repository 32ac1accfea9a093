"""Load test of the full stack on loopback: gunicorn + PostgreSQL + Redis + a Celery worker.

    .venv/bin/python benchmarks/load.py [--clients 50] [--seconds 60] [--workers 2]
    .venv/bin/python benchmarks/load.py --rate 300 [--only dashboard|search|listing] [--capacity]
    .venv/bin/python benchmarks/load.py --only dashboard --logged-in-ceiling
    .venv/bin/python benchmarks/load.py --cpu [--requests 300]     # CPU per request, in process

It creates (or reuses) the database `portal_proof_load` (LOAD_DATABASE_URL), migrates and seeds
the demo, starts its own redis-server on a free port (unless LOAD_REDIS_URL is set), gunicorn and
a Celery worker on free loopback ports; gives each simulated client its own portal login (50
clients of the demo agent, `load-client-NNN@load.example`, each with a shared-listings item and a
message in their feed, like the demo client), and has them browse the Dashboard, Search Listings
and listing pages for the given time; then the same clients on a trivial view (/healthz), closed
loop, as the stack's own ceiling. Prints requests/s, p50, p95, p99 and errors per page, the load
generator's own CPU per request and the load average. Sends traffic only to 127.0.0.1 and stops
by itself.

Two load models:

- closed loop (the default): each client asks for its next page the moment the last one
  arrived. This gives the capacity (maximum throughput); its latencies are queueing by
  construction (Little's law: 50 clients at 300 requests/s wait 167 ms on average whatever the
  server does).
- open model (``--rate R``): R requests/s offered in all, each of the clients on its own Poisson
  schedule of R / clients a second. A request goes out at its scheduled time (or at once, if
  that client's previous answer came later), and its latency counts from the scheduled time,
  so a stalled server shows up as latency rather than as fewer requests (no coordinated
  omission). Prints offered and achieved rate; ``--capacity`` adds a closed-loop run.

``--cpu`` measures instead, in one process with Django's test client against the same database,
the CPU time (``time.process_time``) per request of each page: the figure that matters on a
shared machine, where the HTTP run's throughput moves with everyone else's load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
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


ANALYZE = "from django.db import connection; connection.cursor().execute('ANALYZE')"
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
    from _stack import shell_json  # noqa: PLC0415 — _stack imports this module

    return shell_json(env, code)


# ---------------------------------------------------------------------------------------------
# The load generator: one process, one asyncio event loop, no threads.
#
# Fifty Python threads with http.client cost the 2 shared cores ~1 ms of CPU per request (the
# GIL hand-offs, http.client's header parsing), CPU the server then does not have. Here every
# simulated client is a coroutine, and each exchange an asyncio Protocol that picks the status
# line, Content-Length and Set-Cookie out of the bytes as they arrive (no streams, no task per
# request).
# ---------------------------------------------------------------------------------------------

REQUEST_TIMEOUT = 30.0


class _Exchange(asyncio.Protocol):
    """One request and its answer on one connection, parsed as the bytes arrive: the status
    line, Content-Length, Connection and Set-Cookie, nothing else."""

    def __init__(self, request: bytes, done: asyncio.Future):
        self.request, self.done = request, done
        self.buffer = bytearray()
        self.header_end = -1
        self.length: int | None = None
        self.status = 0
        self.cookies: dict[str, str] = {}
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.header_end < 0:
            self.header_end = self.buffer.find(b"\r\n\r\n")
            if self.header_end < 0:
                return
            lines = self.buffer[: self.header_end].decode("latin-1").split("\r\n")
            self.status = int(lines[0].split(" ", 2)[1])
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.lower()
                if name == "content-length":
                    self.length = int(value)
                elif name == "set-cookie":
                    key, _, rest = value.strip().partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
        if self.length is not None and len(self.buffer) - self.header_end - 4 >= self.length:
            self._finish(None)
            self.transport.close()

    def connection_lost(self, exc) -> None:
        # Without a Content-Length the body runs to the end of the connection.
        self._finish(None if self.length is None and self.header_end >= 0 else exc or EOFError())

    def _finish(self, exc) -> None:
        if not self.done.done():
            if exc is None:
                self.done.set_result(self)
            else:
                self.done.set_exception(exc)


class AsyncClient:
    """One simulated client with its own cookies. A new connection per request: gunicorn's
    sync workers close every connection after its answer anyway."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    async def get(self, path: str) -> int:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nConnection: close\r\n"
            + (f"Cookie: {cookie}\r\n" if cookie else "")
            + "\r\n"
        ).encode()
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        timer = loop.call_later(
            REQUEST_TIMEOUT, lambda: done.done() or done.set_exception(TimeoutError())
        )
        transport = None
        try:
            transport, _ = await loop.create_connection(
                lambda: _Exchange(request, done), "127.0.0.1", self.port
            )
            exchange = await done
        finally:
            timer.cancel()
            if transport is not None:
                transport.close()
        self.cookies.update(exchange.cookies)
        return exchange.status


def page_label(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


async def _drive(
    port: int,
    paths: list[str],
    clients: int,
    seconds: float,
    cookies: list[str] | None,
    rate: float | None,
) -> dict:
    """Closed loop (``rate`` None): each client asks for the next page as soon as the last one
    arrived — the stack's capacity. Open model: ``rate`` requests/s in all, each client with its
    own Poisson schedule (rate / clients); a client sends each request at its scheduled time, or
    at once if its previous answer came later than that, and the latency counts from the
    scheduled time, so a server that stalls shows as latency instead of as fewer requests
    (no coordinated omission)."""
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    sent = unsent = 0
    loop = asyncio.get_running_loop()
    browsers = [
        AsyncClient(port, {"sessionid": cookies[i % len(cookies)]} if cookies else None)
        for i in range(clients)
    ]
    # Warm-up, not counted: every client once, every page type once per worker's first hits.
    warm = {page_label(p): p for p in paths}
    for browser in browsers[: max(4, len(warm))]:
        for path in warm.values():
            with contextlib.suppress(Exception):
                await browser.get(path)

    start = loop.time() + 0.05
    deadline = start + seconds
    finished = start

    async def simulated_client(seed: int) -> None:
        nonlocal sent, unsent, finished
        rng = random.Random(seed)
        browser = browsers[seed]
        per_client = rate / clients if rate else None
        # Open model: a random phase so 50 clients do not start in step.
        scheduled = start + (rng.expovariate(per_client) if per_client else 0.0)
        while scheduled < deadline:
            now = loop.time()
            if now >= deadline:
                # The server fell behind: the rest of this client's schedule is never sent (the
                # run stops on time); counted, so the achieved rate says what was served.
                while per_client and scheduled < deadline:
                    unsent += 1
                    scheduled += rng.expovariate(per_client)
                break
            if now < scheduled:
                await asyncio.sleep(scheduled - now)
            path = rng.choice(paths)
            label = page_label(path)
            began = scheduled if per_client else loop.time()
            sent += 1
            try:
                ok = await browser.get(path) == 200
            except (TimeoutError, OSError, EOFError, ValueError):
                ok = False
            done = loop.time()
            finished = max(finished, done)
            if ok:
                timings[label].append(done - began)
            else:
                errors[label] += 1
            scheduled = scheduled + rng.expovariate(per_client) if per_client else done

    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(simulated_client(i) for i in range(clients)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "timings": timings,
        "errors": errors,
        "seconds": seconds,
        "elapsed": max(finished - start, seconds),
        "sent": sent,
        "unsent": unsent,
        "offered": rate,
        # user and system (the kernel's TCP work done on the generator's behalf) CPU seconds
        "generator_cpu": (
            usage.ru_utime - usage_before.ru_utime,
            usage.ru_stime - usage_before.ru_stime,
        ),
    }


def run_load(
    port: int,
    paths: list[str],
    clients: int,
    seconds: float,
    cookies: list[str] | None,
    rate: float | None = None,
) -> dict:
    """``clients`` simulated clients, each with its own session (``cookies[i]``) for the
    logged-in pages; closed loop, or an open model at ``rate`` requests/s in all."""
    if cookies:
        # One real login through the login page first: the sessions below are made the way
        # Django's test client makes them, so show the ordinary path works too.
        Session(port).login(LOAD_EMAIL_FIRST, LOAD_CLIENT_PASSWORD)
    return asyncio.run(_drive(port, paths, clients, seconds, cookies, rate))


def report(title: str, result: dict) -> dict[str, float]:
    """Print the run's table; return its requests/s by page and in all ("all")."""
    elapsed = result["elapsed"]
    rates = {}
    print(f"\n{title}")
    if result["offered"]:
        print(
            f"offered {result['offered']:.0f} requests/s (open model, Poisson arrivals): "
            f"{result['sent']} sent, {result['unsent']} scheduled but not sent by the end "
            "(server behind)"
        )
    else:
        print("closed loop: each client asks again as soon as its answer arrives (capacity)")
    print(f"{'page':32s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'errors':>7s}")
    total = errors = 0
    for label in sorted(set(result["timings"]) | set(result["errors"])):
        values = sorted(result["timings"].get(label, []))
        total += len(values)
        errors += result["errors"].get(label, 0)
        if not values:
            print(
                f"{label:32s} {'-':>8s} {'-':>8s} {'-':>8s} {'-':>8s} {result['errors'][label]:7d}"
            )
            continue
        quantiles = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        rates[label] = len(values) / elapsed
        print(
            f"{label:32s} {len(values) / elapsed:8.1f} {statistics.median(values) * 1000:8.1f} "
            f"{quantiles[94] * 1000:8.1f} {quantiles[98] * 1000:8.1f} {result['errors'].get(label, 0):7d}"
        )
    print(f"{'all':32s} {total / elapsed:8.1f} {'':8s} {'':8s} {'':8s} {errors:7d}")
    rates["all"] = total / elapsed
    sent = max(result["sent"], 1)
    user, system = result["generator_cpu"]
    print(
        f"load generator: {(user + system) * 1e6 / sent:.0f} µs of CPU per request "
        f"({user * 1e6 / sent:.0f} user + {system * 1e6 / sent:.0f} system), "
        f"{(user + system) / elapsed * 100:.0f} % of one core"
    )
    print(
        "load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    return rates


CPU_CHILD = """
import json, os, sys, time
import django
django.setup()
from django.db import connection
from django.test import Client
from clients.models import User
from listings.models import Listing

requests = REQUESTS
TICK = os.sysconf("SC_CLK_TCK")


def database_cpu() -> float:
    # CPU seconds of this connection's PostgreSQL backend so far (same machine).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


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
    backend = database_cpu()
    started = time.process_time()
    for i in range(requests):
        browser.get(path(i))
    cpu = (time.process_time() - started) / requests
    database = (database_cpu() - backend) / requests
    print(
        f"{label:24s} {cpu * 1000:7.2f} ms CPU per request (Django) + {database * 1000:5.2f} ms "
        f"(PostgreSQL)  {len(queries):3d} queries"
    )
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
        "--rate",
        type=float,
        help="open model: this many requests/s in all, spread over the clients (default: "
        "closed loop, the capacity)",
    )
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="with --rate: also a closed-loop run of the same pages (the capacity)",
    )
    parser.add_argument(
        "--logged-in-ceiling",
        action="store_true",
        help="also /healthz with the clients' session cookies (its middleware then reads the "
        "session and the user, as every logged-in page does)",
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
        # Planner statistics for what the seeding wrote: autovacuum may be off on a benchmark
        # machine (it is here), and plans made without statistics are not what production runs.
        subprocess.run(
            [python, "manage.py", "shell", "-c", ANALYZE],
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
    # Equal weight for the Dashboard, Search Listings and a listing page (one of 50 homes).
    listing_pages = [f"/portal/listings/{pk}/" for pk in listing_ids[:50]]
    pages = ["/portal/"] * 50 + ["/portal/search/"] * 50 + listing_pages[:50]
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
    if args.rate:
        report(
            "Portal pages (logged-in clients), open model",
            run_load(port, pages, args.clients, args.seconds, cookies, rate=args.rate),
        )
    capacity = None
    if not args.rate or args.capacity:
        capacity = report(
            "Portal pages (logged-in clients), closed loop",
            run_load(port, pages, args.clients, args.seconds, cookies),
        )
    ceiling = report(
        "Trivial view /healthz (the stack's ceiling), closed loop",
        run_load(port, ["/healthz"], args.clients, args.seconds, None),
    )
    signed_in = None
    if args.logged_in_ceiling:
        signed_in = report(
            "Trivial view /healthz, logged in (+ the session and user reads), closed loop",
            run_load(port, ["/healthz"], args.clients, args.seconds, cookies),
        )
    if capacity:
        # In a mix each page has its share of the time: the ratio of one page is the --only run's.
        for name, reference in (
            ("trivial view's", ceiling),
            ("logged-in trivial view's", signed_in),
        ):
            if reference:
                print(
                    f"\nclosed-loop throughput / the {name}: "
                    + ", ".join(
                        f"{label} {rate / reference['all']:.2f}" for label, rate in capacity.items()
                    )
                )


if __name__ == "__main__":
    sys.exit(main())
