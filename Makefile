# Two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
# Test processes (pytest-xdist): one per core; each has its own var directory, Redis database and
# PostgreSQL test database (settings_test.py, pytest-django).
TEST_WORKERS ?= auto

.PHONY: run test test-pg lint fmt bench demo migrate messages clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.3"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/beiyang migrate --noinput
	$(BIN)/beiyang demo
	$(BIN)/beiyang run --host $(HOST) --port $(PORT)

demo: $(STAMP)
	$(BIN)/beiyang migrate --noinput
	$(BIN)/beiyang demo

migrate: $(STAMP)
	$(BIN)/beiyang migrate --noinput

# The embedded default: SQLite in a temporary directory, no Redis.
test: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL BEIYANG_VAR_DIR=$$(mktemp -d) $(BIN)/pytest -q -n $(TEST_WORKERS)

test-pg: $(STAMP)
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) BEIYANG_VAR_DIR=$$(mktemp -d) $(BIN)/pytest -q -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check src tests conftest.py
	$(BIN)/ruff format --check src tests conftest.py
	PYTHONPATH=src $(BIN)/lint-imports
	BEIYANG_VAR_DIR=$$(mktemp -d) $(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format src tests conftest.py
	$(BIN)/ruff check --fix src tests conftest.py

bench: $(STAMP)
	$(BIN)/beiyang bench

messages: $(STAMP)
	cd src/beiyang && ../../$(BIN)/beiyang makemessages -l zh_Hans --ignore "*/tests/*" && ../../$(BIN)/beiyang compilemessages

clean:
	rm -rf $(VENV) var/*.sqlite3* var/bench
