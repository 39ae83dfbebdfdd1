# Comcep — every set-up step lives here. `make run` and `make test` work on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_FILES := $(sort $(wildcard comcep/core/demo/*.json))
export DJANGO_SETTINGS_MODULE ?= comcep.settings.dev

.PHONY: help install run demo serve test test-fast lint messages makemessages migrations-check check-deploy bench soak screenshots clean

help:
	@echo "make run    install, migrate, load the French demo content, serve on http://$(HOST):$(PORT)"
	@echo "make test   install and run the whole test suite"
	@echo "make lint   ruff"
	@echo "make bench  load benchmark (see bench/README.md)"
	@echo "make screenshots  retake the images of the user guides (docs/img/; needs chromium)"
	@echo "make soak   10-minute mixed read/write load on gunicorn + a task worker (SOAK_SECONDS=..., SOAK_CLIENTS=...)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Compiled catalogues are committed; recompile when gettext is available.
messages: install
	@if command -v msgfmt >/dev/null 2>&1; then $(PY) manage.py compilemessages --ignore=.venv -v0; else echo "msgfmt not found: using the committed .mo files"; fi

makemessages: install
	$(PY) manage.py makemessages -l en -l fr --ignore=.venv --ignore=bench --ignore=tests --no-obsolete
	$(PY) manage.py french_plurals

demo: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo $(DEMO_FILES)

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install messages
	DJANGO_SETTINGS_MODULE=comcep.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

migrations-check: install
	DJANGO_SETTINGS_MODULE=comcep.settings.test $(PY) manage.py makemigrations --check --dry-run

check-deploy: install
	DJANGO_SETTINGS_MODULE=comcep.settings.production SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
		ALLOWED_HOSTS=comcep.example.fr $(PY) manage.py check --deploy --fail-level WARNING

bench: install
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(PY) bench/run.py $(BENCH_ARGS)

# The soak test of tests/resilience, longer than in CI (20 s): zero 5xx, every accepted reply stored once.
soak: install messages
	SOAK_SECONDS=$${SOAK_SECONDS:-600} SOAK_CLIENTS=$${SOAK_CLIENTS:-8} SOAK_MAX_REQUESTS=$${SOAK_MAX_REQUESTS:-1000000} \
		DJANGO_SETTINGS_MODULE=comcep.settings.test $(VENV)/bin/pytest tests/resilience/test_soak.py -s $(PYTEST_ARGS)

# The user guides' images (docs/img/) from a throwaway demo with a frozen clock; SHOTS="name ..." for some.
screenshots: install messages
	$(PY) docs/screenshots/take_screenshots.py $(SHOTS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
