"""The web console's built files at ``/console`` (a Vue single-page app; its sources are in ``console/``).

``npm run build`` in ``console/`` writes the build into ``miniback/console/dist`` (never committed), so an installed
wheel built after it carries the console with the code. Hashed assets are cached for good; ``index.html`` is always
revalidated, so a release is picked up at once. Every path that is not a file is the app's own route (history
mode) and gets ``index.html``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_from_directory
from flask.typing import ResponseReturnValue

from miniback.console.headers import CONSOLE_CSP

DIST = Path(__file__).resolve().parent / "dist"

bp = Blueprint("console", __name__)


def console_dir() -> Path:
    return Path(current_app.config.get("CONSOLE_DIR") or DIST)


def _not_built() -> Response:
    body = (
        "<!doctype html><meta charset=utf-8><title>工作台尚未构建</title>"
        "<h1>工作台尚未构建</h1><p>请在项目目录运行 <code>make console</code>"
        "（即 <code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code>）。</p>"
    )
    return Response(body, status=503, mimetype="text/html")


@bp.get("/console")
def console_root() -> ResponseReturnValue:
    return current_app.redirect("/console/", 308)


@bp.get("/console/")
@bp.get("/console/<path:path>")
def console_file(path: str = "") -> Response:
    root = console_dir()
    if path.startswith("assets/"):  # a missing asset is a 404, not the app's page (a stale tab after a release)
        response = send_from_directory(root, path, max_age=365 * 24 * 3600)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
    if path and "/" not in path and path != "index.html" and (root / path).is_file():
        return send_from_directory(root, path, max_age=3600)  # favicon and the like
    if not (root / "index.html").is_file():
        return _not_built()
    response = send_from_directory(root, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.after_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def init_console(app: Flask) -> None:
    app.register_blueprint(bp)
