"""The published list of connected platforms (已完成对接平台名单), the page the monitoring centre links to."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from miniback.platform.public_list import connected_platforms
from miniback.public import bp
from miniback.public.ratelimit import check_public_rate_limit
from miniback.public.views import cacheable


@bp.get("/platforms")
def platform_list_page() -> Any:
    check_public_rate_limit()
    html = render_template("public/platforms.html", platforms=connected_platforms())
    return cacheable(current_app.response_class(html, mimetype="text/html"))
