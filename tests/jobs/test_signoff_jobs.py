"""Jobs run by a real RQ worker (in this process, on the test Redis): push, retries, deadline jobs, sweep."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from flask import Flask, current_app
from rq import SimpleWorker
from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from jobs.connection import DEADLINES_QUEUE, PUSH_QUEUE, QUEUES, queue, redis_connection
from jobs.context import use_app
from jobs.enqueue import after_record_submitted, deadline_job_id, push_job_id
from jobs.signoff import apply_deadline, sweep
from miniback.extensions import db
from miniback.models import PushDelivery, SignoffEvent, SignoffState, SubscriptionQuota, utcnow
from signoff.push import CHARACTER_STRING_MAX, THING_MAX, grant_subscriptions
from tests.conftest import ROOT
from tests.factories.registry import make_staff, make_world
from tests.factories.signoff import due_records, submitted_records

SEND = "/cgi-bin/message/subscribe/send"
WECHAT_DIR = ROOT / "wechat"
# The mini-program's tests open the page of this payload (wechat/tests/push-page.test.js); the test below keeps it
# equal to what the backend sends. Rewrite it with MINIBACK_WRITE_FIXTURES=1 after changing the page on purpose.
PUSH_FIXTURE = WECHAT_DIR / "tests" / "fixtures" / "push-payload.json"


@pytest.fixture
def jobs_app(app: Flask) -> Iterator[Flask]:
    app.config["PUSH_RETRY_INTERVALS"] = [0, 0]
    use_app(app)
    yield app
    use_app(None)


def run_worker() -> None:
    SimpleWorker([queue(name) for name in QUEUES], connection=redis_connection()).work(burst=True)
    db.session.commit()  # ends this session's snapshot (REPEATABLE READ) so the jobs' writes are visible


def world_with_bound_managers(quota: int = 1):
    world = make_world()
    world.manager.openid = "stub-openid-manager-a"
    second = make_staff(world.uu_admin, "uu_manager", None, "冯副经理")
    second.openid = "stub-openid-manager-b"
    unbound = make_staff(world.uu_admin, "uu_manager", None, "未绑定")
    assert unbound.openid is None
    for manager in (world.manager, second):
        for _ in range(quota):
            grant_subscriptions(manager, [current_app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]], now=utcnow())
    world.elevators[0].address = "广州市天河区天河路385号太古汇一座写字楼北塔超长地址用于测试"
    db.session.commit()
    return world, second


def deliveries(record_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(PushDelivery.account_id, PushDelivery.outcome)
        .where(PushDelivery.record_id == record_id)
        .order_by(PushDelivery.id)
    ).all()
    return [tuple(row) for row in rows]


def kinds(record_id: int) -> list[str]:
    return list(
        db.session.execute(
            select(SignoffEvent.kind).where(SignoffEvent.record_id == record_id).order_by(SignoffEvent.id)
        ).scalars()
    )


def test_submission_pushes_bound_managers_within_field_limits(jobs_app, wechat_stub):
    world, second = world_with_bound_managers()
    (state,) = submitted_records(world)
    after_record_submitted(state.record_id, state.deadline_at)
    run_worker()
    sent = wechat_stub.calls_to(SEND)
    assert sorted(call["body"]["touser"] for call in sent) == ["stub-openid-manager-a", "stub-openid-manager-b"]
    data = sent[0]["body"]["data"]
    assert len(data["thing1"]["value"]) <= THING_MAX and data["thing1"]["value"].endswith("…")
    assert len(data["character_string2"]["value"]) <= CHARACTER_STRING_MAX
    assert sent[0]["body"]["page"] == f"pages/signoff/index?record_id={state.record_id}"
    assert sorted(deliveries(state.record_id)) == sorted([(world.manager.id, "sent"), (second.id, "sent")])
    assert kinds(state.record_id) == ["submitted", "pushed"]
    assert [q.remaining for q in db.session.execute(select(SubscriptionQuota)).scalars()] == [0, 0]
    # Running the same job again reaches nobody twice.
    queue(PUSH_QUEUE).enqueue("jobs.signoff.push_record", state.record_id)
    run_worker()
    assert len(wechat_stub.calls_to(SEND)) == 2
    assert kinds(state.record_id) == ["submitted", "pushed"]
    # The token was fetched once and shared through Redis.
    assert len(wechat_stub.calls_to("/cgi-bin/token")) == 1


def page_shape(page: str, record_id: int) -> tuple[str, list[tuple[str, str]]]:
    """A push page with the record's id as a placeholder, to compare payloads of different records."""
    path, _, query = page.partition("?")
    params = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    return path, [(key, "<record_id>" if value == str(record_id) else value) for key, value in params]


