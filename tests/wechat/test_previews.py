"""The mini-program's page previews: every registered page, every state of its fixture, drawn and readable."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.wechat.previews import HEIGHT, WECHAT, WIDTH, Preview, build

PAGES = json.loads((WECHAT / "app.json").read_text("utf-8"))["pages"]


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Preview]]:
    if shutil.which("npx") is None:
        pytest.fail("需要 Node.js（npx）渲染小程序页面预览")
    if not (WECHAT / "node_modules" / "miniprogram-simulate").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WECHAT, check=True)
    out = tmp_path_factory.mktemp("wechat-previews")
    return out, build(out)


@pytest.mark.parametrize("page", PAGES)
def test_every_registered_page_has_previews_of_its_states(page: str, previews: tuple[Path, list[Preview]]) -> None:
    _, shots = previews
    states = {shot.state for shot in shots if shot.page == page}
    assert "typical" in states, f"{page}: no typical-data preview (states: {sorted(states)})"


@pytest.mark.parametrize("page", PAGES)
def test_each_preview_is_a_phone_sized_picture_with_visible_text(
    page: str, previews: tuple[Path, list[Preview]]
) -> None:
    out, shots = previews
    for shot in (shot for shot in shots if shot.page == page):
        with Image.open(out / shot.png) as image:
            assert image.size == (WIDTH * 2, HEIGHT * 2), shot.png  # 375×812 logical px at device scale 2
            pixels = image.convert("RGB").resize((WIDTH, HEIGHT))
        # Non-blank: no single colour covers nearly everything, and there is more than a flat fill.
        colours = pixels.getcolors(maxcolors=WIDTH * HEIGHT) or []
        dominant = max(count for count, _ in colours)
        assert len(colours) > 50, f"{shot.png}: only {len(colours)} colours"
        assert dominant < 0.95 * WIDTH * HEIGHT, f"{shot.png}: one colour covers {dominant / (WIDTH * HEIGHT):.0%}"
        # Visible text of the page itself (the status and navigation bars are not counted).
        assert shot.visible_text_chars >= 4, f"{shot.png}: {shot.visible_text_chars} characters of page text on screen"
