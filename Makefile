# Recurring tasks. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export BONTA_DATA_DIR ?= $(CURDIR)/data

.PHONY: setup browser run test test-sqlite test-postgres lint bench clean

$(BIN)/bonta: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/bonta

HOST ?= 127.0.0.1
PORT ?= 8000

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work on
# these machines). Installed with apt-get when missing and we are root (saying so first);
# otherwise nothing is installed and the browser tests skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && echo "installing Debian's chromium package with apt-get (for the browser tests)" \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium not installed: browser tests will be skipped"; }
	@command -v pdftoppm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && echo "installing Debian's poppler-utils package with apt-get (pdftoppm: the passport test renders its PDF)" \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null) \
	  || echo "poppler-utils not installed: the passport photo test will be skipped"; }

run: setup  ## set up, migrate, load demo data and serve on http://$(HOST):$(PORT) (make run PORT=8080)
	$(BIN)/bonta serve --demo --host $(HOST) --port $(PORT)

test: setup browser lint test-sqlite  ## lint, type-check, migrations check, then the suite on SQLite

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	BONTA_DATA_DIR=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run --settings=bonta.settings

# The suite runs in TEST_WORKERS processes (pytest-xdist; default one per core), a test file
# per worker at a time so module fixtures are built once. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

test-sqlite: setup
	BONTA_DATA_DIR=$$(mktemp -d) $(PYTEST)

test-postgres: setup browser  ## the same suite against PostgreSQL (DATABASE_URL, default local trust auth)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bonta} \
	BONTA_DATA_DIR=$$(mktemp -d) $(PYTEST)

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
