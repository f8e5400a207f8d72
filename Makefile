# Attune — `make help` lists the targets. Everything a target needs is installed by it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test test-fast lint format check audit migrate seed lock bench compose-check clean messages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Attune needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

.env:
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env for local development (DEBUG on, a random SECRET_KEY)."

var/.dirs:
	mkdir -p var/celery/queue var/celery/processed var/celery/control var/outbox var/media
	touch var/.dirs

migrate: $(STAMP) .env var/.dirs ## Apply database migrations and load the instrument library
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

seed: migrate ## Load the fictional demo practice (only with DEBUG on)
	$(BIN)/python manage.py seed_demo

run: seed ## Set up everything and start the web server, Celery worker and beat (Ctrl-C stops all)
	@echo ""
	@echo "  Attune is starting on http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password attune-demo): owner@example.com, clinician@example.com, clinician2@example.com"
	@echo "  E-mails the app sends: http://127.0.0.1:$(PORT)/dev/outbox/"
	@echo ""
	PORT=$(PORT) WEB_PORT=$(PORT) exec $(BIN)/honcho --procfile Procfile.dev start

test: $(STAMP) ## Run the whole test suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) ## Run the suite without browser and integration tests
	$(BIN)/python -m pytest -m "not browser and not integration" $(PYTEST_ARGS)

lint: $(STAMP) ## ruff lint and format check; import-linter holds the layers (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(STAMP) ## Migrations up to date, and the deploy checklist under production settings
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=attune.example.org DATABASE_URL=sqlite:///var/check.sqlite3 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# Advisories judged not to apply to Attune, each as `--ignore-vuln ID` with a comment saying
# why (for example: only on Windows, or a feature we do not use). Any other advisory against a
# locked version fails `make audit` until the lock moves past it or it is listed here.
AUDIT_IGNORE :=

audit: $(STAMP) ## Check both lock files for known vulnerabilities (PyPI's advisory data; needs network)
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off $(AUDIT_IGNORE) \
	  -r requirements.lock -r requirements-dev.lock

# The compiled catalogue (locale/*/LC_MESSAGES/django.mo) is committed, so running Attune needs only
# Python; this target is for whoever changes a marked string or a translation (GNU gettext).
messages: $(STAMP) ## Update locale/es's catalogue from the marked strings and compile it (needs GNU gettext)
	DEBUG=true $(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=tests --ignore=var --add-location=file
	DEBUG=true $(BIN)/python manage.py compilemessages -l es --ignore=.venv

compose-check: ## Validate docker-compose.yml (needs the docker-compose command)
	docker-compose -f docker-compose.yml config -q

lock: ## Re-resolve dependencies from pyproject.toml into the two lock files
	$(BIN)/python -m piptools compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/python -m piptools compile -q --extra dev --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.lock pyproject.toml

bench: $(STAMP) ## Run the benchmarks in bench/ and rewrite BENCHMARKS.md
	$(BIN)/python bench/run.py

.PHONY: screenshots
screenshots: $(STAMP) ## Seed the demo into a throwaway database and capture the README's docs/screenshots/ (Chromium, pdftoppm)
	$(BIN)/python scripts/screenshots.py

clean: ## Remove the virtualenv and local data under var/ (keeps .env)
	rm -rf $(VENV) var
