"""Scale-out on the engines we already use, shown on one machine.

    .venv/bin/python benchmarks/scaleout.py [--emails 1000] [--pg-port 55434]

Two gunicorn web processes on two loopback ports and two Celery workers consuming one `email`
queue (`make worker QUEUES=email`), sharing one PostgreSQL (a private cluster under /tmp) and one
Redis (a private redis-server). Shows that
  - a login on one web process is valid on the other (sessions live in the database), and a
    logout on the other ends it on both;
  - both workers drain one queue of 1,000 emails, each sent once (counted from the files each
    worker's file backend writes, by the outbox id every email carries in a header).
Stops everything it started; traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _stack import (
    PrivatePostgres,
    PrivateRedis,
    Processes,
    Session,
    free_port,
    prepare_database,
    sent_files,
    shell_json,
    stack_env,
    wait_for_port,
)
from faults import ENQUEUE, db_now, outbox_state, row_ids


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--pg-port", type=int, default=55434)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="homeportal-scaleout-"))
    workdir.chmod(0o755)
    pg = PrivatePostgres(workdir / "pgdata", args.pg_port)
    redis = PrivateRedis(workdir / "redis")
    procs = Processes()
    dirs = {"worker-a": workdir / "emails-a", "worker-b": workdir / "emails-b"}
    try:
        pg.init()
        pg.start()
        pg.createdb("portal")
        redis.start()
        env = stack_env(database_url=pg.url("portal"), redis_url=redis.url, email_dir=workdir)
        print(f"Private PostgreSQL on {args.pg_port}, Redis on {redis.port}; work dir {workdir}")
        prepare_database(env)
        ports = {"web-a": free_port(), "web-b": free_port()}
        for name, port in ports.items():
            procs.gunicorn(name, port, env, workdir / f"{name}.log")
        for name, directory in dirs.items():
            procs.worker(
                name,
                env | {"EMAIL_FILE_PATH": str(directory)},
                workdir / f"{name}.log",
                queues="email",
                concurrency=2,
            )
        # Exactly one beat, as in production: its sweeper re-dispatches rows whose hand-off was lost.
        procs.beat("beat", env, workdir / "beat.log", workdir / "beat-schedule")
        for port in ports.values():
            wait_for_port(port)

        print("1. Sessions: log in on web-a, use the same cookie on web-b")
        on_a = Session(ports["web-a"])
        on_a.login("agent@example.com", "demo-agent-pass")
        on_b = Session(ports["web-b"])
        on_b.cookies.update(on_a.cookies)
        status_b, page_b = on_b.request("GET", "/agent/")
        signed_in_on_b = status_b == 200 and "Sign in" not in page_b
        on_b.request(
            "POST", "/accounts/logout/", {"csrfmiddlewaretoken": on_b.cookies["csrftoken"]}
        )
        check_a = Session(ports["web-a"])
        check_a.cookies.update(on_a.cookies)
        status_a_after, _ = check_a.request("GET", "/agent/")
        print(
            f"  web-b with web-a's cookie: {status_b} ({'signed in' if signed_in_on_b else 'NOT signed in'}); "
            f"after logging out on web-b, web-a answers {status_a_after} (302 = sent to log in)"
        )

        print(f"2. Two workers drain one `email` queue of {args.emails:,} emails")
        since = db_now(env)
        started = time.monotonic()
        shell_json(env, ENQUEUE.format(count=args.emails, run=f"scale{int(time.time())}"))
        enqueued_in = time.monotonic() - started
        deadline = time.monotonic() + 600
        state = outbox_state(env, since)
        while state["queued"] and time.monotonic() < deadline:
            time.sleep(2)
            state = outbox_state(env, since)
        drained_in = time.monotonic() - started
        ours = row_ids(env, since)
        late = shell_json(
            env,
            "import json\nfrom datetime import timedelta\nfrom django.db.models import F\n"
            "from notifications.models import OutboundEmail\n"
            f'rows = OutboundEmail.objects.filter(created_at__gte="{since}", status="sent")\n'
            "print(json.dumps(rows.filter(sent_at__gt=F('created_at') + timedelta(seconds=150))"
            ".count()))",
        )
        per_worker = {
            Path(d).name: [i for i in ids if i in ours]
            for d, ids in sent_files(*dirs.values()).items()
        }
        everything = [i for ids in per_worker.values() for i in ids]
        counts = collections.Counter(everything)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        print(
            f"  enqueued (one transaction, {args.emails:,} publishes on commit) in {enqueued_in:.1f} s"
        )
        print(f"  outbox: {state}; all sent {drained_in:.1f} s after the enqueue began")
        print(f"  sent only after the sweeper re-dispatched them (hand-off lost): {late}")
        for name, ids in per_worker.items():
            print(f"  {name}: {len(ids):,} emails")
        print(
            f"  total files {len(everything):,}, distinct emails {len(counts):,}, "
            f"duplicates {duplicates}, missing {args.emails - len(counts)}"
        )
        ok = (
            signed_in_on_b
            and status_a_after == 302
            and duplicates == 0
            and len(counts) == args.emails
            and all(per_worker.values())
        )
        print("RESULT:", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        procs.stop_all()
        redis.stop()
        pg.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
