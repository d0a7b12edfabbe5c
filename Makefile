# samen: make demo (run the example round), make test (every test), make bench (speed).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint unit bench bench-quick clean setup web-demo

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf out/demo
	$(VENV)/bin/samen allocate examples/mechelen-2027 --out out/demo

web-demo: $(STAMP)
	$(VENV)/bin/samen web demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/ruff format --check src tests bench examples
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest --doctest-modules src/samen tests

test: lint unit

bench: $(STAMP)
	$(PY) -m bench.run

bench-quick: $(STAMP)
	$(PY) -m bench.run --quick

clean:
	rm -rf out bench/out .pytest_cache .mypy_cache .ruff_cache .hypothesis
