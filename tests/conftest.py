"""The small world every permission test uses: an agent, their client, another agent and theirs."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from listings.page_cache import local_pages
from tests.clients.factories import AgentFactory, ClientContactFactory, ContactFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    # Rate limits live in the cache: start each test with none used.
    cache.clear()
    local_pages.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agent(db):
    return AgentFactory(display_name="Dana Whitaker", user__email="dana@agents.example")


@pytest.fixture
def client_contact(agent):
    return ClientContactFactory(agent=agent, first_name="Ann", last_name="O'Neil")


@pytest.fixture
def other_agent(db):
    return AgentFactory(display_name="Omar Reyes", user__email="omar@agents.example")


@pytest.fixture
def other_client_contact(other_agent):
    return ClientContactFactory(agent=other_agent, first_name="Bea", last_name="Other")


@pytest.fixture
def other_agents_contact(other_agent):
    return ContactFactory(agent=other_agent, first_name="Private", last_name="Person")


@pytest.fixture
def agent_client(db, agent):
    """A browser session of the agent (its own, so a test can also use a client's)."""
    browser = Client()
    browser.force_login(agent.user)
    return browser


@pytest.fixture
def portal_client(db, client_contact):
    """A browser session of the agent's client, separate from the agent's."""
    browser = Client()
    browser.force_login(client_contact.user)
    return browser


def _test_database_url(settings) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER'] or 'postgres'}{password}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class WorkerProcess:
    """A real `celery worker` process using the test database and a given broker."""

    def __init__(self, *, broker_url: str, database_url: str, queues: str, email_dir: Path):
        self.email_dir = email_dir
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal_project.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(email_dir),
        }
        self.queues = queues
        self.process: subprocess.Popen | None = None

    def start(self, name: str = "w") -> "WorkerProcess":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal_project",
                "worker",
                "-Q",
                self.queues,
                "--pool",
                "solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "warning",
                "-n",
                f"{name}-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def sent_emails(self) -> list[Path]:
        return sorted(self.email_dir.glob("*.log")) if self.email_dir.exists() else []


@pytest.fixture
def celery_worker_queue(transactional_db, settings, tmp_path):
    """Starts a real Celery worker process on a private queue of the real Redis broker.

    Yields the queue name; tasks sent there with ``apply_async(queue=...)`` run in that process,
    which uses the same (test) database as the test.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = WorkerProcess(
        broker_url=settings.CELERY_BROKER_URL,
        database_url=_test_database_url(settings),
        queues=queue,
        email_dir=tmp_path / "worker-emails",
    ).start()
    try:
        yield queue
    finally:
        worker.stop()


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may stop and restart."""

    def __init__(self, workdir: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def celery_broker(url: str):
    """Points this process's Celery app at ``url`` with eager mode off, then restores it."""
    from kombu import pools as kombu_pools

    from portal_project.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def reset_pools():
        # kombu keeps producer pools in a global registry keyed by connection: clear it too.
        kombu_pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        reset_pools()


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed; the broker fault tests need it.")
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def worker_factory(transactional_db, settings, tmp_path):
    """Makes real worker processes for a broker URL; all are stopped after the test."""
    workers: list[WorkerProcess] = []

    def make(broker_url: str, *, queues: str = "email,celery") -> WorkerProcess:
        worker = WorkerProcess(
            broker_url=broker_url,
            database_url=_test_database_url(settings),
            queues=queues,
            email_dir=tmp_path / "worker-emails",
        )
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()
