# vemtas — the two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint bench install clean node

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# npm packages for the federation composition test and the graphql-http audit; no lock file is
# written (it would name the registry's host), versions are pinned in each package.json.
node:
	@if command -v npm >/dev/null 2>&1; then \
	  (cd tests/federation && (test -d node_modules/@apollo/composition || npm install --no-package-lock --no-audit --no-fund --silent)) && \
	  (cd tests/http_audit && (test -d node_modules/graphql-http || npm install --no-package-lock --no-audit --no-fund --silent)); \
	else echo "npm not found: the federation composition test and the graphql-http audit will be skipped"; fi

run: $(STAMP)
	$(BIN)/vemtas serve --with-mocks

# The engine's own suite runs first under coverage (100 % line and branch of assessment/),
# then everything else.
test: $(STAMP) node
	$(BIN)/python -m pytest tests/assessment --cov=assessment --cov-branch --cov-fail-under=100 --cov-report=term-missing:skip-covered -q
	$(BIN)/python -m pytest --ignore=tests/assessment

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
