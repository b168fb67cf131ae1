"""Callback jobs, on the platform-callbacks queue: dispatch (write the outbox rows of new sign-off outcomes) and
deliver (one attempt of one callback; the next one is scheduled from the database's ``next_attempt_at``).

The database is the truth: the sweep writes what no dispatch job wrote and re-enqueues every due attempt whose job
Redis no longer knows, so a FLUSHALL delays a callback by at most one sweep interval and loses none.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError

from jobs.connection import CALLBACKS_QUEUE
from jobs.context import job_context
from jobs.declare import job
from miniback.extensions import db
from miniback.models import PlatformClient, utcnow
from miniback.platform.callback_delivery import claim_attempt, due_callbacks, record_attempt, send_callback
from miniback.platform.callbacks import dispatch_callbacks, webhook_secret

log = logging.getLogger("miniback.jobs")


@job(CALLBACKS_QUEUE, timeout=120, retry_intervals="PLATFORM_CALLBACK_DISPATCH_RETRY_INTERVALS")
def dispatch_record_callbacks(record_ids: list[int] | None = None, decided_at: str | None = None) -> int:
    """Write the callbacks of the new sign-off outcomes of these records (or of the records a default-confirmation
    chunk stamped ``decided_at``), commit, and enqueue their delivery. Safe to run twice: an event has one
    callback at most."""
    from jobs.enqueue import enqueue_delivery

    with job_context():
        instant = datetime.fromisoformat(decided_at) if decided_at is not None else None
        created = dispatch_callbacks(now=utcnow(), record_ids=record_ids, decided_at=instant)
        db.session.commit()
        for callback_id in created:
            enqueue_delivery(callback_id, 1)
    return len(created)


@job(CALLBACKS_QUEUE, timeout=60)
def deliver_callback(callback_id: int) -> str:
    """One attempt to deliver a callback, if it is pending and due (otherwise nothing: a repeated job is a no-op).

    The attempt is claimed and committed before the request goes out; its outcome is committed with its log row,
    then the next attempt (if any) is scheduled at its due time. Returns the callback's status, or ``skipped``.
    """
    from jobs.enqueue import enqueue_delivery

    with job_context() as app:
        callback = claim_attempt(callback_id, now=utcnow())
        db.session.commit()
        if callback is None:
            return "skipped"
        client = db.session.get(PlatformClient, callback.platform_client_id)
        assert client is not None  # a callback's platform is a foreign key, never deleted
        attempt = send_callback(
            callback,
            client,
            secret=webhook_secret(client, app.config["SECRET_KEY"]),
            allow_private=app.config["PLATFORM_CALLBACK_ALLOW_PRIVATE"],
            timeout=app.config["PLATFORM_CALLBACK_TIMEOUT_SECONDS"],
            now=utcnow(),
        )
        record_attempt(callback, attempt, now=utcnow(), intervals=app.config["PLATFORM_CALLBACK_RETRY_INTERVALS"])
        db.session.commit()
        if not attempt.delivered:
            log.warning("平台回调 %s 第 %s 次投递失败：%s", callback.webhook_id, callback.attempts, attempt.error)
        if callback.status == "pending" and callback.next_attempt_at is not None:
            try:
                enqueue_delivery(callback.id, callback.attempts + 1, at=callback.next_attempt_at)
            except RedisError:
                log.exception("平台回调 %s 的重试未能排期；由巡检补排", callback.webhook_id)
        return callback.status


def sweep_callbacks() -> tuple[int, int]:
    """The sweep's part: write the callbacks no dispatch job wrote (uploads of the last
    ``PLATFORM_CALLBACK_SWEEP_DAYS``), then enqueue every due attempt Redis has no live job for. Returns (written,
    enqueued). Without Redis the callbacks are still written; their delivery waits for the next sweep."""
    from jobs.enqueue import enqueue_delivery_if_lost

    with job_context() as app:
        now = utcnow()
        since = now - timedelta(days=app.config["PLATFORM_CALLBACK_SWEEP_DAYS"])
        written = len(dispatch_callbacks(now=now, since=since))
        db.session.commit()
        enqueued = 0
        try:
            for callback_id, attempt_no in due_callbacks(now):
                enqueued += enqueue_delivery_if_lost(callback_id, attempt_no)
        except RedisError:
            log.exception("平台回调未能入队；下一轮巡检重试")
        if written or enqueued:
            log.info("平台回调：新写入 %s 条，补入队 %s 条", written, enqueued)
        return written, enqueued
