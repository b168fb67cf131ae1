"""Public pages for residents (no log-in): ``/e/<public code>``, the address the elevator's QR code holds."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("public", __name__)


def init_public(app: Flask) -> None:
    from miniback.public import platform_list, verify_page, views  # noqa: F401  (registers the routes)
    from miniback.public.ratelimit import init_rate_limits

    app.config.setdefault("PUBLIC_CACHE_SECONDS", 60)
    app.register_blueprint(bp)
    init_rate_limits(app)
