"""Pieces of a private full stack on loopback for the fault and scale-out scripts.

Every service a script breaks is its own: a redis-server on a free port, a PostgreSQL cluster
initialised under /tmp on a port in 55xxx. The shared PostgreSQL (5432) and Redis (6379) of the
machine are never stopped; a script may only create its own database on 5432.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Session, free_port  # noqa: E402

__all__ = ["Session", "free_port"]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class PrivateRedis:
    """A redis-server of our own; stop() kills it (its data is gone, as after a crash)."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.port = port or free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class PrivatePostgres:
    """A PostgreSQL 15 cluster under /tmp on its own port, run as the postgres OS user."""

    def __init__(self, datadir: Path, port: int):
        self.datadir, self.port = datadir, port
        self.log = datadir.parent / f"{datadir.name}.log"

    def _as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if check and result.returncode:
            raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}")
        return result

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        if self.datadir.exists():
            shutil.rmtree(self.datadir)
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        self.datadir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )

    def _ctl(self, action: str, *extra: str) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1",
            "-w",
            action,
            *extra,
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop", check=False
        )

    def createdb(self, name: str) -> None:
        self._as_postgres(
            "/usr/bin/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name
        )


def stack_env(*, database_url: str, redis_url: str, email_dir: Path, **extra: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "portal_project.settings.local",
        "DEBUG": "False",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1:8000",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(email_dir),
        **extra,
    }


def manage(env: dict, *args: str, quiet: bool = True) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return result.stdout


def shell_json(env: dict, code: str):
    """Runs ``code`` in `manage.py shell`; it must print one JSON line last."""
    lines = [line for line in manage(env, "shell", "-c", code).splitlines() if line.strip()]
    return json.loads(lines[-1])


def prepare_database(env: dict) -> None:
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "seed_demo")


class Processes:
    """Started processes, each in its own session so it can be stopped with its children."""

    def __init__(self):
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict, log: Path) -> subprocess.Popen:
        log.parent.mkdir(parents=True, exist_ok=True)
        handle = log.open("ab")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running[name] = process
        return process

    def gunicorn(self, name: str, port: int, env: dict, log: Path, workers: int = 2):
        return self.start(
            name,
            [str(BIN / "gunicorn"), "portal_project.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(workers), "--log-level", "warning"],
            {**env, "DJANGO_SETTINGS_MODULE": "portal_project.settings.local"},
            log,
        )

    def worker(
        self, name: str, env: dict, log: Path, *, queues: str = "celery,email", concurrency: int = 2
    ):
        return self.start(
            name,
            [str(BIN / "celery"), "-A", "portal_project", "worker", "-l", "warning", "-Q", queues]
            + ["--concurrency", str(concurrency), "-n", f"{name}@%h", "--without-gossip"]
            + ["--without-mingle"],
            env,
            log,
        )

    def beat(self, name: str, env: dict, log: Path, schedule: Path):
        return self.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "portal_project",
                "beat",
                "-l",
                "warning",
                "-s",
                str(schedule),
            ],
            env,
            log,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.running):
            process = self.running[name]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in list(self.running.items()):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            self.running.pop(name, None)


OUTBOX_ID = re.compile(r"^X-Outbox-Id: (\d+)$", re.M)


def sent_files(*dirs: Path) -> dict[str, list[int]]:
    """Outbox ids found in each email directory's files (one file per send)."""
    found: dict[str, list[int]] = {}
    for directory in dirs:
        ids: list[int] = []
        for path in directory.glob("*.log") if directory.exists() else []:
            ids += [int(match) for match in OUTBOX_ID.findall(path.read_text(errors="replace"))]
        found[str(directory)] = ids
    return found


def agent_session(port: int, email="agent@example.com", password="demo-agent-pass") -> Session:
    session = Session(port)
    session.login(email, password)
    return session


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
