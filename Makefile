# cjrec: two commands for users (make demo, make test), a few more for developers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SOPS_DISABLE_VERSION_CHECK := 1
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test lint soak bench dist clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not soak"

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests scripts benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m benchmarks --out BENCHMARKS.md

soak: $(STAMP)
	$(BIN)/python -m pytest -q -m soak

# the sdist and the wheel (templates and JSON Schema inside), checked as PyPI would: needs only PyPI
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*
	rm -rf build/lib build/bdist.* cjrec.egg-info  # setuptools' scratch (build/ also holds the test figures)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist
