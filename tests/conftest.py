"""The small world every permission test uses: an agent, their client, another agent and theirs."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.clients.factories import AgentFactory, ClientContactFactory, ContactFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    # Rate limits live in the cache: start each test with none used.
    cache.clear()
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
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def portal_client(client, client_contact):
    client.force_login(client_contact.user)
    return client


@pytest.fixture
def celery_worker_queue(transactional_db, settings):
    """Starts a real Celery worker process on a private queue of the real Redis broker.

    Yields the queue name; tasks sent there with ``apply_async(queue=...)`` run in that process,
    which uses the same (test) database as the test.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal_project.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER'] or 'postgres'}"
            f"{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal_project", "worker", "-Q", queue,
         "--pool", "solo", "--concurrency", "1", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "-l", "warning", "-n", f"{queue}@%h"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        time.sleep(0)
