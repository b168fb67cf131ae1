"""The resident's page: server-rendered, mobile first, Chinese, cacheable for a short while."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, make_response, render_template, request

from miniback.errors import RETRY_AFTER_SECONDS
from miniback.public import bp
from miniback.public.pages import page_for, stored_page
from miniback.public.ratelimit import check_public_rate_limit, public_view_counted

# Every page of the blueprint (404s included, so guessing codes costs the same) counts against one limit: the
# resident's page counts while it looks its page up, the others before they answer.

# A request that can be answered 304 (or 412) carries one of these; most views carry none and need no check.
CONDITIONAL_HEADERS = frozenset(("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE"))


def cacheable(response: Response) -> Response:
    """Short shared caching plus an ETag, so a crowd scanning the same lift costs little and sees fresh data."""
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PUBLIC_CACHE_SECONDS']}"
    response.add_etag()  # unless the response has its own already
    if not CONDITIONAL_HEADERS.isdisjoint(request.environ):
        response.make_conditional(request)  # turns it into a 304 in place when the client's copy is current
    return response


def not_found_page(title: str | None = None, message: str | None = None) -> Any:
    """The friendly 404 page (by default the elevator page's; the verification page gives its own words)."""
    response = make_response(render_template("public/not_found.html", title=title, message=message), 404)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/e/<path:code>")
def elevator_page(code: str) -> Any:
    with public_view_counted():  # the count's round trip to Redis overlaps the page's lookup
        stored = stored_page(code)
    page = page_for(code, stored)
    if page is None:
        return not_found_page()
    if accepts_gzip():  # every phone browser: the stored bytes as they are, a fifth of the page's size
        response = current_app.response_class(page.gzipped, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{page.etag}-gzip")  # another representation, another validator
    else:
        response = current_app.response_class(page.html(), mimetype="text/html")
        response.set_etag(page.etag)
    response.headers["Vary"] = "Accept-Encoding"
    return cacheable(response)


def accepts_gzip() -> bool:
    header = request.environ.get("HTTP_ACCEPT_ENCODING", "")
    return "gzip" in header and request.accept_encodings["gzip"] > 0


@bp.get("/e")
@bp.get("/e/")
def no_code() -> Any:
    check_public_rate_limit()
    return not_found_page()


@bp.errorhandler(429)
def too_many_requests(exc: Exception) -> Any:
    response = make_response(render_template("public/too_many.html"), 429)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
