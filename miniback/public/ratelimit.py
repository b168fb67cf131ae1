"""Per-client rate limits for the public, log-in-free pages, counted in Redis so every worker shares them.

A fixed window per client address (the ``limits`` library's atomic counter: one Redis round trip per view), the
same counting Flask-Limiter does, without its per-request evaluation of default, application, blueprint and
route limits that these pages never use — a resident's page view pays only for the count. The embedded demo has
no Redis and counts in memory. If Redis goes away the limiter falls back to memory rather than failing
residents' requests (the page matters more than exact counting during an outage). Behind a reverse proxy,
``MINIBACK_TRUSTED_PROXIES`` makes the client the real caller, not the proxy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

DEFAULT_PUBLIC_RATE_LIMIT = "60 per minute"
# The ledger's proof endpoints (anyone, no log-in) assemble a Merkle path per request: a limit of their own, shared
# by all of them so a flood cannot simply move to the next endpoint. An inspector's script checking a batch of
# records stays well below it; a bulk audit should read the checkpoints and run ``ledger verify`` instead.
DEFAULT_PROOF_RATE_LIMIT = "120 per minute"
PROOF_SCOPE = "ledger-proofs"
RETRY_AFTER_SECONDS = 60
KEY_PREFIX = "miniback-public"
EXTENSION = "miniback_public_limits"
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class PublicLimiter:
    shared: FixedWindowRateLimiter
    fallback: FixedWindowRateLimiter


@lru_cache(maxsize=8)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def _count(limit_setting: str, *scope: str) -> None:
    """Count this request against the caller's limit named by the ``limit_setting`` configuration key (read per
    request, so the limit is configuration, not code); over the limit raises 429, which each blueprint renders in
    its own shape."""
    limiter: PublicLimiter = current_app.extensions[EXTENSION]
    item = _parsed(current_app.config[limit_setting])
    client = request.remote_addr or "127.0.0.1"
    try:
        allowed = limiter.shared.hit(item, KEY_PREFIX, client, *scope)
    except StorageError:
        allowed = limiter.fallback.hit(item, KEY_PREFIX, client, *scope)
    if not allowed:
        raise TooManyRequests()


def check_public_rate_limit() -> None:
    """Count a view of the resident's page or its JSON twin (``MINIBACK_PUBLIC_RATE_LIMIT``)."""
    _count("PUBLIC_RATE_LIMIT")


def proof_limit(view: Callable[P, R]) -> Callable[P, R]:
    """Decorator for every public proof endpoint: one counter per client across all of them
    (``MINIBACK_PROOF_RATE_LIMIT``), apart from the page's."""

    @wraps(view)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        _count("PROOF_RATE_LIMIT", PROOF_SCOPE)
        return view(*args, **kwargs)

    return limited


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("PUBLIC_RATE_LIMIT", DEFAULT_PUBLIC_RATE_LIMIT)
    app.config.setdefault("PROOF_RATE_LIMIT", DEFAULT_PROOF_RATE_LIMIT)
    uri = "memory://" if app.config["ENV_MODE"] == "demo" else app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"], wrap_exceptions=True)
    app.extensions[EXTENSION] = PublicLimiter(FixedWindowRateLimiter(storage), FixedWindowRateLimiter(MemoryStorage()))
