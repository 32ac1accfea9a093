"""Stops `make test` / `make serve` with a clear message when PostgreSQL or Redis is not reachable.

With --ensure-database (used by `make serve`) it also creates the DATABASE_URL database if it
does not exist yet; the test database itself is created by pytest-django.
"""

import os
import sys
from urllib.parse import urlparse

import psycopg2
import redis

database_url = os.environ["DATABASE_URL"]
redis_url = os.environ["REDIS_URL"]
problems = []

parsed = urlparse(database_url)
try:
    # Connect to the maintenance database: the app's database may not exist yet.
    maintenance = psycopg2.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        connect_timeout=3,
    )
    database_name = parsed.path.lstrip("/")
    if "--ensure-database" in sys.argv and database_name:
        maintenance.autocommit = True
        with maintenance.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{database_name}"')
                print(f"Created database {database_name}.")
    maintenance.close()
except psycopg2.OperationalError as exc:
    problems.append(
        f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port or 5432} ({str(exc).strip()}).\n"
        "  Start it, e.g.: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "  or point DATABASE_URL at a running server (postgres://USER@HOST:PORT/DBNAME)."
    )

try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
except redis.RedisError as exc:
    problems.append(
        f"Redis is not reachable at {redis_url} ({exc}).\n"
        "  Start it, e.g.: redis-server --daemonize yes --bind 127.0.0.1 --port 6379\n"
        "  or point REDIS_URL at a running server (redis://HOST:PORT/DB)."
    )

if problems:
    print("make test needs real PostgreSQL and Redis; it does not skip them.\n", file=sys.stderr)
    print("\n".join(problems), file=sys.stderr)
    sys.exit(2)
print(f"Services OK: PostgreSQL {parsed.hostname}:{parsed.port or 5432}, Redis {redis_url}")
