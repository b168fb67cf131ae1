"""The verification page in a real headless Chromium (Debian's, driven by Playwright): ✓ on a good record, ✗ on a
tampered one, the friendly 404; mobile first. Screenshots are saved under ``MINIBACK_SCREENSHOT_DIR`` if set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from miniback.extensions import db
from miniback.records.verification import verification_code_of
from signoff.ledger.checkpoints import build_checkpoint
from tests.factories.ledger import attacker
from tests.factories.records import submitted_record
from tests.factories.registry import make_world
from tests.public.test_browser import browser_page, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def screenshot_path(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("MINIBACK_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def test_an_inspector_verifies_a_record_in_a_real_browser(client, live_server, browser_page, tmp_path):  # noqa: F811
    page = browser_page
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    build_checkpoint()
    db.session.commit()
    code = verification_code_of(record["id"])

    response = page.goto(f"{live_server}/v/{code}")
    assert response is not None and response.status == 200
    assert page.title() == "维保记录核验 · 电梯维保公示"
    assert page.inner_text("#verdict").startswith("✓ 核验通过")
    checks = page.inner_text("#checks")
    for label in ("内容哈希", "账本条目", "包含证明", "检查点签名"):
        assert f"✓ {label}" in checks
    assert record["content_hash"] in page.inner_text("body")
    assert world.tech1.name not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # mobile first: no sideways scrolling
    good = screenshot_path(tmp_path, "verify_ok.png")
    page.screenshot(path=str(good), full_page=True)
    assert good.stat().st_size > 10_000

    with attacker("maintenance_record"):
        db.session.execute(
            text("UPDATE maintenance_record SET canonical_content = REPLACE(canonical_content, :a, :b) WHERE id = :id"),
            {"a": '"result":"normal"', "b": '"result":"n/a"', "id": record["id"]},
        )
    page.goto(f"{live_server}/v/{code}")
    assert page.inner_text("#verdict").startswith("✗ 核验未通过：内容哈希")
    assert "✗ 内容哈希" in page.inner_text("#checks")
    page.screenshot(path=str(screenshot_path(tmp_path, "verify_tampered.png")), full_page=True)

    response = page.goto(f"{live_server}/v/{'a' * 16}")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "未找到该维保记录"
    page.screenshot(path=str(screenshot_path(tmp_path, "verify_not_found.png")), full_page=True)
