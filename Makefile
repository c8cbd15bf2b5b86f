# The two commands of the README: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# The suite runs on this many processes (pytest-xdist), one test database each; TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2

.PHONY: run test install sysdeps services lint format messages bench clean lock backup restore

# make run installs what serving needs (requirements/base.lock, fonts, Pango, gettext); make test adds the test and
# lint tools (requirements/dev.lock) and Chromium and poppler. make run MAIL=console prints the mails; otherwise they
# are files in tmp/mail/.
LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local
ACCOUNTS_FILE := tmp/demo-accounts.txt
ifeq ($(MAIL),console)
RUN_ENV := $(LOCAL) DJANGO_EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
MAIL_NOTE := メールはこの画面に表示します
else
RUN_ENV := $(LOCAL)
MAIL_NOTE := メールは tmp/mail/ に保存します（画面に出すには make run MAIL=console）
endif

$(VENV)/.served: requirements/base.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet uv==0.13.9
	@$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements/base.lock
	@touch $@

$(VENV)/.installed: requirements/dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet uv==0.13.9
	@$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements/dev.lock
	@touch $@ $(VENV)/.served

sysdeps:
	@bash scripts/sysdeps.sh test

install: sysdeps $(VENV)/.installed messages

messages: $(VENV)/.served
	@$(LOCAL) $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

run: $(VENV)/.served
	@bash scripts/sysdeps.sh serve
	@$(MAKE) --no-print-directory messages
	@echo "データベースを準備し、デモデータを読み込みます…"
	@$(RUN_ENV) $(MANAGE) migrate --noinput -v 0
	@$(RUN_ENV) $(MANAGE) load_demo --accounts-file $(ACCOUNTS_FILE)
	@echo "http://127.0.0.1:8000 で起動します (Ctrl-C で停止)。$(MAIL_NOTE)"
	@$(RUN_ENV) $(MANAGE) rundemo 127.0.0.1:8000 --accounts-file $(ACCOUNTS_FILE)

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
	@bash scripts/sysdeps.sh bench
	@bash scripts/services.sh
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 private_media tmp

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
