# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck bench schema constraints workflows clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/python -m reconciler.demo

# The whole check, as CI runs it: lint, types, then the suite on both cores.
test: lint typecheck
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests benchmarks tools
	$(BIN)/ruff format --check reconciler tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/callfwd schema > schemas/manifest.v1.schema.json

# The exact versions of the runtime dependencies this virtualenv tested (shipped with callfwd;
# the action installs with it). Run after upgrading a dependency and `make test`.
constraints: $(STAMP)
	$(BIN)/python tools/constraints.py > reconciler/constraints.txt

# This repository's workflows, from the templates `callfwd init` writes (one source).
workflows: $(STAMP)
	$(BIN)/python -m reconciler.engine.workflows .github/workflows

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
