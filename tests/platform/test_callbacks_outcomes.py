"""Each sign-off outcome of an uploaded record (signed, default-confirmed, objected) reaches the platform as
exactly one Standard Webhooks callback, verified by a local receiver; the sweep writes what Redis lost."""

from __future__ import annotations

import json
from datetime import datetime
from threading import Thread

import redis

from jobs.connection import CALLBACKS_QUEUE, DEADLINES_QUEUE, close_connection, queue
from jobs.signoff import sweep
from miniback.extensions import db
from miniback.models import SignoffState, utcnow
from miniback.platform.callbacks import dispatch_callbacks
from tests.conftest import REDIS_URL
from tests.factories.platform import make_platform
from tests.factories.registry import make_world
from tests.factories.signoff import due_records, submitted_records
from tests.platform.callbacks_support import (
    callbacks,
    connected,
    object_to,
    run_callback_worker,
    run_signoff_worker,
    sign,
    upload_record,
    uploaded_record,
)


def test_a_signed_record_sends_one_callback_the_platform_verifies(jobs_app, client, receiver):
    world = make_world()
    platform = connected(world, receiver, jobs_app)
    (state,) = submitted_records(world)
    upload = upload_record(platform, state.record_id, ref="order-2026-001")
    assert sign(client, world, state.record_id) == 201
    run_callback_worker()
    (delivery,) = receiver.deliveries
    assert delivery.verified
    assert delivery.payload["type"] == "record.signed"
    assert delivery.payload["data"] == {
        "platform_record_id": "order-2026-001",
        "record_id": state.record_id,
        "content_hash": upload.content_hash,
        "sandbox": False,
        "signoff": delivery.payload["data"]["signoff"],
    }
    signoff = delivery.payload["data"]["signoff"]
    assert signoff["state"] == "signed" and signoff["objection_open"] is False
    assert datetime.fromisoformat(signoff["decided_at"]).utcoffset().total_seconds() == 8 * 3600
    (callback,) = callbacks()
    assert (callback.status, callback.attempts, callback.event_type) == ("delivered", 1, "record.signed")
    assert delivery.headers["webhook-id"] == callback.webhook_id
    assert delivery.body.decode() == callback.payload
    # Signing again, another dispatch and the sweep add nothing: one event, one callback.
    assert sign(client, world, state.record_id) == 200
    sweep()
    run_callback_worker()
    assert len(callbacks()) == 1 and len(receiver.deliveries) == 1


def test_the_deadline_job_default_confirms_and_the_platform_hears_of_it_once(jobs_app, client, receiver):
    world = make_world()
    platform = connected(world, receiver, jobs_app)
    record_ids = due_records(world, 2)
    upload_record(platform, record_ids[0])  # the other one came from the mini-program
    queue(DEADLINES_QUEUE).enqueue("jobs.signoff.apply_deadline", utcnow().isoformat())
    run_signoff_worker()
    assert db.session.get(SignoffState, record_ids[0]).state == "default_confirmed"
    assert len(queue(CALLBACKS_QUEUE)) == 1  # the chunk's dispatch, waiting on its own queue
    run_callback_worker()
    (delivery,) = receiver.deliveries
    assert delivery.verified and delivery.payload["type"] == "record.default_confirmed"
    assert delivery.payload["data"]["record_id"] == record_ids[0]
    assert delivery.payload["data"]["signoff"]["state"] == "default_confirmed"
    sweep()
    run_callback_worker()
    assert [c.status for c in callbacks()] == ["delivered"] and len(receiver.deliveries) == 1


def test_an_objection_before_the_deadline_sends_one_objected_callback(jobs_app, client, receiver):
    world, platform, state = uploaded_record(jobs_app, receiver)
    assert object_to(client, world, state.record_id) == 201
    run_callback_worker()
    (delivery,) = receiver.deliveries
    assert delivery.verified and delivery.payload["type"] == "record.objected"
    signoff = delivery.payload["data"]["signoff"]
    assert (signoff["state"], signoff["objection_open"], signoff["objection_reason"]) == (
        "objected",
        True,
        "记录与现场不符",
    )
    sweep()
    run_callback_worker()
    assert len(callbacks()) == 1


