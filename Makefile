# Ceļvedis: `make chat` sets up and starts the terminal chat; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup chat run test lint typecheck eval bench validate clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

chat: setup
	@$(PY) -m bot chat

run: setup
	@$(PY) -m bot run

test: setup
	@$(PY) -m pytest

lint: setup
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .

typecheck: setup
	@$(PY) -m mypy

validate: setup
	@$(PY) -m bot validate

eval: setup
	@$(PY) -m bot eval

bench: setup
	@$(PY) bench/run.py $(BENCH_ARGS)  # BENCH_ARGS="--database URL --memory-minutes 10 --webhook-rounds 2"

clean:
	rm -rf $(VENV) var .pytest_cache
