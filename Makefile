# The two commands of the README. Both work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run check test test-embedded setup setup-dev test-scale browsers clean mutation soak

$(BIN)/activate:
	$(PY) -m venv $(VENV)

setup: $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt

setup-dev: $(BIN)/activate
	$(BIN)/pip install -q -r requirements-dev.txt

## Start the app on the embedded default (SQLite, sessions on disk, outbox mail) with the demo data.
run: setup
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

# The scale-out pass uses its own database (created if missing) and Redis db 15, emptied by the tests.
# Where nothing answers at these URLs, bench/servers.py starts a throw-away PostgreSQL / redis-server
# there for the pass and stops it afterwards.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/espace_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

# Test processes for the passes that can share the machine (pytest-xdist); JOBS=1 runs them serially.
JOBS ?= 2
XDIST = $(if $(filter-out 0 1,$(JOBS)),-n $(JOBS) --dist worksteal,-p no:xdist)

## The fast loop: the domain and app tests on the embedded default, on $(JOBS) processes
## (neither browser, nor scale-out, nor deploy tests).
check: setup-dev
	$(BIN)/python -m pytest $(XDIST) -m "not scale and not browser" --ignore=tests/browser

## Run every test on both shapes: embedded default (SQLite, sessions on disk), then PostgreSQL + Redis.
test: test-embedded test-scale

## The whole suite on the embedded default: `check`, then the browser tests (one Chromium, serially).
test-embedded: check
	$(BIN)/python -m pytest -m "browser and not scale" tests/browser

## The suite again on PostgreSQL + Redis, plus the multi-process, fault and migration tests, and the
## production shape run for real (nginx + TLS + two gunicorn hosts: tests/test_deploy_*.py).
## Browser tests are left out: they check the pages, which do not depend on the storage.
test-scale: setup-dev
	$(BIN)/python bench/servers.py $(TEST_DATABASE_URL) $(TEST_REDIS_URL) -- \
		$(BIN)/python -m pytest -m "not browser and not sqlite_only"

## Mutation testing of espace/domain (setup.cfg [mutmut]); prints the score per module. Results are
## kept in mutants/, so a second run only tries what changed. MUTANTS="espace.domain.clock*" tries
## only those (the whole run takes about an hour of both cores).
MUTANTS ?=
mutation: setup-dev
	$(BIN)/mutmut run --max-children 2 $(MUTANTS) > /dev/null 2>&1 || true
	$(BIN)/python scripts/mutation_score.py

## The model of the whole account (tests/test_model_account.py) walked SOAK_STEPS steps (about an
## hour for 100 000 on 2 cores); prints the steps, requests and failures. Add TEST_DATABASE_URL /
## TEST_REDIS_URL to walk it on PostgreSQL + Redis.
SOAK_STEPS ?= 100000
soak: setup-dev
	ESPACE_MODEL_PROFILE=model-soak ESPACE_MODEL_STEPS=$(SOAK_STEPS) $(BIN)/python -m pytest -q -s -p no:logging \
		tests/test_model_account.py

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts mutants
