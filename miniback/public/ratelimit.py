"""Per-client rate limits for the public, log-in-free pages, counted in Redis so every worker shares them.

A fixed window per client address (the ``limits`` library's atomic counter: one Redis round trip per view), the
same counting Flask-Limiter does, without its per-request evaluation of default, application, blueprint and
route limits that these pages never use — a resident's page view pays only for the count. The embedded demo has
no Redis and counts in memory. If Redis goes away the limiter falls back to memory rather than failing
residents' requests (the page matters more than exact counting during an outage). Behind a reverse proxy, wrap
the app in ``werkzeug.middleware.proxy_fix.ProxyFix`` so the client is the real caller, not the proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

DEFAULT_PUBLIC_RATE_LIMIT = "60 per minute"
RETRY_AFTER_SECONDS = 60
KEY_PREFIX = "miniback-public"
EXTENSION = "miniback_public_limits"


@dataclass(frozen=True)
class PublicLimiter:
    shared: FixedWindowRateLimiter
    fallback: FixedWindowRateLimiter


@lru_cache(maxsize=8)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def check_public_rate_limit() -> None:
    """Count this view against the caller's limit (``MINIBACK_PUBLIC_RATE_LIMIT``, read per request so it is
    configuration, not code); over the limit raises 429, which each blueprint renders in its own shape."""
    limiter: PublicLimiter = current_app.extensions[EXTENSION]
    item = _parsed(current_app.config["PUBLIC_RATE_LIMIT"])
    client = request.remote_addr or "127.0.0.1"
    try:
        allowed = limiter.shared.hit(item, KEY_PREFIX, client)
    except StorageError:
        allowed = limiter.fallback.hit(item, KEY_PREFIX, client)
    if not allowed:
        raise TooManyRequests()


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("PUBLIC_RATE_LIMIT", DEFAULT_PUBLIC_RATE_LIMIT)
    uri = "memory://" if app.config["ENV_MODE"] == "demo" else app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"], wrap_exceptions=True)
    app.extensions[EXTENSION] = PublicLimiter(FixedWindowRateLimiter(storage), FixedWindowRateLimiter(MemoryStorage()))
