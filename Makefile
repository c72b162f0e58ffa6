# Task runner; `make test` is what CI runs (through .ci/run).
PY ?= python3

.PHONY: setup build test lint bench docs clean

setup:
	$(PY) -m pip install -e '.[dev]'

build:
	$(PY) -m toolkit build --period 2025-Q4

test:
	$(PY) -m pytest

lint:
	$(PY) -m ruff check toolkit tests bench

docs:
	$(PY) -m toolkit.docs

bench:
	$(PY) bench/run.py

clean:
	rm -rf data/processed/* .pytest_cache .ruff_cache
	touch data/processed/.gitkeep
