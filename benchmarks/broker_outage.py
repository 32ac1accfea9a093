"""How long publishing a task takes when Redis is unreachable (the request's extra wait).

    .venv/bin/python benchmarks/broker_outage.py

Two outages, each measured 7 times (median and worst printed): a stopped Redis (connection
refused) and a hung one (a listener that accepts connections and never answers). The publish
must fail fast; the outbox row stays queued and the sweeper sends it later.
"""

import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
RUNS = 7


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def silent_listener(port: int, stop: threading.Event) -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    server.settimeout(0.2)
    held = []
    while not stop.is_set():
        try:
            connection, _ = server.accept()
            held.append(connection)  # never read, never answer
        except TimeoutError:
            continue
    for connection in held:
        connection.close()
    server.close()


def measure(url: str) -> list[float]:
    from kombu import pools

    from notifications.services import BROKER_ERRORS
    from notifications.tasks import send_email
    from portal_project.celery import app

    app.conf.broker_url = url
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        try:
            send_email.delay(0)
            outcome = "published?!"
        except BROKER_ERRORS:
            outcome = "refused"
        timings.append(time.perf_counter() - started)
        assert outcome == "refused", outcome
    return timings


def main() -> None:
    refused_port, hung_port = free_port(), free_port()
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{refused_port}/0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_project.settings.local")
    import django

    django.setup()
    stop = threading.Event()
    threading.Thread(target=silent_listener, args=(hung_port, stop), daemon=True).start()
    time.sleep(0.3)
    for name, url in [
        ("stopped Redis (connection refused)", f"redis://127.0.0.1:{refused_port}/0"),
        ("hung Redis (accepts, never answers)", f"redis://127.0.0.1:{hung_port}/0"),
    ]:
        timings = measure(url)
        print(
            f"{name:38s} median {statistics.median(timings):.3f} s   "
            f"worst {max(timings):.3f} s   ({RUNS} publishes)"
        )
    stop.set()


if __name__ == "__main__":
    main()
