"""Page previews of the mini-program: every page of ``wechat/app.json`` in every state of its fixture, as PNG.

Step 1 (``wechat/previews/render.preview.js``, under jest): miniprogram-simulate renders the page from
WeChat's own template compiler (wcc) with the fixture's mocked ``wx`` and API answers; the page's WXSS,
compiled by WeChat's wcsc with rpx at 750 rpx = 375 px, goes into a self-contained HTML document.
Step 2 (here): headless Chromium (Debian's, driven by Playwright) photographs each at 375×812 logical px
(device scale 2) and measures what a person would see: how much text is inside the screen.

``make previews`` runs both into ``build/previews/wechat/`` (ignored by git)::

    .venv/bin/python -m tests.wechat.previews [OUT_DIR]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WECHAT = ROOT / "wechat"
DEFAULT_OUT = ROOT / "build" / "previews" / "wechat"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WIDTH, HEIGHT = 375, 812

# The characters of the page's text (not the phone's bars around it) inside the screen, not hidden.
VISIBLE_TEXT_JS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let chars = 0; const samples = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('.wxp-chrome')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || parseFloat(style.opacity) === 0) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const onScreen = [...range.getClientRects()].some((r) => r.width > 0 && r.height > 0 && r.bottom > 0 &&
      r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth);
    if (!onScreen) continue;
    chars += text.length;
    if (samples.length < 6) samples.push(text.slice(0, 40));
  }
  return { chars, samples };
}"""


@dataclass
class Preview:
    page: str
    state: str
    png: str
    html: str
    visible_text_chars: int
    text_samples: list[str]


def render_html(out: Path) -> list[dict[str, str]]:
    """Step 1: jest renders the HTML documents and their index; its failures (a state that throws, a request
    the fixture does not answer, a page without a fixture) stop here."""
    env = dict(os.environ, PREVIEWS_OUT=str(out))
    command = ["npx", "jest", "--ci", "--config", "previews/jest.config.js"]
    result = subprocess.run(command, cwd=WECHAT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"页面预览渲染失败 ({' '.join(command)}):\n{result.stdout}\n{result.stderr}")
    entries: list[dict[str, str]] = json.loads((out / "html" / "index.json").read_text("utf-8"))
    return entries


def photograph(out: Path, entries: list[dict[str, str]]) -> list[Preview]:
    """Step 2: one PNG per HTML document, and what text it shows."""
    from playwright.sync_api import sync_playwright

    previews: list[Preview] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT},
                screen={"width": WIDTH, "height": HEIGHT},
                device_scale_factor=2,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
            )
            page = context.new_page()
            for entry in entries:
                html = out / "html" / entry["html"]
                png = out / f"{entry['key']}--{entry['state']}.png"
                page.goto(html.as_uri())
                page.evaluate("document.fonts.ready")
                page.screenshot(path=str(png))
                seen = page.evaluate(VISIBLE_TEXT_JS)
                previews.append(
                    Preview(
                        page=entry["page"],
                        state=entry["state"],
                        png=png.name,
                        html=f"html/{entry['html']}",
                        visible_text_chars=seen["chars"],
                        text_samples=seen["samples"],
                    )
                )
        finally:
            browser.close()
    manifest = [asdict(preview) for preview in previews]
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return previews


def build(out: Path = DEFAULT_OUT) -> list[Preview]:
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.png"), *out.glob("html/*.html")]:
        stale.unlink()
    return photograph(out, render_html(out))


def main() -> None:
    out = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT_OUT
    previews = build(out)
    pages = len({preview.page for preview in previews})
    print(f"previews: {len(previews)} PNG ({pages} pages × their states) in {out}")


if __name__ == "__main__":
    main()
