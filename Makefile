# dengbao — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint format browser-test clean fonts

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "dengbao needs Python >= 3.11: run e.g. 'make $(MAKECMDGOALS) PYTHON=python3.11'" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## fonts: Chinese fonts for the charts in documents (Debian's fonts-noto-cjk when missing; a warning when it cannot)
fonts:
	@if command -v fc-list >/dev/null && [ -n "$$(fc-list :lang=zh family 2>/dev/null)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing fonts-noto-cjk (Chinese text in the report charts)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-noto-cjk >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-noto-cjk >/dev/null 2>&1; } || \
	  echo "warning: could not install fonts-noto-cjk; charts will show Chinese as boxes" >&2; \
	else echo "warning: no Chinese font found; install fonts-noto-cjk for readable charts in documents" >&2; fi

## run: install, migrate the embedded database under var/, load the demo, create the administrator, serve on :8000
run: $(STAMP) fonts
	$(BIN)/dengbao migrate --noinput -v 0
	$(BIN)/dengbao demo
	$(BIN)/dengbao createadmin
	$(BIN)/dengbao run

## test: install the dev dependencies, run ruff, mypy, lint-imports and the whole test suite (pytest-xdist:
## one worker per core;
## TEST_WORKERS=0 runs it in one process)
TEST_WORKERS ?= auto
test: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/ruff format --check src tests benchmarks fuzz
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -m "not browser" -n $(TEST_WORKERS)

## browser-test: the Playwright tests in Debian's Chromium (/usr/bin/chromium; apt-get install chromium)
browser-test: $(DEVSTAMP)
	$(BIN)/pytest -q -m browser

## lint: ruff only
lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/ruff format --check src tests benchmarks fuzz

format: $(DEVSTAMP)
	$(BIN)/ruff format src tests benchmarks fuzz
	$(BIN)/ruff check --fix src tests benchmarks fuzz

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
