# Sigap: the two commands are `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
DEMO_SCALE ?= 300

.PHONY: run test lint typecheck migrations-check pytest lock messages clean-venv

$(VENV)/.base-installed: requirements/base.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.base-installed requirements/dev.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	@touch $@

## make run: install, migrate, load regions and demo data, start web server, task worker and scheduler
run: $(VENV)/.base-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_regions
	$(PY) manage.py seed_demo --scale $(DEMO_SCALE)
	@PORT=$(PORT) scripts/run.sh

## make test: lint, type-check, migrations check and the whole pytest suite (incl. browser tests)
test: $(VENV)/.dev-installed
	@scripts/ensure-system-packages.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	SIGAP_TESTING=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## make lock: regenerate the hashed lock files from requirements/*.in (needs network to PyPI)
lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 requirements/base.in -o requirements/base.txt
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 requirements/dev.in -o requirements/dev.txt
	@test ! -f requirements/bench.in || $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 requirements/bench.in -o requirements/bench.txt

## make messages: refresh the gettext catalogues after changing user-facing text
messages: $(VENV)/.dev-installed
	@scripts/ensure-system-packages.sh gettext
	cd sigap && ../$(PY) ../manage.py makemessages -l id -l en --no-obsolete --ignore 'static/*'
	cd sigap && ../$(PY) ../manage.py makemessages -d djangojs -l id -l en --no-obsolete --ignore 'static/vendor/*' || true
	$(PY) manage.py compilemessages --ignore '.venv'

clean-venv:
	rm -rf $(VENV)
