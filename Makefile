# The two commands a new machine needs: `make demo` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml setup.py src/chatledger/search/_tokenize.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The bundled sample exports (malformed bad_* samples, expectations and mapping-only files left out);
# names may hold spaces, so they travel NUL-separated.
FIND_SAMPLES = find tests/importers/samples -mindepth 2 -maxdepth 2 -type f ! -path '*/generic/*' ! -name 'bad_*' \
	! -name '*.expected.json' ! -name '*.md' -print0 | sort -z
CL = $(BIN)/chatledger --db $(DEMO)/archive.db

## demo: import the bundled sample exports plus a generated Chinese customer-service export, then explore
demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/python -m benchmarks.corpus --format wechat-pywxdump-csv --messages 3000 --seed 1 --out $(DEMO)/客服记录.csv
	$(FIND_SAMPLES) | xargs -0 $(CL) import $(DEMO)/客服记录.csv --tz Asia/Shanghai
	@echo "--- importing the same files again adds nothing:"
	$(FIND_SAMPLES) | xargs -0 $(CL) import --tz Asia/Shanghai --quiet
	$(CL) sources
	$(CL) chats
	$(CL) stats
	$(CL) show wxid_knokxpzireq4aa --from 2024-07-02 --limit 12
	$(CL) search '退货 OR 赔偿' --limit 5 --context 1
	$(CL) search 'kind:转账 platform:wechat' --limit 3

## test: lint, type-check and run the whole suite
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks setup.py
	$(BIN)/ruff format --check src tests benchmarks setup.py

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) $(DEMO) .mypy_cache .ruff_cache .pytest_cache
