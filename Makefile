# Two commands for a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= cms_site.settings.dev

.PHONY: install demo test lint run clean

install: $(VENV)/.installed
NODE_DEPS := $(if $(wildcard package-lock.json),node_modules/.installed)

# The site and its tools; the plugin itself is installed editable from this checkout.
$(VENV)/.installed: pyproject.toml requirements/site.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@

demo: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	WEB_PORT=$(PORT) $(BIN)/python manage.py load_demo_content
	$(BIN)/python manage.py update_index --verbosity 0
	@if [ -z "$$REDIS_URL" ]; then echo "No REDIS_URL set: Celery uses its embedded filesystem broker in var/celery (no server needed)."; else echo "Celery broker: $$REDIS_URL"; fi
	@echo "Serving the demo at http://127.0.0.1:$(PORT)/ (admin at http://127.0.0.1:$(PORT)/admin/) with a Celery worker and beat. Ctrl-C stops all three."
	DEBUG=$${DEBUG:-false} WEB_PORT=$(PORT) WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/honcho start -f Procfile

# axe-core for the accessibility checks of the browser tests
node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility tests will skip (CI fails them)"; fi

test: install $(NODE_DEPS)
	DJANGO_SETTINGS_MODULE=cms_site.settings.test $(BIN)/python -m tests.support.services -- \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules var db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache
