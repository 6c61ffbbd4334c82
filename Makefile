# Guestkeeper: every target bootstraps what it needs (venv, Python packages, Azurite from npm).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST_ARGS ?=

.PHONY: test lint typecheck unit demo start bench soak emulator deps clean format

deps: $(STAMP) $(NODE_STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

## make test: lint (ruff, import contracts), type-check and the whole test suite (starts Azurite and the emulator).
test: deps lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: deps
	$(PY) -m pytest $(PYTEST_ARGS)

## make demo: the tutorial's story end to end on the emulator, Azurite and devhost, with a report.
## make demo REVIEWERS=sponsors: the same story with each guest's sponsor as its reviewer.
demo: deps
	$(PY) -m scripts.demo $(if $(REVIEWERS),--reviewers $(REVIEWERS))

## make start: emulator + Azurite, then `func start` when Core Tools are installed, devhost otherwise.
start: deps
	$(PY) -m scripts.start

## make bench: the benchmark scenarios at full size (figures go to docs/performance.md).
bench: deps
	$(PY) -m bench

## make soak: the endurance run, about 10 minutes, not part of make test: a thousand webhooks over devhost
## while two review rounds finish, then 10,000 fuzzed requests; a table of figures (docs/reliability.md).
soak: deps
	$(PY) -m pytest -m soak tests/reliability $(PYTEST_ARGS)

## make emulator: the Graph emulator on a loopback port (PORT=8765 by default).
emulator: $(STAMP)
	$(PY) -m graph_emulator --host 127.0.0.1 --port $${PORT:-8765}

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache .import_linter_cache .demo
