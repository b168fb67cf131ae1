"""Flask serves the built console at /console: history-mode fallback, caching, CSP, and a clear page when unbuilt."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from miniback.console import DIST


def _fake_build(root: Path) -> None:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><div id="app"></div><script src="/console/assets/a-1.js">')
    (root / "assets" / "a-1.js").write_text("console.log(1)")


def test_every_app_route_gets_index_html_and_assets_are_cached_for_good(app: Flask, tmp_path: Path):
    _fake_build(tmp_path)
    app.config["CONSOLE_DIR"] = str(tmp_path)
    client = app.test_client()
    for path in ("/console/", "/console/records/5", "/console/elevators?q=1", "/console/login"):
        with client.get(path) as page:
            assert page.status_code == 200, path
            assert b'<div id="app">' in page.data
            assert page.headers["Cache-Control"] == "no-cache"
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            assert page.headers["X-Frame-Options"] == "DENY"
    with client.get("/console/assets/a-1.js") as asset:
        assert asset.status_code == 200
        assert "immutable" in asset.headers["Cache-Control"]
    assert client.get("/console/assets/gone-2.js").status_code == 404
    assert client.get("/console").status_code == 308


def test_an_unbuilt_console_says_how_to_build_it(app: Flask, tmp_path: Path):
    app.config["CONSOLE_DIR"] = str(tmp_path / "nothing")
    page = app.test_client().get("/console/")
    assert page.status_code == 503
    assert "make console" in page.get_data(as_text=True)


def test_the_real_build_has_no_outside_urls(app: Flask):
    """No CDN: government intranets cannot reach one, so every script and style comes from the build."""
    index = (DIST / "index.html").read_text()
    assert "http://" not in index and "https://" not in index
    for asset in (DIST / "assets").iterdir():
        if asset.suffix in (".js", ".css"):
            text = asset.read_text(errors="replace")
            for needle in ("cdn.jsdelivr", "unpkg.com", "fonts.googleapis", "cdnjs"):
                assert needle not in text, (asset.name, needle)
