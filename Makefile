# The operations API. `make run` serves it locally, `make test` runs every check.
# Each tool lives in its own virtual environment under the repository (all ignored by git):
#   .venv          the service, its tests and the local server (requirements-dev.txt)
#   .venv-sam      aws-sam-cli and cfn-lint, which pin older boto3 and pydantic (requirements-sam.txt)
#   .venv-checkov  checkov, which pins its own world (requirements-checkov.txt)

PYTHON ?= python3
PORT ?= 3000
VENV := .venv
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
PY := $(VENV)/bin/python
# dynalite (npm): the independent DynamoDB that the race and item-size tests run against. Where npm is
# missing, `make unit` goes on without it and those tests skip, saying so.
DYNALITE_DIR := .tools/dynalite
DYNALITE := $(DYNALITE_DIR)/.stamp
DYNALITE_VERSION := 4.0.0
NPM := $(shell command -v npm 2>/dev/null)
# Debian's chromium and chromedriver: the console's browser tests and `make screenshots`. Installed once where
# apt-get can (as root); elsewhere those tests skip, saying so.
CHROMIUM_STAMP := .tools/chromium/.stamp
APT_GET := $(shell command -v apt-get 2>/dev/null)
SAM := $(SAM_VENV)/bin/sam
PIP_QUIET := --quiet --disable-pip-version-check --no-input
# The build's target, read from template.yaml (override with `make build ARCH=x86_64`).
ARCH ?= $(shell awk '/^  Architecture:/{f=1} f&&/Default:/{print $$2; exit}' template.yaml)
RUNTIME_PYTHON := $(shell awk '/Runtime: python/{sub("python","",$$2); print $$2; exit}' template.yaml)
BUILD_DIR ?= .aws-sam/build
export PYTHONPATH := $(CURDIR)/layers/operations:$(CURDIR)
export SAM_CLI_TELEMETRY := 0

.PHONY: help test lint typecheck unit scan build run invoke openapi record-schema client-types bench clean dynalite \
	chromium screenshots

help:
	@echo "make run      serve the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB (no Docker)"
	@echo "make test     every check: ruff, mypy, pytest with coverage, sam validate --lint, cfn-lint, checkov"
	@echo "make build    sam build for the template's runtime and architecture, offline, no Docker"
	@echo "make invoke   FN=<LogicalId> EVENT=events/<file>.json: run a built function on an event, no Docker"
	@echo "make openapi  regenerate openapi.json from the code"
	@echo "make record-schema  regenerate the PUT's validation schema from the models"
	@echo "make client-types   regenerate the client's record types and summary from the server's"
	@echo "make dynalite install dynalite (npm) into .tools/dynalite, for the race and item-size tests"
	@echo "make bench    measure cold start, warm latency, memory and cost; writes docs/performance.md"
	@echo "make screenshots  photograph the console (opsctl console) in headless Chromium: docs/console-*.png"

$(VENV)/.stamp: requirements-dev.txt layers/operations/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) --upgrade pip
	$(PY) -m pip install $(PIP_QUIET) -r requirements-dev.txt
	$(PY) -m pip install $(PIP_QUIET) --no-deps -e ./client
	touch $@

$(DYNALITE):
	npm install --prefix $(DYNALITE_DIR) --no-audit --no-fund --loglevel=error dynalite@$(DYNALITE_VERSION)
	touch $@

dynalite: $(DYNALITE)

$(CHROMIUM_STAMP):
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then mkdir -p $(@D) && touch $@; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver \
		&& mkdir -p $(@D) && touch $@; \
	else echo "chromium or chromedriver missing, and apt-get needs root: the browser tests will skip"; fi

chromium: $(CHROMIUM_STAMP)

$(SAM_VENV)/.stamp: requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install $(PIP_QUIET) --upgrade pip
	$(SAM_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements-sam.txt
	touch $@

$(CHECKOV_VENV)/.stamp: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install $(PIP_QUIET) --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements-checkov.txt
	touch $@

test: lint typecheck scan build unit

lint: $(VENV)/.stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.stamp
	$(VENV)/bin/mypy layers/operations/operations_api functions devtools tests client

unit: $(VENV)/.stamp $(if $(NPM),$(DYNALITE)) $(if $(APT_GET),$(CHROMIUM_STAMP))
	$(PY) -m pytest --cov --cov-report=term $(PYTEST_ARGS)

scan: $(SAM_VENV)/.stamp $(CHECKOV_VENV)/.stamp
	$(SAM) validate --lint --template template.yaml --region us-east-1
	$(SAM_VENV)/bin/cfn-lint template.yaml
	# --skip-download and BC_SKIP_MAPPING: checkov must not call Prisma Cloud's API (offline, no telemetry)
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation --file template.yaml

build: $(SAM_VENV)/.stamp
	LAYER_ARCH=$(ARCH) LAYER_PYTHON_VERSION=$(RUNTIME_PYTHON) PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" \
		$(SAM) build --template template.yaml --build-dir $(BUILD_DIR) --parameter-overrides Architecture=$(ARCH)
	$(SAM_VENV)/bin/python -m devtools.precompile $(BUILD_DIR) $(RUNTIME_PYTHON)

run: $(VENV)/.stamp
	PORT=$(PORT) $(PY) -m devtools.local_server

invoke: $(VENV)/.stamp
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<LogicalId> EVENT=events/<file>.json"; exit 2; }
	@$(PY) -m devtools.invoke $(FN) $(EVENT)

openapi: $(VENV)/.stamp
	$(PY) -m devtools.openapi > openapi.json

record-schema: $(VENV)/.stamp
	$(PY) -m devtools.record_schema

client-types: $(VENV)/.stamp
	$(PY) -m devtools.client_types

bench: $(VENV)/.stamp build $(if $(NPM),$(DYNALITE))
	$(PY) -m pip install $(PIP_QUIET) -r requirements-bench.txt
	$(PY) -m devtools.bench
	$(PY) -m devtools.bench_client
	$(PY) -m devtools.bench_list
	$(PY) -m devtools.bench_events

screenshots: $(VENV)/.stamp $(if $(APT_GET),$(CHROMIUM_STAMP))
	PYTHONPATH=$(CURDIR)/client:$(PYTHONPATH) $(PY) -m devtools.console_screenshots

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage htmlcov
