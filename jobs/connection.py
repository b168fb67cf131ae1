"""Redis and the named queues. ``JOBS_MODE=rq`` uses ``REDIS_URL``; ``inline`` (the embedded demo) uses an
in-memory fakeredis that an in-process worker thread polls."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue

# Deadlines first: a worker listening on both always takes due default confirmations before pushes.
DEADLINES_QUEUE = "signoff-deadlines"
PUSH_QUEUE = "signoff-push"
QUEUES = (DEADLINES_QUEUE, PUSH_QUEUE)


def redis_connection(app: Flask | None = None) -> Redis:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    connection: Redis | None = app.extensions.get("jobs_redis")
    if connection is None:
        if app.config["JOBS_MODE"] == "inline":
            import fakeredis

            connection = fakeredis.FakeRedis()
        else:
            connection = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["jobs_redis"] = connection
    return connection


def close_connection(app: Flask) -> None:
    """Disconnect the app's Redis client (tests and short-lived CLI processes)."""
    connection: Redis | None = app.extensions.pop("jobs_redis", None)
    if connection is not None:
        connection.close()


def queue(name: str, app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return Queue(name, connection=redis_connection(app), default_timeout=app.config["JOBS_TIMEOUT_SECONDS"])


def init_app(app: Flask) -> None:
    """Share the WeChat access token through Redis, so every worker and web process uses (and refreshes) one."""
    from wechatpy.session.redisstorage import RedisStorage

    class LazyRedis:
        """Connects on first use: creating the app never touches Redis."""

        def __getattr__(self, name: str) -> Any:
            return getattr(redis_connection(app), name)

        def get(self, key: str) -> Any:
            return redis_connection(app).get(key)

        def set(self, key: str, value: Any, ex: int | None = None) -> Any:
            return redis_connection(app).set(key, value, ex=ex)

        def delete(self, key: str) -> Any:
            return redis_connection(app).delete(key)

    app.extensions["wechat_token_storage"] = RedisStorage(LazyRedis(), prefix="miniback:wechat")
