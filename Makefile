# Everything runs from a local virtual environment (.venv) built from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck check i18n-extract i18n-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## Seed the embedded SQLite database with demo data and open the console as the demo member.
demo: $(STAMP)
	$(BIN)/alumni demo

## The test suite (SQLite by default; set ALUMNI_TEST_DATABASE_URL for PostgreSQL).
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check core bots tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy core

check: lint typecheck test

## After changing user-facing strings: refresh the template and every catalog, then translate
## the new entries (`make i18n-check` lists what is missing).
i18n-extract: $(STAMP)
	$(BIN)/alumni i18n extract
	$(BIN)/alumni i18n update

i18n-check: $(STAMP)
	$(BIN)/alumni i18n check

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
