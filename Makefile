# Recurring tasks. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export BONTA_DATA_DIR ?= $(CURDIR)/data

.PHONY: setup run test test-sqlite test-postgres lint bench clean

$(BIN)/bonta: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/bonta

run: setup  ## set up, migrate, load demo data and serve on http://127.0.0.1:8000
	$(BIN)/bonta serve --demo

test: setup lint test-sqlite  ## lint, type-check, migrations check, then the suite on SQLite

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	BONTA_DATA_DIR=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run --settings=bonta.settings

test-sqlite: setup
	BONTA_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q -p no:cacheprovider

test-postgres: setup  ## the same suite against PostgreSQL (DATABASE_URL, default local trust auth)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bonta} \
	BONTA_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