def test_the_mini_program_tests_open_the_page_the_backend_really_pushes(jobs_app, wechat_stub):
    world, _ = world_with_bound_managers()
    (state,) = submitted_records(world)
    after_record_submitted(state.record_id, state.deadline_at)
    run_worker()
    page = wechat_stub.calls_to(SEND)[0]["body"]["page"]
    if os.environ.get("MINIBACK_WRITE_FIXTURES") == "1":
        generated_by = "MINIBACK_WRITE_FIXTURES=1 pytest tests/jobs/test_signoff_jobs.py -k really_pushes"
        payload = {"_generated_by": generated_by, "page": page, "record_id": state.record_id}
        PUSH_FIXTURE.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
    committed = json.loads(PUSH_FIXTURE.read_text("utf-8"))
    assert page_shape(committed["page"], committed["record_id"]) == page_shape(page, state.record_id), (
        f"{PUSH_FIXTURE.name} no longer matches the pushed page {page!r}: "
        "rerun this test with MINIBACK_WRITE_FIXTURES=1 and commit the file"
    )
    path, params = page_shape(page, state.record_id)
    assert ("record_id", "<record_id>") in params
    assert path in json.loads((WECHAT_DIR / "app.json").read_text("utf-8"))["pages"]


def test_manager_without_quota_is_not_pushed(jobs_app, wechat_stub):
    world, _ = world_with_bound_managers(quota=0)
    (state,) = submitted_records(world)
    after_record_submitted(state.record_id, state.deadline_at)
    run_worker()
    assert wechat_stub.calls_to(SEND) == []
    assert [outcome for _, outcome in deliveries(state.record_id)] == ["no_quota", "no_quota"]
    assert kinds(state.record_id) == ["submitted"]


def test_wechat_43101_resets_the_quota_and_is_not_retried(jobs_app, wechat_stub):
    world, second = world_with_bound_managers(quota=3)
    (state,) = submitted_records(world)
    wechat_stub.fail_next(SEND, errcode=43101)
    after_record_submitted(state.record_id, state.deadline_at)
    run_worker()
    assert len(wechat_stub.calls_to(SEND)) == 2
    assert sorted(deliveries(state.record_id)) == sorted([(world.manager.id, "no_quota"), (second.id, "sent")])
    quotas = dict(db.session.execute(select(SubscriptionQuota.account_id, SubscriptionQuota.remaining)).all())
    assert quotas == {world.manager.id: 0, second.id: 2}
    assert FailedJobRegistry(PUSH_QUEUE, connection=redis_connection()).count == 0


@pytest.mark.slow
def test_failing_wechat_retries_then_records_failure_and_deadline_still_applies(jobs_app, wechat_stub):
    world, second = world_with_bound_managers()
    (state,) = submitted_records(world, deadline_in=timedelta(0), now=utcnow() - timedelta(minutes=2))
    assert state.deadline_at <= utcnow()
    # Attempt 1: HTTP 500 and an errcode; attempt 2: a timeout and a broken token endpoint; attempt 3: errcodes.
    wechat_stub.fail_next(SEND, status=500)
    wechat_stub.fail_next(SEND, errcode=-1)
    wechat_stub.fail_next(SEND, delay=3)
    wechat_stub.fail_next(SEND, errcode=45009, times=3)
    after_record_submitted(state.record_id, state.deadline_at)
    run_worker()
    outcomes = [outcome for _, outcome in deliveries(state.record_id)]
    assert outcomes == ["error", "error", "error", "error", "failed", "failed"]
    assert FailedJobRegistry(PUSH_QUEUE, connection=redis_connection()).get_job_ids() == [push_job_id(state.record_id)]
    # The deadline has passed, so the worker may have run its job already; either way it applies exactly once.
    already = kinds(state.record_id).count("default_confirmed")
    assert apply_deadline(state.deadline_at.isoformat()) == 1 - already
    db.session.commit()  # ends this session's snapshot (REPEATABLE READ) so the jobs' writes are visible
    assert kinds(state.record_id) == ["submitted", "default_confirmed"]
    confirmed = db.session.execute(select(SignoffEvent).where(SignoffEvent.kind == "default_confirmed")).scalar_one()
    assert confirmed.pushed_at is None


def test_one_deadline_job_per_distinct_deadline(jobs_app):
    world = make_world()
    states = submitted_records(world, 3) + submitted_records(world, 2, deadline_in=timedelta(hours=1))
    for state in states:
        after_record_submitted(state.record_id, state.deadline_at)
    scheduled = ScheduledJobRegistry(DEADLINES_QUEUE, connection=redis_connection()).get_job_ids()
    assert sorted(scheduled) == sorted({deadline_job_id(state.deadline_at) for state in states})
    assert len(scheduled) == 2


def test_sweep_re_enqueues_pushes_lost_with_redis(jobs_app, wechat_stub):
    world, second = world_with_bound_managers()
    (state,) = submitted_records(world)
    after_record_submitted(state.record_id, state.deadline_at)
    redis_connection().flushdb()
    sweep()
    sweep()  # the push job exists again: not enqueued twice
    run_worker()
    sent = wechat_stub.calls_to(SEND)
    assert sorted(call["body"]["touser"] for call in sent) == ["stub-openid-manager-a", "stub-openid-manager-b"]
    assert kinds(state.record_id) == ["submitted", "pushed"]
    sweep()
    assert queue(PUSH_QUEUE).count == 0


def test_sweep_confirms_overdue_records_and_rearms_lost_deadline_jobs(jobs_app):
    world = make_world()
    overdue = due_records(world, 4)
    (future,) = submitted_records(world)
    assert sweep() == 4
    assert sweep() == 0
    db.session.commit()  # ends this session's snapshot (REPEATABLE READ) so the jobs' writes are visible
    assert [kinds(record_id) for record_id in overdue] == [["submitted", "default_confirmed"]] * 4
    assert db.session.get(SignoffState, future.record_id).state == "pending"
    scheduled = ScheduledJobRegistry(DEADLINES_QUEUE, connection=redis_connection()).get_job_ids()
    assert scheduled == [deadline_job_id(future.deadline_at)]


def test_inline_mode_runs_jobs_in_process_without_redis(app, wechat_stub):
    """The embedded demo's mode: fakeredis queues, a SimpleWorker polled from a thread, RQ's scheduler included."""
    from jobs.connection import close_connection
    from jobs.worker import InlineRunner

    close_connection(app)
    app.config.update(JOBS_MODE="inline", SIGNOFF_SWEEP_INTERVAL_SECONDS=3600)
    runner = InlineRunner(app, poll_seconds=0.2).start()
    try:
        world, _ = world_with_bound_managers(quota=3)
        record_ids = due_records(world, 3)
        for record_id in record_ids:
            after_record_submitted(record_id, db.session.get(SignoffState, record_id).deadline_at)
        # One deadline job for the three records (the in-process scheduler may already have moved it on).
        deadline_ids = {deadline_job_id(db.session.get(SignoffState, rid).deadline_at) for rid in record_ids}
        assert len(deadline_ids) == 1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.commit()
            done = db.session.execute(
                select(SignoffEvent.record_id).where(SignoffEvent.kind.in_(("default_confirmed", "pushed")))
            ).all()
            # The stub sees a send before the job commits its "pushed" event: wait for the events themselves.
            if len(done) == 6 and len(wechat_stub.calls_to(SEND)) == 6:
                break
            time.sleep(0.2)
    finally:
        runner.stop()
        use_app(None)
    # Push and deadline jobs ran independently, in either order; each happened once per record.
    assert [sorted(kinds(record_id)) for record_id in record_ids] == [["default_confirmed", "pushed", "submitted"]] * 3
    assert len(wechat_stub.calls_to(SEND)) == 6
    assert FinishedJobRegistry(DEADLINES_QUEUE, connection=redis_connection()).get_job_ids() == list(deadline_ids)
