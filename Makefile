# The two commands of the README: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# The suite runs on this many processes (pytest-xdist), one test database each; TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2

.PHONY: run test install sysdeps services lint format messages bench clean lock backup restore

$(VENV)/.installed: requirements/dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet uv==0.13.9
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements/dev.lock
	touch $@

sysdeps:
	@bash scripts/sysdeps.sh

install: sysdeps $(VENV)/.installed messages

messages: $(VENV)/.installed
	@DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

run: install
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) migrate --noinput -v 0
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) load_demo
	@echo "http://127.0.0.1:8000 で起動します (Ctrl-C で停止)"
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) runserver 127.0.0.1:8000

test: install
	@bash scripts/services.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	@bash scripts/services.sh
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 private_media

# Production needs requirements/base.lock only (the image installs it); dev.lock adds the test and lint tools.
lock: $(VENV)/.installed
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 -o requirements/base.lock -q
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements/dev.lock -q

# Back up the database DATABASE_URL names and the private files (DJANGO_PRIVATE_MEDIA_ROOT) into one archive in
# $(BACKUP_DIR); restore one into an empty database and an empty folder (docs/operations.md, "Backups").
BACKUP_DIR ?= backups
backup:
	@BACKUP_DIR="$(BACKUP_DIR)" $(PY) scripts/backup.py backup

restore:
	@test -n "$(FILE)" || { echo "make restore FILE=$(BACKUP_DIR)/cnportal-....tar.gz" >&2; exit 2; }
	@$(PY) scripts/backup.py restore "$(FILE)"
