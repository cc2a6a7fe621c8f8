# The two commands of the README. Both work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test setup setup-dev test-scale browsers clean

$(BIN)/activate:
	$(PY) -m venv $(VENV)

setup: $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt

setup-dev: $(BIN)/activate
	$(BIN)/pip install -q -r requirements-dev.txt

## Start the app on the embedded default (SQLite, sessions on disk, outbox mail) with the demo data.
run: setup
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

## Run every test: embedded default, then the scale-out shape if PostgreSQL and Redis answer.
test: setup-dev
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
