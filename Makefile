# The operations API. `make run` serves it locally, `make test` runs every check.
# Each tool lives in its own virtual environment under the repository (all ignored by git), installed by uv
# (itself installed from PyPI into .tools/uv) from a lock, so every machine gets the same versions:
#   .venv-run      `make run` alone: the runtime and the local server (pyproject.toml's group `run`)
#   .venv          the service, its tests and every dev tool (group `dev`, which includes `run`)
#   .venv-sam      aws-sam-cli and cfn-lint, which pin older boto3 and pydantic (envs/sam)
#   .venv-checkov  checkov, which pins its own world (envs/checkov)
# Every pin is in uv.lock (and envs/*/uv.lock); the layer's (layers/operations/requirements.lock) are
# exported from it. To add a dependency: docs/design.md, "One lock for every pin".

PYTHON ?= python3
PORT ?= 3000
VENV := .venv
RUN_VENV := .venv-run
UV_VERSION := 0.13.9
UV := .tools/uv/bin/uv
# uv uses this machine's $(PYTHON), never a Python it would download
export UV_PYTHON_DOWNLOADS := never
UV_SYNC = $(UV) sync --quiet --locked --python $(PYTHON)
LAYER_PINS := layers/operations/requirements.lock
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
PY := $(VENV)/bin/python
# dynalite (npm): the independent DynamoDB that the race and item-size tests run against. `make test` installs
# it (saying so first); `make unit` and `make test-fast` never do, and those tests skip without it, saying so.
DYNALITE_DIR := .tools/dynalite
DYNALITE := $(DYNALITE_DIR)/.stamp
DYNALITE_VERSION := 4.0.0
NPM := $(shell command -v npm 2>/dev/null)
# Debian's chromium and chromedriver: the console's browser tests and `make screenshots`. `make test` installs
# them once where apt-get can (as root), saying so first; elsewhere, and under `make unit`, those tests skip.
CHROMIUM_STAMP := .tools/chromium/.stamp
APT_GET := $(shell command -v apt-get 2>/dev/null)
SAM := $(SAM_VENV)/bin/sam
PIP_QUIET := --quiet --disable-pip-version-check --no-input
# The build's target, read from template.yaml (override with `make build ARCH=x86_64`): what deploys.
ARCH ?= $(shell awk '/^  Architecture:/{f=1} f&&/Default:/{print $$2; exit}' template.yaml)
# `make invoke` runs a build of its own for this machine's architecture, which a deploy never picks up.
HOST_ARCH := $(shell uname -m | sed -e 's/^aarch64$$/arm64/')
INVOKE_BUILD_DIR ?= .aws-sam/invoke-build
BUILD_INPUTS := template.yaml $(shell find functions layers/operations -type f \( -name '*.py' -o -name '*.lock' -o -name '*.json' -o -name Makefile \) -not -path '*/__pycache__/*' 2>/dev/null)
RUNTIME_PYTHON := $(shell awk '/Runtime: python/{sub("python","",$$2); print $$2; exit}' template.yaml)
BUILD_DIR ?= .aws-sam/build
export PYTHONPATH := $(CURDIR)/layers/operations:$(CURDIR)
export SAM_CLI_TELEMETRY := 0

# `make test-fast`: every test but the slow suites, the markers pyproject.toml describes as "slow suite: why".
SLOW_SUITES := $(shell awk -F'"' '/^  "[a-z0-9_]+: slow suite: / {sub(/:.*/, "", $$2); names = names sep $$2; sep = " or "} END {print names}' pyproject.toml)
FAST := not ($(SLOW_SUITES))

.PHONY: help test test-fast lint typecheck unit scan build run invoke openapi record-schema botocore-data client-types stream-fixtures bench clean dynalite \
	upgrade layer-pins chromium screenshots backfill

