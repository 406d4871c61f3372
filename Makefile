# cjrec: two commands for users (make demo, make test), a few more for developers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SOPS_DISABLE_VERSION_CHECK := 1
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test test-fast lint soak bench dist clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,bench,receiver]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not soak"

# the unit folders, in one process; --pure deselects or skips every test that needs sops, a
# sandbox, an S3 server, a child process or a socket (tests/support/pure_run.py)
FAST_TESTS := tests/applier tests/architecture tests/cli tests/client tests/kinds tests/manifest tests/planner \
	tests/pricing tests/receiver tests/render tests/secrets tests/state

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not soak" --pure $(FAST_TESTS)

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
