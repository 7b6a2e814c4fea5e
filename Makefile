# The two commands a new machine needs: `make demo` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: import the bundled sample exports into a fresh archive and show what is in it
demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/chatledger --db $(DEMO)/archive.db import tests/importers/samples --tz Asia/Shanghai
	$(BIN)/chatledger --db $(DEMO)/archive.db import tests/importers/samples --tz Asia/Shanghai
	$(BIN)/chatledger --db $(DEMO)/archive.db sources
	$(BIN)/chatledger --db $(DEMO)/archive.db chats
	$(BIN)/chatledger --db $(DEMO)/archive.db stats
	$(BIN)/chatledger --db $(DEMO)/archive.db show 1 --limit 15

## test: lint, type-check and run the whole suite
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) $(DEMO) .mypy_cache .ruff_cache .pytest_cache
