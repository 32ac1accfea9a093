# The two contract commands: `make run` (embedded demo) and `make test` (whole suite, real services).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
REDIS_URL ?= redis://127.0.0.1:6379/0
HOST ?= 127.0.0.1
PORT ?= 8000
# Which Celery queues a worker consumes: e.g. `make worker QUEUES=email` for a dedicated email worker.
QUEUES ?= celery,email,matching,imports

.PHONY: run test serve worker beat lint format check-services install clean screenshot

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

# Embedded default: SQLite file, Celery tasks in-process, email printed to the console.
run: install
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite against real PostgreSQL and Redis; refuses to run (never skips) without them.
test: install check-services
	DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS)

check-services: install
	@DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(PY) scripts/check_services.py

# Full stack: gunicorn + Celery worker + beat against PostgreSQL and Redis (see Procfile).
serve: install
	@DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(PY) scripts/check_services.py --ensure-database
	DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(PY) manage.py collectstatic --noinput -v0
	DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(PY) manage.py seed_demo
	DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(PY) scripts/serve.py

worker: install
	REDIS_URL=$(REDIS_URL) DATABASE_URL=$(DATABASE_URL) $(BIN)/celery -A portal_project worker -l info -Q $(QUEUES)

beat: install
	REDIS_URL=$(REDIS_URL) DATABASE_URL=$(DATABASE_URL) $(BIN)/celery -A portal_project beat -l info -s var/celerybeat-schedule

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var db.sqlite3 .pytest_cache
