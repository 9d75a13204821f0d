# One entry point for everything: `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: help venv demo test test-unit test-workflows lint format typecheck clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	@test -d $(VENV) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the pinned toolchain into $(VENV) (first run only) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## Create .venv and install the pinned toolchain (other targets do this for you)

demo: $(STAMP) ## Run sample orders through the real workflow on the embedded emulator
	@$(BIN)/python -m devstack.demo

test: $(STAMP) ## Run the whole offline suite: unit and workflow tests
	@$(BIN)/python -m pytest

test-unit: $(STAMP) ## Run the unit tests only
	@$(BIN)/python -m pytest -m unit

test-workflows: $(STAMP) ## Run the workflow tests only (real ASL + handlers on moto)
	@$(BIN)/python -m pytest -m workflow

# A working CPython 3.13 (the Lambda runtime): on PATH, or the newest 3.13 pyenv holds.
PYTHON313 ?= $(shell for p in python3.13 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -1); do "$$p" --version >/dev/null 2>&1 && { echo "$$p"; break; }; done)

lint: $(STAMP) ## ruff (lint + format check), mypy, and the Lambdas compiled by Python 3.13
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@if [ -n "$(PYTHON313)" ]; then \
		$(PYTHON313) -m compileall -q lambdas && echo "lambdas/ compiles under $$($(PYTHON313) --version) (the deployed runtime)"; \
	else echo "python3.13 not found: skipped compiling lambdas/ for the python3.13 runtime"; fi

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
