"""The interactive API reference in a real headless Chromium: it renders every operation and loads nothing from
another host."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.public.test_browser import CHROMIUM, CHROMIUM_ARGS, live_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow


def test_api_reference_renders_every_operation_from_local_files_only(live_server, client, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    document = client.get("/api/v1/openapi.json").json
    operations = sum(len(ops) for ops in document["paths"].values())
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.on("request", lambda request: requested.append(request.url))
        try:
            response = page.goto(f"{live_server}/api/v1/docs/")
            assert response is not None and response.status == 200
            page.wait_for_selector(".opblock-summary", timeout=30000)
            page.wait_for_load_state("networkidle")
            assert rendered_operations(page) == operations
            assert "miniback" in page.locator(".info .title").inner_text()
            page.screenshot(path=str(tmp_path / "api-docs-overview.png"))
            registration = page.locator("#operations-elevators-post_api_v1_elevators")
            scroll_until_drawn(page, registration)
            registration.locator(".opblock-summary").click()
            created = registration.locator('tr.response[data-code="201"]')
            created.wait_for(timeout=10000)
            assert registration.locator('tr.response[data-code="200"]').count() == 1
            created.evaluate("row => row.scrollIntoView({block: 'start'})")
            screenshot = tmp_path / "api-docs.png"
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10000
    local = urlsplit(live_server).netloc
    fetched = [url for url in requested if urlsplit(url).scheme in ("http", "https")]
    assert f"{live_server}/api/v1/openapi.json" in fetched
    assert [url for url in fetched if urlsplit(url).netloc != local] == []


def rendered_operations(page: Any) -> int:
    """How many distinct operations Swagger UI draws from the top of the page to the bottom. With a document this
    large it draws only the operations near the viewport, so scroll through and collect their ids."""
    seen: set[str] = set()
    page.evaluate("() => window.scrollTo(0, 0)")
    while True:
        seen |= set(page.eval_on_selector_all(".opblock", "blocks => blocks.map(block => block.id)"))
        at_bottom = page.evaluate("() => window.innerHeight + window.scrollY >= document.body.scrollHeight - 2")
        if at_bottom:
            break
        page.evaluate("() => window.scrollBy(0, window.innerHeight / 2)")
        page.wait_for_timeout(50)
    page.evaluate("() => window.scrollTo(0, 0)")
    return len(seen)


def scroll_until_drawn(page: Any, locator: Any) -> None:
    """Scroll down until Swagger UI draws ``locator`` (it draws only what is near the viewport)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    while locator.count() == 0:
        assert not page.evaluate("() => window.innerHeight + window.scrollY >= document.body.scrollHeight - 2")
        page.evaluate("() => window.scrollBy(0, window.innerHeight / 2)")
        page.wait_for_timeout(50)
