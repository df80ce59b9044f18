# Townhall: `make run` sets everything up and starts the platform; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := townhall.settings
CY_PO := townhall/locale/cy/LC_MESSAGES/django.po
MO_FILES := $(patsubst %.po,%.mo,$(wildcard townhall/locale/*/LC_MESSAGES/django.po))

.PHONY: setup run test lint typecheck architecture migrations-check openapi openapi-check pytest pytest-postgres \
        assets bench soak prod-check image-check messages compile-messages clean

## setup: virtual environment from the lock file, front-end assets, database, demo data (idempotent)
setup: $(BIN)/.installed townhall/static/dist/.built var/.migrated $(MO_FILES)
	@$(BIN)/python manage.py demo_load

# requirements.lock is what production runs (the image installs only it); requirements-dev.lock adds the
# development and test tools with the same pins, and is what a developer's and CI's environment installs.
$(BIN)/.installed: requirements.lock requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	@touch $@

townhall/static/dist/.built: package.json package-lock.json $(wildcard frontend/*.scss) frontend/build.mjs
	npm ci --no-audit --no-fund --silent
	node frontend/build.mjs
	@touch $@

assets: townhall/static/dist/.built

var/.migrated: $(BIN)/.installed $(wildcard townhall/*/migrations/*.py)
	$(BIN)/python manage.py migrate --no-input
	@mkdir -p var && touch $@

## run: the web server, a task worker and a delivery worker on SQLite at http://localhost:$(PORT)
run: setup
	@$(BIN)/python manage.py demo_signins
	@echo "Townhall at http://localhost:$(PORT) (Ctrl-C stops it)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/python manage.py db_worker --queue-name '*' --interval 0.5 & \
	  $(BIN)/python manage.py deliver_notifications & \
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
pytest-postgres: $(BIN)/.installed townhall/static/dist/.built $(MO_FILES)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

## soak: the fault soak on its own (about 6 minutes, as root: it mounts a tmpfs and runs a private PostgreSQL);
## writes its section of docs/performance.md and fails if a submission or a notification was lost or duplicated
soak: setup
	$(BIN)/python -m bench soak

prod-check: setup
	DJANGO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=townhall.example \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

## image-check: build deploy/Dockerfile with podman (no Docker daemon or Docker Hub needed: stand-in base images
## from Debian packages) and run it against a scratch PostgreSQL database; as root, a few minutes; not in `make test`
image-check:
	deploy/image-check.sh

## messages: extract interface strings (Jinja templates and Python) into townhall/locale/cy/.../django.po,
## keeping the Welsh already there; then translate the new entries and run `make compile-messages`
messages: $(BIN)/.installed
	@mkdir -p var
	$(BIN)/pybabel --quiet extract --mapping-file townhall/locale/babel.cfg --sort-by-file --width 120 \
	  --project Townhall --copyright-holder "Townhall contributors" --add-comments "Translators:" \
	  --keywords gettext_lazy --keywords ngettext_lazy:1,2 --keywords pgettext_lazy:1c,2 \
	  --keywords npgettext_lazy:1c,2,3 --output-file var/messages.pot townhall
	$(BIN)/pybabel --quiet update --init-missing --width 120 --no-fuzzy-matching --ignore-pot-creation-date \
	  --input-file var/messages.pot --output-dir townhall/locale --locale cy --domain django
	@msgattrib --untranslated $(CY_PO) | grep -c '^msgid ' | awk '{ n = $$1 - 1; if (n > 0) print n " string(s) still need Welsh in $(CY_PO)" }' || true
	$(MAKE) compile-messages

## compile-messages: .po → .mo (the .mo files are built, never committed)
compile-messages: $(MO_FILES)

townhall/locale/%/LC_MESSAGES/django.mo: townhall/locale/%/LC_MESSAGES/django.po
	msgfmt --check --output-file $@ $<

clean:
	rm -rf $(VENV) node_modules townhall/static/dist var staticfiles
