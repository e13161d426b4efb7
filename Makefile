# Socle — the two commands that matter: `make run` and `make test`.
# Only Python 3.11+ and make are needed on a fresh machine; everything else is installed here.

PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export PYTHONPATH := src

.PHONY: run install install-dev test test-fast lint format bench messages clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==0.13.8"

install: $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON)

install-dev: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

## Start the platform on the embedded default (SQLite) with demo data, at http://127.0.0.1:8000
run: install
	DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli migrate --no-input
	DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli demo-data --scale tiny --seed 1
	DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli provision-demo-accounts
	DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli demo-bricks
	DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli demo-logins --url http://127.0.0.1:8000/
	# The background worker (django.tasks, database backend: no broker) delivers what quiet hours
	# held; it stops with the server.
	DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli db_worker --queue-name '*' --interval 5 --no-reload & \
	worker=$$!; DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli scheduler --interval 30 & \
	scheduler=$$!; trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	DJANGO_SETTINGS_MODULE=socle.settings.dev $(PY) -m socle.cli runserver 127.0.0.1:8000

## The production stack on PostgreSQL (DATABASE_URL): migrations, static files, then web
## (gunicorn), workers and scheduler under one process manager (honcho, Procfile); SOCLE_PORT (8080)
.PHONY: serve
serve: install
	$(PY) scripts/serve.py

## Run the whole test suite against a real PostgreSQL server and headless Chromium
test: install-dev
	$(PY) scripts/ensure_system_packages.py
	$(PY) scripts/ensure_chromium.py
	$(PY) scripts/with_postgres.py -- $(PY) scripts/with_rabbitmq.py -- $(PY) -m pytest $(PYTEST_ARGS)

## The suite without browser tests (faster inner loop)
test-fast: install-dev
	$(PY) scripts/ensure_system_packages.py
	$(PY) scripts/with_postgres.py -- $(PY) scripts/with_rabbitmq.py -- $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

format: install-dev
	$(VENV)/bin/ruff check --fix src tests benchmarks scripts
	$(VENV)/bin/ruff format src tests benchmarks scripts

## Benchmarks: print figures (see docs/benchmarks.md)
bench: install-dev
	$(PY) scripts/with_postgres.py -- $(PY) scripts/with_rabbitmq.py -- $(PY) benchmarks/run.py $(BENCH_ARGS)

messages: install-dev
	cd src/socle && DJANGO_SETTINGS_MODULE=socle.settings.dev ../../$(PY) -m socle.cli makemessages -l en -l fr
	cd src/socle && DJANGO_SETTINGS_MODULE=socle.settings.dev ../../$(PY) -m socle.cli compilemessages

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache
