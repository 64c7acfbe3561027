# iae-diag: reproducible annual diagnostic of the IAE.  `make help` lists the targets.
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
SHELL := bash

## --- configuration (override on the command line: make report YEAR=2012 JOBS=2) ---
PYTHON ?= $(shell command -v python3.11 || command -v python3)
SHARED_DIR ?= ../shared
GEO_DIR ?= $(SHARED_DIR)/data/geo
RAW_DIR ?= data/raw
PROCESSED_DIR ?= data/processed
REPORTS_DIR ?= reports
REGION ?= 11
YEAR ?=
JOBS ?= 2
SEED ?= 2013
YEARS ?= 2007-2013
DEP ?=
FORCE ?=

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Every path may hold spaces: recipes quote them, and the absolute paths are made by the shell
export IAE_DIAG_SHARED_DIR := $(shell realpath -m -- "$(SHARED_DIR)")
export IAE_DIAG_GEO_DIR := $(if $(strip $(GEO_DIR)),$(shell realpath -m -- "$(GEO_DIR)"),)
export MPLBACKEND := Agg

# The default synthetic dataset is generated only into the default RAW_DIR (data/raw), when it
# holds no fluxIAE file; a RAW_DIR given on the command line or in the environment must hold
# the fluxIAE files (otherwise `make data` stops with exit 2).
ifeq ($(origin RAW_DIR),file)
DEFAULT_DATASET := --default-dataset --years "$(YEARS)" --seed "$(SEED)" --region "$(REGION)"
endif

.PHONY: help env browser synth data report report-dep figures calibration test test-fast bench lint clean

help: ## list the targets
	@echo "iae-diag: annual diagnostic of the IAE (fluxIAE -> indicators -> reports)"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: SHARED_DIR=$(SHARED_DIR) GEO_DIR=$(GEO_DIR) RAW_DIR=$(RAW_DIR)"
	@echo "           PROCESSED_DIR=$(PROCESSED_DIR) REPORTS_DIR=$(REPORTS_DIR) REGION=$(REGION)"
	@echo "           YEAR=$(YEAR) (empty: latest year in the data) JOBS=$(JOBS) DEP=$(DEP)"
	@echo "           FORCE=$(FORCE) (1: render again the reports whose inputs did not change)"
	@echo "           YEARS=$(YEARS) SEED=$(SEED) (default synthetic dataset)"
	@echo
	@echo "RAW_DIR left at data/raw: the default synthetic dataset is generated there when it holds"
	@echo "no fluxIAE file. RAW_DIR given: it must hold the fluxIAE files (else exit 2, no report)."
	@echo "Ingest and indicators are redone only when the content of their inputs changed, and a"
	@echo "report only when its data, code or options changed. Paths may contain spaces."

$(STAMP): requirements.txt pyproject.toml
	@echo "== building $(VENV) from the pinned requirements (Python: $(PYTHON))"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

env: $(STAMP) ## create or refresh .venv from requirements.txt (automatic for other targets)

# The accessibility test (tests/test_report_accessibility.py) opens the reports in the Debian
# Chromium, driven by selenium through chromedriver, and audits them with axe-core (npm, pinned
# in package.json / package-lock.json). apt-get runs only when a program is missing.
AXE_JS := node_modules/axe-core/axe.min.js
APT_BROWSER := chromium chromium-driver

browser: $(AXE_JS) ## install the accessibility test's browser: chromium, chromium-driver (apt-get), axe-core (npm ci)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  echo "browser: $$(chromium --version 2>/dev/null | head -n 1), $$(chromedriver --version | head -n 1)"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "== installing $(APT_BROWSER) with apt-get"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends $(APT_BROWSER) \
	    || { apt-get update -q && apt-get install -y -q --no-install-recommends $(APT_BROWSER); }; \
	else \
	  echo "make browser: chromium or chromedriver is missing; as root run:" \
	    "apt-get install $(APT_BROWSER)" >&2; exit 2; \
	fi

$(AXE_JS): package.json package-lock.json
	@command -v npm >/dev/null || [ "$$(id -u)" != 0 ] || { echo "== installing npm with apt-get"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm; }
	@command -v npm >/dev/null || { echo "make browser: npm is missing; as root run:" \
	  "apt-get install npm" >&2; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: $(STAMP) ## regenerate the default synthetic dataset into data/raw (replaces its fluxIAE files)
	@test "$(origin RAW_DIR)" = file || { echo "make synth writes into the default data/raw only;" \
	  "for another folder: $(BIN)/iae-diag synth --out DIR"; exit 2; }
	rm -f "$(RAW_DIR)"/fluxIAE_*
	$(BIN)/iae-diag synth --out "$(RAW_DIR)" --years "$(YEARS)" --seed "$(SEED)" --region "$(REGION)"

data: $(STAMP) ## ingest RAW_DIR and compute the indicators into PROCESSED_DIR, when their content changed
	$(BIN)/iae-diag data --raw "$(RAW_DIR)" --processed "$(PROCESSED_DIR)" $(DEFAULT_DATASET)

report: data ## render the region and each of its départements (HTML, PDF, JSON) into REPORTS_DIR
	$(BIN)/iae-diag report --region "$(REGION)" $(if $(YEAR),--year "$(YEAR)") --jobs "$(JOBS)" \
	  --processed "$(PROCESSED_DIR)" --reports "$(REPORTS_DIR)" $(if $(FORCE),--force)

report-dep: data ## render one département: make report-dep DEP=93
	@test -n "$(DEP)" || { echo "usage: make report-dep DEP=93"; exit 2; }
	$(BIN)/iae-diag report --territory "dep:$(DEP)" $(if $(YEAR),--year "$(YEAR)") \
	  --processed "$(PROCESSED_DIR)" --reports "$(REPORTS_DIR)" $(if $(FORCE),--force)

figures: data ## print the key figures of the region (TERRITORY=dep:93 for another)
	$(BIN)/iae-diag figures --processed "$(PROCESSED_DIR)" \
	  --territory "$(or $(TERRITORY),region:$(REGION))" $(if $(YEAR),--year "$(YEAR)")

calibration: data ## compare the default dataset with ../shared/calibration/targets.yaml
	$(BIN)/iae-diag calibration --processed "$(PROCESSED_DIR)"

test: $(STAMP) browser ## run the whole test suite (unit tests, end-to-end report run, accessibility audit)
	$(BIN)/python -m pytest

test-fast: $(STAMP) browser ## run the tests without the slow end-to-end ones
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP) ## benchmarks (ingest, indicators, synth, report; memory of a 20 M-row ingest): `bench <name>: ...`
	$(BIN)/python bench/run.py

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean: ## remove processed data and reports (never touches data/raw)
	rm -rf "$(PROCESSED_DIR)"/* "$(REPORTS_DIR)"/20* "$(REPORTS_DIR)"/.20* \
	  "$(REPORTS_DIR)"/.iae-diag-report.lock .pytest_cache
