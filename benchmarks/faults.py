"""Faults under real use, with counts: the full stack on loopback with services of its own.

    .venv/bin/python benchmarks/faults.py [--only redis|worker|postgres] [--outage 60]

One private PostgreSQL cluster (initdb under /tmp, port 55xxx) and one private redis-server
carry gunicorn (2 workers), a Celery worker and Celery beat (the outbox sweeper runs every
minute). Emails go to files (one per send, with the outbox id in a header) so they can be counted.

1. redis    — agents keep sharing listings while Redis is stopped for --outage seconds (killed,
              so its queues are lost) and started again empty: every share request must succeed,
              and every email must be sent exactly once after Redis returns.
2. worker   — 300 emails are queued; the worker is killed (SIGKILL) mid-send and a new one
              started: no email lost, none sent twice.
3. postgres — 20 clients load the portal while the PostgreSQL cluster restarts (fast shutdown):
              requests fail for a moment, then succeed again without restarting the app.

Sends traffic only to 127.0.0.1, never stops the machine's shared PostgreSQL or Redis, and
stops everything it started when done (or on Ctrl-C).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _stack import (
    PrivatePostgres,
    PrivateRedis,
    Processes,
    Session,
    agent_session,
    free_port,
    prepare_database,
    sent_files,
    shell_json,
    stack_env,
    wait_for_port,
)

OUTBOX_STATE = """
import json
from notifications.models import OutboundEmail
rows = OutboundEmail.objects.filter(created_at__gte="{since}"{extra})
print(json.dumps({{s: rows.filter(status=s).count() for s in ("queued", "sent", "failed", "suppressed")}}))
"""


def outbox_state(env: dict, since: str, extra: str = "") -> dict:
    return shell_json(env, OUTBOX_STATE.format(since=since, extra=extra))


def db_now(env: dict) -> str:
    return shell_json(
        env,
        "import json; from django.utils import timezone; print(json.dumps(timezone.now().isoformat()))",
    )


def wait_drained(env: dict, since: str, timeout: float, extra: str = "") -> tuple[dict, float]:
    started = time.monotonic()
    state = outbox_state(env, since, extra)
    while state["queued"] and time.monotonic() - started < timeout:
        time.sleep(5)
        state = outbox_state(env, since, extra)
    return state, time.monotonic() - started


def row_ids(env: dict, since: str, extra: str = "") -> set[int]:
    return set(
        shell_json(
            env,
            "import json\nfrom notifications.models import OutboundEmail\n"
            f'print(json.dumps(list(OutboundEmail.objects.filter(created_at__gte="{since}"{extra})'
            '.values_list("pk", flat=True))))',
        )
    )


def duplicates_and_count(ids: list[int]) -> tuple[int, int]:
    counter = collections.Counter(ids)
    return len(counter), sum(n - 1 for n in counter.values() if n > 1)


# --- 1. Redis stopped while agents share listings ---------------------------------------------


def share_loop(port, agent_email, password, recipients, listings, stop, results, label):
    session = agent_session(port, agent_email, password)
    number = 0
    while not stop.is_set():
        number += 1
        body = [
            ("csrfmiddlewaretoken", session.cookies["csrftoken"]),
            *[("recipients", str(pk)) for pk in recipients],
            ("listings", str(listings[number % len(listings)])),
            ("note", f"Fault run share {number} by {label}"),
        ]
        started = time.monotonic()
        try:
            status, _ = session.request("POST", "/agent/share/listings/", body)
        except (http.client.HTTPException, OSError) as error:
            status = f"{type(error).__name__}"
        results.append((started, time.monotonic() - started, status, label))
        time.sleep(0.5)


def redis_outage(env, port, redis, outage: float, email_dirs) -> dict:
    agents = shell_json(
        env,
        "import json\nfrom clients.models import Agent\nfrom clients.selectors import emailable_contacts_for_agent\n"
        "from listings.models import Listing\n"
        "out = {}\nfor agent in Agent.objects.select_related('user'):\n"
        "    ids = list(emailable_contacts_for_agent(agent).values_list('pk', flat=True)[:3])\n"
        "    if ids: out[agent.user.email] = ids\n"
        "listings = list(Listing.objects.filter(standard_status='Active').values_list('pk', flat=True)[:50])\n"
        "print(json.dumps({'agents': out, 'listings': listings}))",
    )
    passwords = {"agent@example.com": "demo-agent-pass", "agent2@example.com": "demo-agent2-pass"}
    sharers = [(email, ids) for email, ids in agents["agents"].items() if email in passwords]
    since = db_now(env)
    stop, results = threading.Event(), []
    threads = [
        threading.Thread(
            target=share_loop,
            args=(port, email, passwords[email], ids, agents["listings"], stop, results, email),
        )
        for email, ids in sharers
    ]
    for thread in threads:
        thread.start()
    time.sleep(15)
    down_at = time.monotonic()
    redis.stop()
    print(f"  Redis stopped at +15 s for {outage:.0f} s; {len(sharers)} agents keep sharing")
    time.sleep(outage)
    redis.start()
    up_at = time.monotonic()
    print("  Redis started again (empty: its queues were lost with the process)")
    time.sleep(15)
    stop.set()
    for thread in threads:
        thread.join()
    state, drain = wait_drained(env, since, timeout=300, extra=', kind="share"')
    shared = row_ids(env, since, ', kind="share"')
    ids = [i for found in sent_files(*email_dirs).values() for i in found if i in shared]
    unique, dupes = duplicates_and_count(ids)
    during = [r for r in results if down_at <= r[0] < up_at]
    failed = [r for r in results if r[2] != 302]
    return {
        "shares": len(results),
        "shares_during_outage": len(during),
        "share_errors": len(failed),
        "error_kinds": collections.Counter(str(r[2]) for r in failed).most_common(5),
        "share_p50_ms_normal": round(
            statistics.median([r[1] for r in results if r not in during] or [0]) * 1000, 1
        ),
        "share_p50_ms_outage": round(statistics.median([r[1] for r in during] or [0]) * 1000, 1),
        "share_max_ms_outage": round(max([r[1] for r in during] or [0]) * 1000, 1),
        "emails_created": sum(state.values()),
        "outbox": state,
        "drained_s_after_redis_back": round(time.monotonic() - up_at, 1)
        if not state["queued"]
        else None,
        "drain_wait_s": round(drain, 1),
        "files": len(ids),
        "unique_emails_sent": unique,
        "duplicates": dupes,
    }


# --- 2. A worker killed mid-send ----------------------------------------------------------------


ENQUEUE = """
import json
from django.db import transaction
from notifications.models import OutboundEmail
from notifications.services import email_enqueue
with transaction.atomic():
    for i in range({count}):
        email_enqueue(kind=OutboundEmail.Kind.ACCOUNT, template="portal_invitation",
            context={{"agent_name": "Fault", "contact_first_name": "Run", "invitation_url": "x",
                      "login_email": "y"}},
            idempotency_key="{run}:%d" % i, to_address="{run}-%d@example.com" % i)
