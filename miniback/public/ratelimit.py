"""Per-client rate limits for the public, log-in-free pages, counted in Redis so every worker shares them.

The embedded demo has no Redis and counts in memory. If Redis goes away the limiter falls back to memory
rather than failing residents' requests (the page matters more than exact counting during an outage).
Behind a reverse proxy, ``MINIBACK_TRUSTED_PROXIES`` makes the client the real caller, not the proxy.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULT_PUBLIC_RATE_LIMIT = "60 per minute"
# The ledger's proof endpoints (anyone, no log-in) assemble a Merkle path per request: a limit of their own, shared
# by all of them so a flood cannot simply move to the next endpoint. An inspector's script checking a batch of
# records stays well below it; a bulk audit should read the checkpoints and run ``ledger verify`` instead.
DEFAULT_PROOF_RATE_LIMIT = "120 per minute"
PROOF_SCOPE = "ledger-proofs"
RETRY_AFTER_SECONDS = 60

limiter = Limiter(
    key_func=get_remote_address,
    key_prefix="miniback-public",
    # X-RateLimit-* headers cost two more Redis reads on every page view; a 429 says Retry-After itself.
    headers_enabled=False,
    swallow_errors=True,
    in_memory_fallback_enabled=True,
)


def public_rate_limit() -> str:
    """Read per request, so the limit is configuration (``MINIBACK_PUBLIC_RATE_LIMIT``), not code."""
    limit: str = current_app.config["PUBLIC_RATE_LIMIT"]
    return limit


def proof_rate_limit() -> str:
    """The proof endpoints' limit (``MINIBACK_PROOF_RATE_LIMIT``), read per request like the page's."""
    limit: str = current_app.config["PROOF_RATE_LIMIT"]
    return limit


# Decorator for every public proof endpoint: one counter per client across all of them.
proof_limit = limiter.shared_limit(proof_rate_limit, scope=PROOF_SCOPE)


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("PUBLIC_RATE_LIMIT", DEFAULT_PUBLIC_RATE_LIMIT)
    app.config.setdefault("PROOF_RATE_LIMIT", DEFAULT_PROOF_RATE_LIMIT)
    storage = "memory://" if app.config["ENV_MODE"] == "demo" else app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    limiter.init_app(app)
