# kubetraffic — developer entry points. `make test` bootstraps everything it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench screenshots clean venv

$(STAMP): pyproject.toml
	@scripts/bootstrap.sh "$(PYTHON)" "$(VENV)"
	@touch $(STAMP)

venv: $(STAMP)

## The bundled demo cluster: `kubetraffic --demo` (the TUI); without a terminal, its answers.
demo: $(STAMP)
	@scripts/demo.sh $(VENV)

## The whole suite: system packages, lint, types, import layers, tests.
test: $(STAMP)
	@scripts/system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Only the fast, pure tests.
unit: $(STAMP)
	$(PY) -m pytest tests/core tests/render -q

## Benchmarks (figures go in README's Performance section).
bench: $(STAMP)
	$(PY) -m bench

screenshots: $(STAMP)
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
