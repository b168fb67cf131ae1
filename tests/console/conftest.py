"""Browser journeys through the built console: the app on a real port, Debian's Chromium driven by Playwright.

Each journey fails on any JavaScript error, console error or failed request it did not declare with
``desk.expect_failure(...)``, and saves its screenshots under ``build/screenshots/console/`` to be looked at.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from miniback.console import DIST
from miniback.extensions import db
from miniback.models import Account
from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = ROOT / "build" / "screenshots" / "console"
DESK_PASSWORD = "Console-Pass-2026"
# When the page navigates on while Werkzeug's development server is still sending it a console asset, the server
# drops the connection without closing the asset's file, and the garbage collector reports that file in whatever
# test runs then. It is the test server's habit (gunicorn closes it), so only that report is let through.
DROPPED_ASSET = r"ignore:Exception ignored in.*miniback/console/dist/:pytest.PytestUnraisableExceptionWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/console/" in item.nodeid or item.nodeid.startswith("console/"):
            item.add_marker(pytest.mark.filterwarnings(DROPPED_ASSET))


def give_password(account: Account, username: str | None = None) -> Account:
    """Let a factory-made account log in to the console with ``DESK_PASSWORD``."""
    account.username = username or account.username or f"{account.role}-{account.id}"
    account.password_hash = generate_password_hash(DESK_PASSWORD, method="scrypt")
    db.session.commit()
    return account


@pytest.fixture(scope="session")
def console_build() -> Path:
    if not (DIST / "index.html").is_file():
        pytest.fail("网页工作台尚未构建：先运行 make console（make test 会自动构建）")
    return DIST


@pytest.fixture
def console_server(app: Flask, console_build: Path) -> Iterator[str]:
    """The app on a free port (werkzeug, threaded), reading the same MariaDB test database."""
    app.config["PUBLIC_RATE_LIMIT"] = "100000 per minute"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Desk:
    """A desktop browser tab on the console, watching for errors."""

    page: Any
    base: str
    name: str
    problems: list[str] = field(default_factory=list)
    # The console asks GET /me on its first page to learn whether anyone is logged in: 401 is its "no".
    expected: list[tuple[int, re.Pattern[str]]] = field(default_factory=lambda: [(401, re.compile(r"/api/v1/me$"))])
    shots: list[Path] = field(default_factory=list)

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base + "/console" + path)

    def login(self, username: str, password: str = DESK_PASSWORD) -> None:
        self.open("/login")
        self.page.get_by_label("登录名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(re.compile(r"/console/(?!login)"))

    def expect_failure(self, status: int, url_pattern: str) -> None:
        """Declare an API answer this journey provokes on purpose (a 422 of a bad form, a 404 of a foreign id)."""
        self.expected.append((status, re.compile(url_pattern)))

    def shot(self, label: str) -> Path:
        self.page.wait_for_load_state("networkidle")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{len(self.shots) + 1:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def _expected(self, status: int, url: str) -> bool:
        return any(status == code and pattern.search(url) for code, pattern in self.expected)

    def watch(self) -> None:
        page = self.page

        def on_console(message: Any) -> None:
            # Chromium logs every 4xx/5xx fetch as "Failed to load resource"; the response hook judges those.
            if message.type == "error" and "Failed to load resource" not in message.text:
                self.problems.append(f"console error: {message.text}")

        def on_response(response: Any) -> None:
            if response.status >= 400 and not self._expected(response.status, response.url):
                self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))

        def on_request_failed(request: Any) -> None:
            # A request the page itself cancelled by navigating on (a slow machine, a quick click) is not a failure.
            if request.failure != "net::ERR_ABORTED":
                self.problems.append(f"failed: {request.url} {request.failure}")

        page.on("requestfailed", on_request_failed)
        page.on("response", on_response)
        page.on("dialog", lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def desk(browser: Any, console_server: str, request: pytest.FixtureRequest) -> Iterator[Desk]:
    """A 1440×900 zh-CN tab; the test fails if anything went wrong in the page that it did not declare."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    name = request.node.name.removeprefix("test_")
    desk = Desk(page=context.new_page(), base=console_server, name=name)
    desk.watch()
    try:
        yield desk
    finally:
        context.close()
    assert not desk.problems, "\n".join(desk.problems)
