"""Enqueueing, always after the commit that made what the job reads. Deterministic job ids make a second
enqueue of the same work a no-op instead of a duplicate."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq.job import Job

from jobs.connection import queue, redis_connection
from jobs.declare import job_spec

log = logging.getLogger("miniback.jobs")
# A deadline job in one of these states will still fire; any other (or none) means it must be scheduled again.
LIVE_STATUSES = ("scheduled", "queued", "started")


def deadline_job_id(deadline: datetime) -> str:
    return f"signoff-deadline-{int(deadline.timestamp())}"


def push_job_id(record_id: int, round_no: int = 1) -> str:
    """The push of a record's sign-off round: a reopened round is pushed again under a job id of its own."""
    return f"signoff-push-{record_id}" if round_no == 1 else f"signoff-push-{record_id}-r{round_no}"


def schedule_deadline(deadline: datetime) -> str:
    """One job per distinct deadline (not per record), fired by RQ's scheduler at that moment."""
    from jobs.signoff import apply_deadline

    job_id = deadline_job_id(deadline)
    deadlines = queue(job_spec(apply_deadline).queue)
    existing = deadlines.fetch_job(job_id)
    if existing is not None and existing.get_status(refresh=False) in LIVE_STATUSES:
        return job_id
    deadlines.enqueue_at(
        deadline,
        apply_deadline,
        deadline.isoformat(),
        job_id=job_id,
        **job_spec(apply_deadline).options(current_app.config),
    )
    return job_id


def enqueue_push(record_id: int, pipeline: Pipeline | None = None, round_no: int = 1) -> str:
    """Queue the push of a record's sign-off round; with ``pipeline``, the commands are only added to it (the
    caller executes)."""
    from jobs.signoff import push_record

    spec = job_spec(push_record)
    job = queue(spec.queue).enqueue(
        push_record,
        record_id,
        pipeline=pipeline,
        job_id=push_job_id(record_id, round_no),
        **spec.options(current_app.config),
    )
    return job.id


def enqueue_push_if_lost(record_id: int) -> bool:
    """Re-enqueue a record's push only if Redis no longer knows its job (e.g. after a FLUSHALL)."""
    from jobs.signoff import push_record

    if queue(job_spec(push_record).queue).fetch_job(push_job_id(record_id)) is not None:
        return False
    enqueue_push(record_id)
    return True


def after_record_submitted(record_id: int, deadline: datetime) -> None:
    """Call after the submission committed: push it, and make sure its deadline job exists.

    If Redis is unreachable the record is still safe: the database sweep confirms it at its deadline.
    """
    try:
        # One round trip in the usual case: the push and a look at the deadline job's status share a pipeline
        # (records of the same day share one deadline job, so it mostly exists already).
        with redis_connection().pipeline() as pipe:
            enqueue_push(record_id, pipeline=pipe)
            pipe.hget(Job.key_for(deadline_job_id(deadline)), "status")
            status = pipe.execute()[-1]
        if status is None or status.decode() not in LIVE_STATUSES:
            schedule_deadline(deadline)
    except RedisError:
        log.exception("记录 %s 的推送/期限任务未能入队；期限由数据库巡检兜底", record_id)


def after_signoff_reopened(record_id: int, round_no: int, deadline: datetime) -> None:
    """Call after the commit that reopened a record's sign-off: push the new round to the managers, and make
    sure the new deadline's job exists. Without Redis the database sweep still confirms it at that deadline."""
    try:
        enqueue_push(record_id, round_no=round_no)
        schedule_deadline(deadline)
    except RedisError:
        log.exception("记录 %s 重新开放签名后的推送/期限任务未能入队；期限由数据库巡检兜底", record_id)


def delivery_job_id(callback_id: int, attempt_no: int) -> str:
    """One job per attempt of a callback: a retry is a job of its own, scheduled at its due time."""
    return f"platform-callback-{callback_id}-a{attempt_no}"


def enqueue_delivery(callback_id: int, attempt_no: int, *, at: datetime | None = None) -> str:
    """Queue attempt ``attempt_no`` of a callback, now or (a retry) at ``at``."""
    from jobs.platform_callbacks import deliver_callback

    spec = job_spec(deliver_callback)
    callbacks = queue(spec.queue)
    options = spec.options(current_app.config) | {"job_id": delivery_job_id(callback_id, attempt_no)}
    if at is None:
        return callbacks.enqueue(deliver_callback, callback_id, **options).id
    return callbacks.enqueue_at(at, deliver_callback, callback_id, **options).id


def enqueue_delivery_if_lost(callback_id: int, attempt_no: int) -> bool:
    """Enqueue a due attempt now unless Redis still holds its job waiting to run (queued or scheduled)."""
    from jobs.platform_callbacks import deliver_callback

    existing = queue(job_spec(deliver_callback).queue).fetch_job(delivery_job_id(callback_id, attempt_no))
    if existing is not None and existing.get_status(refresh=False) in ("scheduled", "queued"):
        return False
    enqueue_delivery(callback_id, attempt_no)
    return True


def enqueue_callback_dispatch(*, record_ids: list[int] | None = None, decided_at: datetime | None = None) -> None:
    """Call after the commit that wrote sign-off outcomes (a sign, an objection, a default-confirmation chunk):
    the records' callbacks are written and sent by a job on the callbacks queue. Never raises for Redis: the
    sweep writes and sends whatever this could not enqueue."""
    from jobs.platform_callbacks import dispatch_record_callbacks

    spec = job_spec(dispatch_record_callbacks)
    instant = decided_at.isoformat() if decided_at is not None else None
    try:
        queue(spec.queue).enqueue(dispatch_record_callbacks, record_ids, instant, **spec.options(current_app.config))
    except RedisError:
        log.exception("平台回调的分发任务未能入队；由巡检补发")