help:
	@echo "make run      serve the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB (no Docker)"
	@echo "make test     every check: ruff, mypy, pytest with coverage, sam validate --lint, cfn-lint, checkov"
	@echo "make test-fast  the tests to run while working, over every core: all but the slow suites ($(FAST));"
	@echo "             one file or test: make test-fast PYTEST_ARGS=tests/devtools; lint and types: make lint typecheck"
	@echo "make build    sam build for the template's runtime and architecture, offline, no Docker"
	@echo "make invoke   FN=<LogicalId> EVENT=events/<file>.json: run a built function on an event, no Docker."
	@echo "             It builds for this machine ($(HOST_ARCH)) into $(INVOKE_BUILD_DIR); each invoke has a fresh"
	@echo "             table unless DYNAMODB_ENDPOINT_URL=<the endpoint \`make run\` prints> shares that one:"
	@echo "             make invoke FN=PutOperationFunction EVENT=events/put_operation.json DYNAMODB_ENDPOINT_URL=..."
	@echo "make openapi  regenerate openapi.json from the code"
	@echo "make record-schema  regenerate the PUT's validation schema and its compiled validator from the models"
	@echo "make botocore-data  regenerate the layer's cut of botocore's endpoint data from the botocore installed"
	@echo "make client-types   regenerate the client's record types and summary from the server's"
	@echo "make stream-fixtures  regenerate events/dynamodb_stream_*.json from the PUT function's writes on moto"
	@echo "make dynalite install dynalite (npm) into .tools/dynalite, for the race and item-size tests"
	@echo "make bench    measure cold start, warm latency, memory and cost; writes docs/performance.md"
	@echo "make upgrade  every dependency to its latest version: the locks, the layer's pins, the record's schema,"
	@echo "             botocore's endpoint data and openapi.json regenerated, then make test. To add a dependency:"
	@echo "             add it to pyproject.toml (project.dependencies if the layer ships it, else a group: run,"
	@echo "             dev, bench), then"
	@echo "             .tools/uv/bin/uv lock && make layer-pins (docs/design.md, \"One lock for every pin\")"
	@echo "make screenshots  photograph the console (opsctl console) in headless Chromium: docs/console-*.png"
	@echo "make backfill ARGS=\"--table T --shards N --retention-days D [--dry-run]\"  re-index a deployed table (docs/operate.md)"
	@echo "make backfill ARGS=\"--table T --history-table H [--dry-run]\"  give every operation its history's sequence 1 (docs/operate.md)"

$(UV):
	$(PYTHON) -m pip install $(PIP_QUIET) --target .tools/uv uv==$(UV_VERSION)

$(VENV)/.stamp: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV_SYNC)
	touch $@

$(RUN_VENV)/.stamp: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(RUN_VENV) $(UV_SYNC) --no-default-groups --group run
	touch $@

$(DYNALITE):
	@echo "installing dynalite $(DYNALITE_VERSION) with npm into $(DYNALITE_DIR) (once): the race and item-size tests run" \
		"against it as an independent DynamoDB; without it they skip"
	npm install --prefix $(DYNALITE_DIR) --no-audit --no-fund --loglevel=error dynalite@$(DYNALITE_VERSION)
	touch $@

dynalite: $(DYNALITE)

$(CHROMIUM_STAMP):
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then mkdir -p $(@D) && touch $@; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium and chromium-driver with apt-get (once): the console's browser tests and" \
			"make screenshots drive them; without them those tests skip"; \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver \
		&& mkdir -p $(@D) && touch $@; \
	else echo "chromium or chromedriver missing, and apt-get needs root: the browser tests will skip"; fi

chromium: $(CHROMIUM_STAMP)

$(SAM_VENV)/.stamp: envs/sam/uv.lock envs/sam/pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(SAM_VENV) $(UV_SYNC) --project envs/sam
	touch $@

$(CHECKOV_VENV)/.stamp: envs/checkov/uv.lock envs/checkov/pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(CHECKOV_VENV) $(UV_SYNC) --project envs/checkov
	touch $@

# What the layer ships, as pins for its build (layers/operations/Makefile), from the same lock.
layer-pins: | $(UV)
	$(UV) export --quiet --locked --no-default-groups --no-hashes --no-emit-project -o $(LAYER_PINS)

