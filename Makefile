# HA Runbook: every target installs what it needs; a fresh Debian 12 machine needs nothing by hand.
# Fragments in mk/*.mk add the targets of each part (testbed, guide, exports, benchmarks).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNBOOK := $(BIN)/runbook
PYTEST_ARGS ?=

.PHONY: help setup lock lint format test unit

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv from the pinned, hashed requirements.lock

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps -e .
	touch $@

lock: ## re-pin requirements.in into requirements.lock (needs network)
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile --quiet --python-version 3.11 --generate-hashes requirements.in -o requirements.lock

lint: $(STAMP) ## ruff lint and format check, mypy type check (configured in pyproject.toml)
	$(BIN)/ruff check extensions tests bench conf.py
	$(BIN)/ruff format --check extensions tests bench conf.py
	$(BIN)/mypy

format: $(STAMP) ## apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix extensions tests bench conf.py
	$(BIN)/ruff format extensions tests bench conf.py

unit: $(STAMP) ## the tests that need no testbed and no browser
	$(BIN)/pytest -m "not testbed and not browser" $(PYTEST_ARGS)

test: $(STAMP) lint testbed-deps browser-deps ## the CI command: lint and every test, testbed and browser included
	$(BIN)/pytest $(PYTEST_ARGS)

-include mk/*.mk
