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

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export IAE_DIAG_SHARED_DIR := $(abspath $(SHARED_DIR))
export IAE_DIAG_GEO_DIR := $(if $(strip $(GEO_DIR)),$(abspath $(GEO_DIR)),)
export MPLBACKEND := Agg

.PHONY: help env raw synth data report report-dep figures calibration test test-fast bench lint clean

help: ## list the targets
	@echo "iae-diag: annual diagnostic of the IAE (fluxIAE -> indicators -> reports)"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: SHARED_DIR=$(SHARED_DIR) GEO_DIR=$(GEO_DIR) RAW_DIR=$(RAW_DIR)"
	@echo "           PROCESSED_DIR=$(PROCESSED_DIR) REPORTS_DIR=$(REPORTS_DIR) REGION=$(REGION)"
	@echo "           YEAR=$(YEAR) (empty: latest year in the data) JOBS=$(JOBS) DEP=$(DEP)"
	@echo "           YEARS=$(YEARS) SEED=$(SEED) (default synthetic dataset)"

$(STAMP): requirements.txt pyproject.toml
	@echo "== building $(VENV) from the pinned requirements (Python: $(PYTHON))"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

env: $(STAMP) ## create or refresh .venv from requirements.txt (automatic for other targets)

raw: $(STAMP) ## generate the default synthetic dataset into RAW_DIR when it holds no fluxIAE file
	@if ls $(RAW_DIR)/fluxIAE_*.csv* >/dev/null 2>&1; then \
	  echo "== using the fluxIAE files found in $(RAW_DIR)"; \
	else \
	  echo "== no fluxIAE file in $(RAW_DIR): generating the default synthetic dataset"; \
	  $(BIN)/iae-diag synth --out $(RAW_DIR) --years $(YEARS) --seed $(SEED) --region $(REGION); \
	fi

synth: $(STAMP) ## (re)generate the default synthetic dataset into RAW_DIR (replaces its fluxIAE files)
	rm -f $(RAW_DIR)/fluxIAE_*
	$(BIN)/iae-diag synth --out $(RAW_DIR) --years $(YEARS) --seed $(SEED) --region $(REGION)

data: raw ## ingest RAW_DIR into PROCESSED_DIR and compute the indicator tables
	@$(MAKE) --no-print-directory $(PROCESSED_DIR)/indicators.parquet

$(PROCESSED_DIR)/manifest.json: $(wildcard $(RAW_DIR)/fluxIAE_*) $(wildcard src/iae_diag/ingest/*.py) | $(STAMP)
	$(BIN)/iae-diag ingest --raw $(RAW_DIR) --out $(PROCESSED_DIR)

$(PROCESSED_DIR)/indicators.parquet: $(PROCESSED_DIR)/manifest.json $(wildcard src/iae_diag/indicators/*.py src/iae_diag/reference/*.csv)
	$(BIN)/iae-diag indicators --processed $(PROCESSED_DIR)

report: data ## render the region and each of its départements (HTML, PDF, JSON) into REPORTS_DIR
	$(BIN)/iae-diag report --region $(REGION) $(if $(YEAR),--year $(YEAR)) --jobs $(JOBS) \
	  --processed $(PROCESSED_DIR) --reports $(REPORTS_DIR)

report-dep: data ## render one département: make report-dep DEP=93
	@test -n "$(DEP)" || { echo "usage: make report-dep DEP=93"; exit 2; }
	$(BIN)/iae-diag report --territory dep:$(DEP) $(if $(YEAR),--year $(YEAR)) \
	  --processed $(PROCESSED_DIR) --reports $(REPORTS_DIR)

figures: data ## print the key figures of the region (TERRITORY=dep:93 for another)
	$(BIN)/iae-diag figures --processed $(PROCESSED_DIR) --territory $(or $(TERRITORY),region:$(REGION)) $(if $(YEAR),--year $(YEAR))

calibration: data ## compare the default dataset with ../shared/calibration/targets.yaml
	$(BIN)/iae-diag calibration --processed $(PROCESSED_DIR)

test: $(STAMP) ## run the whole test suite (unit tests and the end-to-end report run)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## run the tests without the slow end-to-end ones
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP) ## benchmarks (ingest, indicators, synth, report); prints `bench <name>: ratio=...`
	$(BIN)/python bench/run.py

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean: ## remove processed data and reports (never touches data/raw)
	rm -rf $(PROCESSED_DIR)/* $(REPORTS_DIR)/20* .pytest_cache