print(json.dumps({count}))
"""


def worker_killed(env, procs: Processes, workdir: Path, email_dirs, count: int = 300) -> dict:
    run = f"kill{int(time.time())}"
    since = db_now(env)
    shell_json(env, ENQUEUE.format(count=count, run=run))
    extra = f', to_address__startswith="{run}-"'
    while True:
        sent = outbox_state(env, since, extra)["sent"]
        if sent >= count // 3:
            break
        time.sleep(0.3)
    procs.kill("worker")
    in_flight = outbox_state(env, since, extra)
    print(f"  worker SIGKILLed with {in_flight['sent']} of {count} sent; starting a new worker")
    killed_at = time.monotonic()
    procs.worker("worker2", env | {"EMAIL_FILE_PATH": str(email_dirs[1])}, workdir / "worker2.log")
    state, _ = wait_drained(env, since, timeout=480, extra=extra)
    run_ids = row_ids(env, since, extra)
    ids = [i for found in sent_files(*email_dirs).values() for i in found if i in run_ids]
    unique, dupes = duplicates_and_count(ids)
    return {
        "emails": count,
        "sent_when_killed": in_flight["sent"],
        "outbox": state,
        "all_sent_s_after_kill": round(time.monotonic() - killed_at, 1),
        "files": len(ids),
        "unique_emails_sent": unique,
        "lost": count - unique,
        "duplicates": dupes,
    }


# --- 3. PostgreSQL restarted under load ---------------------------------------------------------


def postgres_restart(env, port, pg: PrivatePostgres) -> dict:
    login = Session(port)
    login.login("client@example.com", "demo-client-pass")
    cookies = dict(login.cookies)
    stop, results, lock = threading.Event(), [], threading.Lock()

    def client(seed: int):
        session = Session(port)
        session.cookies.update(cookies)
        while not stop.is_set():
            path = "/portal/" if seed % 2 else "/healthz"
            started = time.monotonic()
            try:
                status, _ = session.request("GET", path)
            except (http.client.HTTPException, OSError) as error:
                status = type(error).__name__
            with lock:
                results.append((started, status))
            time.sleep(0.02)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(15)
    restart_at = time.monotonic()
    pg.restart()
    restarted_in = time.monotonic() - restart_at
    print(f"  PostgreSQL restarted (fast shutdown) in {restarted_in:.1f} s")
    time.sleep(25)
    stop.set()
    for thread in threads:
        thread.join()
    errors = [(t - restart_at, s) for t, s in results if s != 200]
    after = [s for t, s in results if t > restart_at + restarted_in + 5]
    return {
        "requests": len(results),
        "errors": len(errors),
        "error_kinds": collections.Counter(str(s) for _, s in errors).most_common(5),
        "first_error_s_after_restart": round(min((t for t, _ in errors), default=0), 2),
        "last_error_s_after_restart": round(max((t for t, _ in errors), default=0), 2),
        "restart_took_s": round(restarted_in, 2),
        "requests_ok_from_5s_after": sum(1 for s in after if s == 200),
        "errors_from_5s_after": sum(1 for s in after if s != 200),
        "app_restarted": False,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["redis", "worker", "postgres"])
    parser.add_argument("--outage", type=float, default=60)
    parser.add_argument("--pg-port", type=int, default=55433)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="homeportal-faults-"))
    workdir.chmod(0o755)  # the postgres OS user runs the private cluster inside it
    pg = PrivatePostgres(workdir / "pgdata", args.pg_port)
    redis = PrivateRedis(workdir / "redis")
    procs = Processes()
    email_dirs = [workdir / "emails-1", workdir / "emails-2"]
    results = {}
    try:
        pg.init()
        pg.start()
        pg.createdb("portal")
        redis.start()
        env = stack_env(database_url=pg.url("portal"), redis_url=redis.url, email_dir=email_dirs[0])
        print(f"Private PostgreSQL on {args.pg_port}, Redis on {redis.port}; work dir {workdir}")
        prepare_database(env)
        port = free_port()
        procs.gunicorn("web", port, env, workdir / "web.log")
        procs.worker("worker", env, workdir / "worker.log")
        procs.beat("beat", env, workdir / "beat.log", workdir / "beat-schedule")
        wait_for_port(port)
        if args.only in (None, "redis"):
            print("1. Redis stopped while agents share listings")
            results["redis"] = redis_outage(env, port, redis, args.outage, email_dirs)
            print(f"  {results['redis']}")
        if args.only in (None, "worker"):
            print("2. A Celery worker killed mid-send")
            slow = env | {
                "EMAIL_BACKEND": "benchmarks.slow_email_backend.SlowFileBackend",
                "SLOW_EMAIL_SECONDS": "0.05",
            }
            if "worker" in procs.running:
                procs.kill("worker", 15)
            procs.worker("worker", slow, workdir / "worker.log")
            results["worker"] = worker_killed(slow, procs, workdir, email_dirs)
            print(f"  {results['worker']}")
        if args.only in (None, "postgres"):
            print("3. PostgreSQL restarted under load")
            results["postgres"] = postgres_restart(env, port, pg)
            print(f"  {results['postgres']}")
        return 0
    finally:
        procs.stop_all()
        redis.stop()
        pg.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