def test_an_objection_after_the_deadline_sends_the_default_confirmation_then_the_objection(jobs_app, client, receiver):
    """The objection confirms the overdue record first (two events in one request): two callbacks, each with the
    sign-off as it stood right after its own event."""
    world = make_world()
    platform = connected(world, receiver, jobs_app)
    (record_id,) = due_records(world, 1)
    upload_record(platform, record_id)
    assert object_to(client, world, record_id) == 201
    run_callback_worker()
    first, second = sorted(receiver.verified_payloads(), key=lambda payload: payload["type"])
    assert first["type"] == "record.default_confirmed"
    assert first["data"]["signoff"]["objection_open"] is False
    assert second["type"] == "record.objected"
    assert second["data"]["signoff"]["state"] == "default_confirmed"
    assert second["data"]["signoff"]["objection_open"] is True
    assert [c.status for c in callbacks()] == ["delivered", "delivered"]


def test_records_of_the_mini_program_sandbox_or_a_platform_without_callback_url_send_nothing(
    jobs_app, client, receiver
):
    world = make_world()
    platform = connected(world, receiver, jobs_app)
    quiet = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    mini, sandboxed, no_url = submitted_records(world, 3)
    upload_record(platform, sandboxed.record_id, sandbox=True)
    upload_record(quiet, no_url.record_id)
    for state in (mini, sandboxed, no_url):
        assert sign(client, world, state.record_id) == 201
    run_callback_worker()
    sweep()
    run_callback_worker()
    assert callbacks() == [] and receiver.deliveries == []


def test_a_flushed_redis_loses_no_callback_the_sweep_writes_and_sends_it(jobs_app, client, receiver):
    world, platform, state = uploaded_record(jobs_app, receiver)
    assert sign(client, world, state.record_id) == 201
    with redis.Redis.from_url(REDIS_URL) as connection:
        connection.flushdb()  # the dispatch job is gone
    run_callback_worker()
    assert callbacks() == []
    sweep()
    run_callback_worker()
    (delivery,) = receiver.deliveries
    assert delivery.verified and delivery.payload["type"] == "record.signed"
    assert [c.status for c in callbacks()] == ["delivered"]


def test_redis_down_never_fails_the_sign_off_and_the_sweep_catches_up(jobs_app, client, receiver):
    world, platform, state = uploaded_record(jobs_app, receiver)
    close_connection(jobs_app)
    jobs_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    assert sign(client, world, state.record_id) == 201
    assert db.session.get(SignoffState, state.record_id).state == "signed"
    close_connection(jobs_app)
    jobs_app.config["REDIS_URL"] = REDIS_URL
    sweep()
    run_callback_worker()
    assert [payload["type"] for payload in receiver.verified_payloads()] == ["record.signed"]


def test_a_dispatcher_racing_another_writes_no_second_callback(jobs_app, client, receiver):
    world, platform, state = uploaded_record(jobs_app, receiver)
    assert sign(client, world, state.record_id) == 201
    db.session.commit()
    db.session.execute(db.select(SignoffState.record_id)).all()  # this session's snapshot (REPEATABLE READ) begins

    def other_dispatcher() -> None:
        with jobs_app.app_context():
            dispatch_callbacks(now=utcnow(), record_ids=[state.record_id])
            db.session.commit()
            db.session.remove()

    thread = Thread(target=other_dispatcher)
    thread.start()
    thread.join()
    # This snapshot still sees no callback; the unique event id refuses the second one it tries to write.
    assert dispatch_callbacks(now=utcnow(), record_ids=[state.record_id]) == []
    db.session.commit()
    (callback,) = callbacks()
    assert json.loads(callback.payload)["type"] == "record.signed"
