# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# This machine's pip config names local mirrors that may be absent; their warnings are noise.
QUIET_PIP := 2>&1 | { grep -v 'is ignored: it is neither' || true; }
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint services js-test pytest clean

$(STAMP): pyproject.toml
	@echo "==> 安装 Python 依赖到 $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip $(QUIET_PIP)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' $(QUIET_PIP)
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## make demo: SQLite, in-process jobs, demo data, local WeChat stub; prints URLs and log-ins.
## make demo PORT=8000 (HOST=0.0.0.0) serves elsewhere than 127.0.0.1:5000. Plain assignments: only the command
## line overrides them, not a PORT or HOST that happens to be in the environment.
PORT = 5000
HOST = 127.0.0.1
demo: $(STAMP)
	MINIBACK_ENV_MODE=demo $(BIN)/flask --app wsgi demo --host $(HOST) --port $(PORT)

## make test: services (MariaDB, Redis, system packages), lint, JavaScript tests, then pytest last.
test: $(STAMP) services lint js-test pytest

services:
	@bash .ci/services.sh

lint: $(STAMP)
	@echo "==> ruff / mypy / import-linter"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@$(BIN)/lint-imports

js-test:
	@if [ -f wechat/package.json ]; then \
		echo "==> 小程序 jest 测试"; \
		cd wechat && npm ci --no-audit --no-fund --loglevel=error && npx jest --ci; \
	fi

pytest: $(STAMP)
	@echo "==> pytest (MariaDB + Redis)"
	@$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis
