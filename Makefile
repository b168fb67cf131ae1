# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# This machine's pip config names local mirrors that may be absent; their warnings are noise.
QUIET_PIP := 2>&1 | { grep -v 'is ignored: it is neither' || true; }
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint services js-test pytest console previews clean

$(STAMP): pyproject.toml
	@echo "==> 安装 Python 依赖到 $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip $(QUIET_PIP)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' $(QUIET_PIP)
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## make console: the web console (console/, Vue + Vite) built into miniback/console/dist, served at /console.
## Rebuilt only when its sources or lockfile change; `npm ci` only when the lockfile does.
CONSOLE_SOURCES := $(shell find console/src console/index.html console/vite.config.js console/package.json -type f 2>/dev/null)
CONSOLE_BUILD := miniback/console/dist/index.html
CONSOLE_DEPS := console/node_modules/.package-lock.json

$(CONSOLE_DEPS): console/package-lock.json
	@echo "==> 安装网页工作台依赖 (npm ci)"
	@cd console && npm ci --no-audit --no-fund --loglevel=error

$(CONSOLE_BUILD): $(CONSOLE_DEPS) $(CONSOLE_SOURCES)
	@echo "==> 构建网页工作台 (vite build)"
	@cd console && npx vite build --logLevel warn
	@touch $(CONSOLE_BUILD)

console: $(CONSOLE_BUILD)

## make demo: SQLite, in-process jobs, demo data, local WeChat stub; prints URLs and log-ins.
## make demo PORT=8000 (HOST=0.0.0.0) serves elsewhere than 127.0.0.1:5000. Plain assignments: only the command
## line overrides them, not a PORT or HOST that happens to be in the environment.
PORT = 5000
HOST = 127.0.0.1
demo: $(STAMP) $(CONSOLE_BUILD)
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

js-test: $(CONSOLE_DEPS)
	@if [ -f wechat/package.json ]; then \
		echo "==> 小程序：微信编译器 (wcc/wcsc) 与配置检查、包大小、适老化，然后 jest 测试"; \
		cd wechat && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check && npx jest --ci; \
	fi
	@echo "==> 网页工作台 Vitest 测试"
	@cd console && npx vitest run

## make previews: every mini-program page in each of its states (wechat/previews/<page>.states.js) as a 375×812
## PNG in build/previews/wechat/ (ignored by git), rendered from WeChat's own compilers in headless Chromium.
WECHAT_DEPS := wechat/node_modules/.package-lock.json
$(WECHAT_DEPS): wechat/package-lock.json
	@echo "==> 安装小程序依赖 (npm ci)"
	@cd wechat && npm ci --no-audit --no-fund --loglevel=error

previews: $(STAMP) $(WECHAT_DEPS)
	@echo "==> 小程序页面预览 → build/previews/wechat/"
	@$(BIN)/python -m tests.wechat.previews build/previews/wechat

# The browser journeys (tests/console/) drive the built console.
pytest: $(STAMP) $(CONSOLE_BUILD)
	@echo "==> pytest (MariaDB + Redis)"
	@$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance console/node_modules miniback/console/dist .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis
