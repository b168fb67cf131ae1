"""Sign-off jobs: push a record to its use unit's managers, apply default confirmations at a deadline, sweep.

Every job takes plain ids/strings, makes its own app context, commits what it did and is safe to run twice.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from functools import partial

from requests import RequestException
from rq import get_current_job
from rq.job import Job
from sqlalchemy import distinct, exists, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from wechatpy.exceptions import WeChatClientException

from jobs.connection import DEADLINES_QUEUE, PUSH_QUEUE
from jobs.context import job_context
from jobs.declare import job
from jobs.platform_callbacks import sweep_callbacks
from jobs.statistics import catch_up_statistics
from miniback.database.conflicts import redo_on_conflict
from miniback.errors import database_unavailable
from miniback.extensions import db
from miniback.models import PushDelivery, SignoffState, utcnow
from signoff.confirmation import apply_default_confirmations
from signoff.operations import record_pushed, reopen_resolved
from signoff.push import (
    exhaust_quota,
    managers_to_push,
    record_delivery,
    record_no_recipient,
    remaining_quota,
    signoff_message,
    use_quota,
)

log = logging.getLogger("miniback.jobs")

NO_QUOTA = 43101  # WeChat: the user has no (or refused the) subscription for this template


# A chunk the database rolled back whole (a deadlock with a manager's sign, a Galera certification conflict) is
# redone at once up to this many times; past that the job fails to RQ, which retries it, and the sweep remains.
CHUNK_ATTEMPTS = 10


class PushIncomplete(RuntimeError):
    """Some managers could not be reached this time; RQ retries the job with backoff."""


def _category(record_id: int) -> str:
    from miniback.models import MaintenanceRecord

    record = db.session.get(MaintenanceRecord, record_id)
    return record.category if record else ""


@job(PUSH_QUEUE, timeout=60, retry_intervals="PUSH_RETRY_INTERVALS")
def push_record(record_id: int) -> dict[str, int]:
    """Send the sign-off request of one record to every bound manager of its use unit who has quota.

    Managers already reached are skipped (idempotent). Errors and timeouts are recorded and the job raises so
    RQ retries it with backoff; on the last attempt they are recorded as ``failed`` (and the job lands in RQ's
    failed registry). 43101 (no subscription left) resets the quota and is not retried.
    The deadline never depends on this job.
    """
    from miniback.wechat_client import wechat_client

    job = get_current_job()
    retries_left = job.retries_left if job is not None else None
    final = not retries_left
    with job_context() as app:
        template = app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]
        state = db.session.get(SignoffState, record_id)
        if state is None:
            return {"sent": 0, "errors": 0, "no_quota": 0}
        attempt = _count_attempt(job)
        message = signoff_message(state, _category(record_id), app.config["WECHAT_SIGNOFF_PAGE"])
        counts = {"sent": 0, "errors": 0, "no_quota": 0}
        client = None
        managers = managers_to_push(state)
        if not managers:
            record_no_recipient(record_id, attempt=attempt, now=utcnow())  # listed as unreached, not "pending"
        for manager in managers:
            now = utcnow()
            if remaining_quota(manager.id, template) <= 0:
                record_delivery(record_id, manager.id, "no_quota", attempt=attempt, now=now)
                counts["no_quota"] += 1
                continue
            try:
                client = client or wechat_client()
                client.wxa.send_subscribe_message(manager.openid, template, message.data, page=message.page)
            except WeChatClientException as exc:
                if exc.errcode == NO_QUOTA:
                    exhaust_quota(manager.id, template, now=now)
                    record_delivery(record_id, manager.id, "no_quota", attempt=attempt, now=now, errcode=NO_QUOTA)
                    counts["no_quota"] += 1
                    continue
                outcome = "failed" if final else "error"
                record_delivery(
                    record_id, manager.id, outcome, attempt=attempt, now=now, errcode=exc.errcode, error=str(exc)
                )
                counts["errors"] += 1
            except RequestException as exc:
                outcome = "failed" if final else "error"
                record_delivery(record_id, manager.id, outcome, attempt=attempt, now=now, error=type(exc).__name__)
                counts["errors"] += 1
            else:
                use_quota(manager.id, template, now=now)
                record_delivery(record_id, manager.id, "sent", attempt=attempt, now=now)
                counts["sent"] += 1
                log.info("推送维保记录 %s 给使用单位安全管理人员 %s（账号 %s）", record_id, manager.name, manager.id)
        if counts["sent"]:
            record_pushed(record_id, now=utcnow())
        db.session.commit()
    if counts["errors"]:
        # Retried by RQ with backoff; after the last attempt the job stays in RQ's failed registry as well.
        raise PushIncomplete(f"record {record_id}: {counts['errors']} manager(s) not reached (attempt {attempt})")
    return counts


def _count_attempt(job: Job | None) -> int:
    """Which run of this job this is (1, 2, …), kept in the job's meta across RQ's retries."""
    if job is None:
        return 1
    attempt = int(job.meta.get("attempt", 0)) + 1
    job.meta["attempt"] = attempt
    job.save_meta()
    return attempt


def run_default_confirmations(deadline: datetime | None = None) -> int:
    """Apply default confirmations chunk by chunk, committing each, until nothing due is left.

    ``deadline`` ``None`` means "now" (the sweep). A lost database connection (restart, failover) is waited out
    and the chunk retried: what committed stays committed, what did not is redone, so totals stay exact.
    """
    from jobs.enqueue import enqueue_callback_dispatch

    with job_context() as app:
        batch = app.config["SIGNOFF_BATCH_SIZE"]
        pause = app.config["SIGNOFF_CHUNK_PAUSE_SECONDS"]
        reconnect_for = app.config["JOBS_DB_RECONNECT_SECONDS"]
        total = 0
        lost_since: float | None = None
        clashes = 0
        while True:
            now = utcnow()
            cutoff = min(deadline, now) if deadline is not None else now
            try:
                chunk = partial(_confirm_chunk, cutoff, batch, now)
                confirmed = redo_on_conflict(chunk, attempts=CHUNK_ATTEMPTS, what="default confirmation chunk")
            except IntegrityError:
                # Another run stamped the same instant (or raced this chunk): nothing of this chunk was kept.
                db.session.rollback()
                clashes += 1
                if clashes > 3:
                    raise
                continue
            except DBAPIError as exc:
                db.session.rollback()
                if not database_unavailable(exc):
                    raise
                lost_since = lost_since or time.monotonic()
                if time.monotonic() - lost_since > reconnect_for:
                    raise
                log.warning("数据库连接中断，1 秒后重试默认签名确认")
                time.sleep(1)
                continue
            lost_since = None
            total += confirmed
            if confirmed == 0:
                break
            # The platforms whose records this chunk confirmed are told so by a job of their own queue.
            enqueue_callback_dispatch(decided_at=now)
            log.info("默认签名确认 %s 条（累计 %s）", confirmed, total)
            if pause:
                time.sleep(pause)
        return total


def _confirm_chunk(cutoff: datetime, batch: int, now: datetime) -> int:
    confirmed = apply_default_confirmations(cutoff, batch, now=now)
    db.session.commit()
    return confirmed


@job(DEADLINES_QUEUE, timeout="JOBS_TIMEOUT_SECONDS", retry_intervals="DEADLINE_RETRY_INTERVALS")
def apply_deadline(deadline_iso: str) -> int:
    """The job scheduled at a deadline: confirm everything due by then (earlier stragglers included)."""
    return run_default_confirmations(datetime.fromisoformat(deadline_iso))


def sweep() -> int:
    """Confirm anything overdue that the scheduled jobs missed, reopen the sign-offs that a resolved objection
    left closed before reopening existed, then repair what Redis may have lost: re-arm the future deadline jobs
    (reopened rounds included), re-enqueue the push of pending records whose push job is unknown to Redis and
    that were never delivered, and do the same for the platforms' callbacks (``sweep_callbacks``). Runs from
    ``flask sweep --loop`` or the in-process demo runner."""
    confirmed = run_default_confirmations(None)
    with job_context() as app:
        from jobs.enqueue import enqueue_push, enqueue_push_if_lost, schedule_deadline

        now = utcnow()
        window = timedelta(seconds=app.config["SIGNOFF_MIN_WINDOW_SECONDS"])
        reopened = reopen_resolved(now=now, min_window=window)
        db.session.commit()
        for record_id in reopened:
            state = db.session.get(SignoffState, record_id)
            if state is not None:
                enqueue_push(record_id, round_no=state.round_no)
        future = db.session.execute(
            select(distinct(SignoffState.deadline_at)).where(
                SignoffState.state == "pending", SignoffState.deadline_at > now
            )
        ).scalars()
        for deadline in future:
            schedule_deadline(deadline)
        delivered = exists().where(PushDelivery.record_id == SignoffState.record_id)
        unpushed = db.session.execute(
            select(SignoffState.record_id).where(
                SignoffState.state == "pending",
                SignoffState.deadline_at > now,
                SignoffState.pushed_at.is_(None),
                ~delivered,
            )
        ).scalars()
        for record_id in unpushed:
            enqueue_push_if_lost(record_id)
    sweep_callbacks()
    catch_up_statistics()  # issue 17: the rollups catch up on the same beat
    return confirmed
