"""Per-client rate limits for the public, log-in-free pages, counted in Redis so every worker shares them.

A fixed window per client address, counted in Redis with one INCR per view (``RedisWindows``): the same counting
Flask-Limiter does, without its per-request evaluation of default, application, blueprint and route limits that
these pages never use — a resident's page view pays only for the count. The embedded demo has
no Redis and counts in memory. If Redis goes away the limiter falls back to memory rather than failing
residents' requests (the page matters more than exact counting during an outage). Behind a reverse proxy,
``MINIBACK_TRUSTED_PROXIES`` makes the client the real caller, not the proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, NamedTuple, ParamSpec, Protocol, TypeVar

import redis
from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError
from werkzeug.exceptions import TooManyRequests

from miniback.extensions import redis_clients

DEFAULT_PUBLIC_RATE_LIMIT = "60 per minute"
# The ledger's proof endpoints (anyone, no log-in) assemble a Merkle path per request: a limit of their own, shared
# by all of them so a flood cannot simply move to the next endpoint. An inspector's script checking a batch of
# records stays well below it; a bulk audit should read the checkpoints and run ``ledger verify`` instead.
DEFAULT_PROOF_RATE_LIMIT = "120 per minute"
PROOF_SCOPE = "ledger-proofs"
KEY_PREFIX = "miniback-public"
EXTENSION = "miniback_public_limits"
P = ParamSpec("P")
R = TypeVar("R")


class Counter(Protocol):
    def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...


class RedisWindows:
    """Fixed windows counted in Redis: an INCR of the key of the caller's current window per view (an atomic
    count shared by every worker) and an EXPIRE when that key is new. ``limits``' own Redis storage runs a Lua
    script per count, which costs Redis several times an INCR. A window's key is never reused, so one whose EXPIRE
    was lost (the process died in between) only lingers; it cannot hold anyone back."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self.answer(self.send(item, *identifiers))

    def send(self, item: RateLimitItem, *identifiers: str) -> SentCount:
        """Send a count without waiting for Redis's answer (``answer`` reads it): the caller can do its own I/O
        meanwhile. The count holds one of the pool's connections until answered."""
        key = f"{item.key_for(*identifiers)}/{int(time.time()) // item.get_expiry()}"
        pool = self.redis.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_command("INCR", key)
        except BaseException:
            pool.release(connection)
            raise
        return SentCount(connection, key, item)

    def answer(self, sent: SentCount) -> bool:
        """Whether the count ``sent`` is within its limit. Always gives its connection back: one whose answer
        could not be read is dropped, so no later command reads it."""
        try:
            count = int(sent.connection.read_response())
        except BaseException:
            sent.connection.disconnect()
            raise
        finally:
            self.redis.connection_pool.release(sent.connection)
        if count == 1:
            self.redis.expire(sent.key, sent.item.get_expiry())
        return count <= sent.item.amount


class SentCount(NamedTuple):
    connection: Any
    key: str
    item: RateLimitItem


@dataclass(frozen=True)
class PublicLimiter:
    shared: Counter
    fallback: Counter


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
    except (RedisError, StorageError):
        allowed = limiter.fallback.hit(item, KEY_PREFIX, client, *scope)
    if not allowed:
        raise TooManyRequests()


def check_public_rate_limit() -> None:
    """Count a view of the resident's page or its JSON twin (``MINIBACK_PUBLIC_RATE_LIMIT``)."""
    _count("PUBLIC_RATE_LIMIT")


@contextmanager
def public_view_counted() -> Iterator[None]:
    """Count a view of the resident's page like ``check_public_rate_limit`` while the with-block runs: the count
    goes to Redis first and its answer is read as the block ends, so its round trip overlaps the block's own (the
    page's lookup) instead of adding to it. Over the limit: 429 as the block ends, before anything is rendered."""
    limiter: PublicLimiter = current_app.extensions[EXTENSION]
    if not isinstance(limiter.shared, RedisWindows):  # the demo's memory: nothing to overlap
        check_public_rate_limit()
        yield
        return
    windows: RedisWindows = limiter.shared
    item = _parsed(current_app.config["PUBLIC_RATE_LIMIT"])
    client = request.remote_addr or "127.0.0.1"
    try:
        sent: SentCount | None = windows.send(item, KEY_PREFIX, client)
    except RedisError:
        sent = None

    def allowed() -> bool:
        try:
            if sent is not None:
                return windows.answer(sent)
        except RedisError:
            pass
        return limiter.fallback.hit(item, KEY_PREFIX, client)  # Redis is away: count in memory

    try:
        yield
    except BaseException:
        allowed()  # counted all the same, and the connection is free again
        raise
    if not allowed():
        raise TooManyRequests()


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
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", "memory://" if app.config["ENV_MODE"] == "demo" else app.config["REDIS_URL"]
    )
    uri = app.config["RATELIMIT_STORAGE_URI"]
    memory = FixedWindowRateLimiter(MemoryStorage())
    # redis+sentinel://…/master: limits' own form for Redis behind Sentinel (``redis_for`` reads it the same way).
    redis_url = uri.startswith(("redis://", "rediss://", "unix://", "redis+sentinel://"))
    shared = RedisWindows(redis_clients.client("rate_limits", app)) if redis_url else memory
    app.extensions[EXTENSION] = PublicLimiter(shared, memory)