upgrade: | $(UV)
	$(UV) lock --upgrade
	$(UV) lock --upgrade --project envs/sam
	$(UV) lock --upgrade --project envs/checkov
	$(MAKE) --no-print-directory layer-pins record-schema botocore-data openapi
	$(MAKE) --no-print-directory test

# What only `make test` installs, for its slowest suites (CI runs it on a clean machine); `make unit` skips them.
TEST_TOOLS := $(if $(NPM),$(DYNALITE)) $(if $(APT_GET),$(CHROMIUM_STAMP))

test: lint typecheck scan build $(TEST_TOOLS)
	@$(if $(NPM),,echo "npm is missing: the dynalite tests (races, item sizes) will skip")
	@$(MAKE) --no-print-directory unit

lint: $(VENV)/.stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.stamp
	$(VENV)/bin/mypy layers/operations/operations_api functions devtools ops tests client

unit: $(VENV)/.stamp
	$(PY) -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# The template tests transform the template with sam's own translator (.venv-sam).
test-fast: $(VENV)/.stamp $(SAM_VENV)/.stamp
	$(PY) -m pytest -q -n auto -m "$(FAST)" $(PYTEST_ARGS)

scan: $(SAM_VENV)/.stamp $(CHECKOV_VENV)/.stamp
	$(SAM) validate --lint --template template.yaml --region us-east-1
	$(SAM_VENV)/bin/cfn-lint template.yaml
	# --skip-download and BC_SKIP_MAPPING: checkov must not call Prisma Cloud's API (offline, no telemetry)
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation --file template.yaml

build: $(SAM_VENV)/.stamp
	LAYER_ARCH=$(ARCH) LAYER_PYTHON_VERSION=$(RUNTIME_PYTHON) PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" \
		$(SAM) build --template template.yaml --build-dir $(BUILD_DIR) --parameter-overrides Architecture=$(ARCH)
	$(SAM_VENV)/bin/python -m devtools.precompile $(BUILD_DIR) $(RUNTIME_PYTHON)

# Bytecode for what serving imports, kept inside .venv-run (the source tree stays clean) even where
# PYTHONDONTWRITEBYTECODE is set: each later start then skips compiling it (docs/performance.md, "First run").
run: $(RUN_VENV)/.stamp
	@PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(RUN_VENV)/bytecode PORT=$(PORT) \
		$(RUN_VENV)/bin/python -m devtools.local_server

$(INVOKE_BUILD_DIR)/.stamp: $(BUILD_INPUTS)
	$(MAKE) --no-print-directory build ARCH=$(HOST_ARCH) BUILD_DIR=$(INVOKE_BUILD_DIR)
	touch $@

invoke: $(VENV)/.stamp
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<LogicalId> EVENT=events/<file>.json"; exit 2; }
	@$(MAKE) --no-print-directory $(INVOKE_BUILD_DIR)/.stamp
	@BUILD_DIR=$(INVOKE_BUILD_DIR) $(PY) -m devtools.invoke $(FN) $(EVENT)

openapi: $(VENV)/.stamp
	$(PY) -m devtools.openapi > openapi.json

record-schema: $(VENV)/.stamp
	$(PY) -m devtools.record_schema

botocore-data: $(VENV)/.stamp
	$(PY) -m devtools.botocore_endpoints

client-types: $(VENV)/.stamp
	$(PY) -m devtools.client_types

stream-fixtures: $(VENV)/.stamp
	$(PY) -m devtools.stream_fixtures

# An operator's tool, run against a deployed table (docs/operate.md, "Re-indexing the list").
backfill: $(VENV)/.stamp
	$(PY) -m ops.backfill $(ARGS)

bench: $(VENV)/.stamp build $(if $(NPM),$(DYNALITE))
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV_SYNC) --group bench
	$(PY) -m devtools.bench

screenshots: $(VENV)/.stamp $(if $(APT_GET),$(CHROMIUM_STAMP))
	$(PY) -m devtools.console_screenshots

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage htmlcov
