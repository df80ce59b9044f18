# Townhall: `make run` sets everything up and starts the platform; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := townhall.settings

.PHONY: setup run test lint typecheck architecture migrations-check openapi openapi-check pytest pytest-postgres \
        assets bench prod-check messages clean

## setup: virtual environment from the lock file, front-end assets, database, demo data (idempotent)
setup: $(BIN)/.installed townhall/static/dist/.built var/.migrated
	@$(BIN)/python manage.py demo_load

$(BIN)/.installed: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	@touch $@

townhall/static/dist/.built: package.json package-lock.json frontend/townhall.scss frontend/build.mjs
	npm ci --no-audit --no-fund --silent
	node frontend/build.mjs
	@touch $@

assets: townhall/static/dist/.built

var/.migrated: $(BIN)/.installed $(wildcard townhall/*/migrations/*.py)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null
	@mkdir -p var && touch $@

## run: the web server and a task worker on SQLite at http://localhost:$(PORT)
run: setup
	@$(BIN)/python manage.py demo_signins
	@echo "Townhall at http://localhost:$(PORT) (Ctrl-C stops it)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/python manage.py db_worker --queue-name '*' --interval 0.5 & \
	  $(BIN)/python manage.py runserver 0.0.0.0:$(PORT) --noreload

## test: lint, types, architecture, migrations, OpenAPI drift, then every test
test: setup lint typecheck architecture migrations-check openapi-check pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy townhall

architecture:
	$(BIN)/lint-imports

migrations-check:
	$(BIN)/python manage.py makemigrations --check --dry-run

openapi:
	$(BIN)/python manage.py export_openapi > docs/openapi.json

openapi-check:
	@$(BIN)/python manage.py export_openapi | diff -u docs/openapi.json - \
	  || (echo "docs/openapi.json is out of date: run 'make openapi' and commit it" && exit 1)

pytest:
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## pytest-postgres: the same suite against PostgreSQL (DATABASE_URL, default the local test database)
pytest-postgres: setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

prod-check: setup
	DJANGO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=townhall.example \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

messages:
	$(BIN)/python manage.py makemessages -l cy --ignore=.venv --ignore=node_modules -e html,py,txt

clean:
	rm -rf $(VENV) node_modules townhall/static/dist var staticfiles
