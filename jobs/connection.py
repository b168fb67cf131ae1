"""The named queues, on the ``jobs`` Redis client of ``miniback.extensions``. ``JOBS_MODE=rq`` uses ``REDIS_URL``;
``inline`` (the embedded demo) uses an in-memory fakeredis that an in-process worker thread polls."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

from miniback.extensions import redis_clients

# Deadlines first: a worker listening on both always takes due default confirmations before pushes.
DEADLINES_QUEUE = "signoff-deadlines"
PUSH_QUEUE = "signoff-push"
QUEUES = (DEADLINES_QUEUE, PUSH_QUEUE)
# Callbacks to platforms: a queue of its own, worked by workers of their own (``flask worker --queue
# platform-callbacks``), so a slow or dead platform never holds up a push or a deadline.
CALLBACKS_QUEUE = "platform-callbacks"
ALL_QUEUES = (*QUEUES, CALLBACKS_QUEUE)


def redis_connection(app: Flask | None = None) -> Redis:
    return redis_clients.client("jobs", app)


def close_connection(app: Flask) -> None:
    """Disconnect the app's jobs Redis client (tests and short-lived CLI processes)."""
    redis_clients.close(app, "jobs")


def queue(name: str, app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    return Queue(name, connection=redis_connection(app), default_timeout=app.config["JOBS_TIMEOUT_SECONDS"])
