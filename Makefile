# samen: make demo (run the example round), make test (every test), make bench (speed).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo example test lint unit bench bench-quick clean setup web-demo
.PHONY: browser test-browser test-postgres postgres-stop load
PG_STAMP := $(VENV)/.installed-postgres
BROWSER_STAMP := $(VENV)/.installed-browser
LOAD_STAMP := $(VENV)/.installed-load

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[web,analytics,dev,bench]'
	touch $(STAMP)

# The default synthetic city: allocate it, compare the baseline with group-wise choice,
# simulate ten years of its social housing under five rule sets, write the council report,
# then serve the platform with that round (Ctrl-C stops it).
DEMO := out/demo
demo: $(STAMP)
	rm -rf $(DEMO)
	$(VENV)/bin/samen city $(DEMO)/city
	$(VENV)/bin/samen allocate $(DEMO)/city
	$(VENV)/bin/samen scenarios examples/scenarios/groupwise.toml --out $(DEMO)/scenarios
	$(VENV)/bin/samen housing simulate examples/housing/ten-years.toml --out $(DEMO)/housing
	$(VENV)/bin/samen report $(DEMO)/city --scenarios $(DEMO)/scenarios/scenarios.json \
		--housing $(DEMO)/housing/housing.json --out $(DEMO)/report.html
	@echo "The council report: $(DEMO)/report.html (open it in a browser; it works offline)"
	$(VENV)/bin/samen web demo --round $(DEMO)/city --data $(DEMO)/web

# The two example rounds of the allocation rules (Mechelen under the Flemish decree in force,
# Amsterdam primary with walking distances), and the two housing rounds, without the platform.
example: $(STAMP)
	rm -rf $(DEMO)-example $(DEMO)-amsterdam $(DEMO)-housing-mechelen $(DEMO)-housing-amsterdam
	$(VENV)/bin/samen allocate examples/mechelen-2027 --out $(DEMO)-example
	$(VENV)/bin/samen allocate examples/amsterdam-po-2027 --out $(DEMO)-amsterdam
	$(VENV)/bin/samen housing allocate examples/housing-mechelen-2027 --out $(DEMO)-housing-mechelen
	$(VENV)/bin/samen housing allocate examples/housing-amsterdam-2027 --out $(DEMO)-housing-amsterdam

web-demo: $(STAMP)
	$(VENV)/bin/samen web demo

# style, types (engine, io, analytics), and the import layers (pyproject.toml, importlinter)
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/ruff format --check src tests bench examples
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: $(STAMP) browser
	$(PY) -m pytest --doctest-modules src/samen tests

test: lint unit test-postgres

# tests/web again, on a PostgreSQL server of the project's own (scripts/postgres.sh)
test-postgres: $(PG_STAMP)
	@url=$$(sh scripts/postgres.sh start) && \
	SAMEN_TEST_DATABASE_URL=$$url $(PY) -m pytest tests/web; \
	status=$$?; sh scripts/postgres.sh stop; exit $$status

postgres-stop:
	sh scripts/postgres.sh stop

# Debian's Chromium and Playwright, for tests/browser (which `unit` runs)
browser: $(BROWSER_STAMP)
	sh scripts/browser.sh $(PY)

test-browser: browser
	$(PY) -m pytest tests/browser

$(PG_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[postgres]'
	touch $@

$(BROWSER_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[browser]'
	touch $@

$(LOAD_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[postgres,load]'
	touch $@

# not part of `make test`: 20,000 families, >= 300 list submissions a second (docs/testing.md)
load: $(LOAD_STAMP)
	$(PY) -m bench.load

bench: $(STAMP)
	$(PY) -m bench.run

bench-quick: $(STAMP)
	$(PY) -m bench.run --quick

clean:
	rm -rf out bench/out .pytest_cache .mypy_cache .ruff_cache .hypothesis
