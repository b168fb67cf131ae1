"""The public page in a real headless Chromium (Debian's, driven by Playwright), served by a real HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from werkzeug.serving import make_server

from miniback.extensions import db
from miniback.models import utcnow
from miniback.public.history import local_today
from signoff.operations import Signature, record_submitted, sign
from tests.factories.public import insert_record
from tests.factories.registry import make_staff, make_world

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a free port (werkzeug in a thread), reading the same MariaDB test database."""
    app.config["PUBLIC_RATE_LIMIT"] = "100000 per minute"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser_page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_resident_sees_masked_history_in_a_real_browser(live_server, browser_page, tmp_path):
    page = browser_page
    world = make_world()
    elevator = world.elevators[0]
    elevator.position = '1 号客梯<img src=x onerror="alert(1)">'
    elevator.rescue_code = "44017"
    today = local_today()
    li = make_staff(world.admin, "technician", world.team1, "李强")
    insert_record(elevator, [world.tech2], today - timedelta(days=15), late_upload=True)
    latest = insert_record(elevator, [world.tech1, li], today - timedelta(days=1), "quarter")
    now = utcnow()
    record_submitted(latest, now=now, min_window=timedelta(hours=2))
    sign(latest.id, world.manager, Signature(b"\x89PNG\r\n\x1a\nmanager", 10, 10), now=now)
    db.session.commit()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    response = page.goto(f"{live_server}/e/{elevator.public_code}")
    assert response is not None and response.status == 200
    body = page.inner_text("body")
    for shown in (
        elevator.address,
        "曳引与强制驱动电梯",
        elevator.device_code,
        "44017",
        world.use_unit.name,
        world.unit.name,
        "020-38889999",
        "张*明、李*",
        "李*强",
        "已签字确认",
        "待确认",
        "逾期上传",
        "维保按期进行中",
    ):
        assert shown in body
    assert '<img src=x onerror="alert(1)">' in body  # shown as text, never run
    assert all(name not in page.content() for name in ("张伟明", "李强", "李国强"))
    assert page.locator("a.tel").get_attribute("href") == "tel:020-38889999"
    assert dialogs == []
    # Mobile first: nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot = tmp_path / "public_page.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000


def test_unknown_code_shows_the_friendly_404_page_in_a_real_browser(live_server, browser_page, tmp_path):
    page = browser_page
    response = page.goto(f"{live_server}/e/nosuchcode2345")
    assert response is not None and response.status == 404
    assert page.title() == "未找到该电梯 · 电梯维保公示"
    assert "未找到该电梯" in page.inner_text("h1")
    page.screenshot(path=str(tmp_path / "not_found.png"), full_page=True)
