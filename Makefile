# 福島県 行政DX LOD — make run (build + serve), make test (every test), make bench.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DIST   ?= dist
export HOST PORT

.PHONY: install install-test assets system-deps build template run console test lint bench harden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed assets

install-test: $(VENV)/.installed-test assets system-deps

assets:
	@if [ -x scripts/install-assets.sh ]; then scripts/install-assets.sh; fi

system-deps:
	scripts/install-system-deps.sh

build: $(VENV)/.installed
	$(BIN)/python -m converter build --out $(DIST)

# The staff's workbook for the next edition (docs: README, 原表の更新): build/dx-kpi-fy<year>.xlsx
TEMPLATE_OUT ?= build/
template: $(VENV)/.installed
	$(BIN)/python -m converter template --out $(TEMPLATE_OUT)

run: install build
	$(BIN)/python -m server

# The staff console (issue 24) on DX_CONSOLE_HOST:DX_CONSOLE_PORT (127.0.0.1:8001): the first
# release is made from data/publication.toml when none is live; accounts come from
# `python -m console add-user NAME --role editor|publisher` (README, the console).
console: install
	$(BIN)/python -m console init --if-missing
	$(BIN)/python -m console

FIGURES := test-artifacts/harden/figures

# Every test; the hardening suite (tests/harden/) in its short form, its figures in $(FIGURES).md.
test: install-test lint
	rm -f $(FIGURES).jsonl
	$(BIN)/python -m pytest -n 2
	$(BIN)/python -m tests.harden.figures > $(FIGURES).md

# The hardening suite in full (DX_HARDEN=full), one test at a time so that the load figures
# are not shared with other tests; the table the README shows is $(FIGURES).md.
harden: install-test
	rm -f $(FIGURES).jsonl
	DX_HARDEN=full $(BIN)/python -m pytest tests/harden -p no:xdist
	$(BIN)/python -m tests.harden.figures > $(FIGURES).md
	cat $(FIGURES).md

# Style, types and the dependency rules (import-linter contracts in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy converter server console bench
	$(BIN)/lint-imports

bench: install-test build
	scripts/install-bench-deps.sh
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(DIST) .pytest_cache test-artifacts
