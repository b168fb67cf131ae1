"""Delivering callbacks: retries with backoff on an error status and on a dead port, each attempt logged; the URL
checked again before each attempt; redirects not followed; a failing platform never holds up the sign-off."""

from __future__ import annotations

import socket
from datetime import timedelta

import redis

from jobs.connection import CALLBACKS_QUEUE, DEADLINES_QUEUE, QUEUES, queue
from jobs.enqueue import delivery_job_id
from jobs.signoff import sweep
from jobs.worker import production_worker
from miniback.extensions import db
from miniback.models import PlatformCallback, PlatformClient, SignoffEvent, SignoffState, utcnow
from tests.conftest import REDIS_URL
from tests.factories.signoff import due_records
from tests.platform.callbacks_support import (
    attempts,
    callbacks,
    dead_port_url,
    run_callback_worker,
    run_signoff_worker,
    scheduled_retries,
    sign,
    time_passes,
    upload_record,
    uploaded_record,
)

BACKOFF = [30, 120, 600, 3600, 6 * 3600, 24 * 3600]


def signed_platform_record(jobs_app, client, receiver, *, callback_url=None):
    """A connected platform's record, signed by the manager: its callback is waiting on the callbacks queue."""
    world, platform, state = uploaded_record(jobs_app, receiver)
    if callback_url is not None:
        platform.client.callback_url = callback_url
        db.session.commit()
    assert sign(client, world, state.record_id) == 201
    return world, platform, state


def test_an_error_status_is_retried_with_backoff_every_attempt_logged_then_the_callback_fails(
    jobs_app, client, receiver
):
    receiver.statuses = [500]
    signed_platform_record(jobs_app, client, receiver)
    gaps = []
    for attempt_no in range(1, len(BACKOFF) + 2):
        run_callback_worker()
        (callback,) = callbacks()
        assert callback.attempts == attempt_no
        if callback.status == "pending":
            logged = attempts(callback.id)[-1]
            gaps.append((callback.next_attempt_at - logged.attempted_at).total_seconds())
            assert scheduled_retries() == [delivery_job_id(callback.id, attempt_no + 1)]
            time_passes()
    assert gaps == BACKOFF
    assert callback.status == "failed" and callback.next_attempt_at is None
    logged = attempts(callback.id)
    assert [(a.attempt_no, a.status_code, a.error) for a in logged] == [
        (n, 500, "HTTP 500") for n in range(1, len(BACKOFF) + 2)
    ]
    # Each attempt was signed afresh (its own timestamp) and verified; the webhook id stayed the same.
    assert len(receiver.deliveries) == len(BACKOFF) + 1
    assert all(delivery.verified for delivery in receiver.deliveries)
    assert {delivery.headers["webhook-id"] for delivery in receiver.deliveries} == {callback.webhook_id}
    assert scheduled_retries() == []
    time_passes()
    sweep()
    run_callback_worker()
    assert len(receiver.deliveries) == len(BACKOFF) + 1  # a failed callback is not sent again


def test_a_dead_port_is_retried_and_delivered_once_the_platform_listens(jobs_app, client, receiver):
    _, platform, _ = signed_platform_record(jobs_app, client, receiver, callback_url=dead_port_url())
    run_callback_worker()
    (callback,) = callbacks()
    (first,) = attempts(callback.id)
    assert first.status_code is None and first.error.startswith("ConnectionError")
    assert callback.status == "pending" and callback.next_attempt_at == first.attempted_at + timedelta(seconds=30)
    db.session.get(PlatformClient, platform.client.id).callback_url = receiver.url  # the platform fixed its server
    db.session.commit()
    time_passes()
    run_callback_worker()
    assert [(a.attempt_no, a.status_code) for a in attempts(callback.id)] == [(1, None), (2, 200)]
    assert [c.status for c in callbacks()] == ["delivered"]
    assert receiver.verified_payloads()[0]["type"] == "record.signed"


def test_a_callback_url_resolving_to_a_private_address_is_refused_before_each_attempt(jobs_app, client, receiver):
    jobs_app.config["PLATFORM_CALLBACK_ALLOW_PRIVATE"] = False
    signed_platform_record(jobs_app, client, receiver)
    run_callback_worker()
    (callback,) = callbacks()
    (refused,) = attempts(callback.id)
    assert refused.status_code is None and refused.url == receiver.url
    assert refused.error == "回调地址须使用 https"
    db.session.get(PlatformClient, callback.platform_client_id).callback_url = "https://127.0.0.1:9/hook"
    db.session.commit()
    time_passes()
    run_callback_worker()
    assert "内网、本机或保留地址（127.0.0.1）" in attempts(callback.id)[-1].error
    assert receiver.deliveries == []  # nothing ever left for the private address
    assert callbacks()[0].status == "pending"


def test_a_redirect_is_not_followed(jobs_app, client, receiver):
    receiver.statuses = [302, 200]
    signed_platform_record(jobs_app, client, receiver)
    run_callback_worker()
    (callback,) = callbacks()
    assert [(a.status_code, a.error) for a in attempts(callback.id)] == [(302, "HTTP 302")]
    assert len(receiver.deliveries) == 1 and callback.status == "pending"


def test_a_slow_platform_times_out_and_is_retried(jobs_app, client, receiver):
    jobs_app.config["PLATFORM_CALLBACK_TIMEOUT_SECONDS"] = 0.3
    receiver.delay_seconds = 1.0
    signed_platform_record(jobs_app, client, receiver)
    run_callback_worker()
    (callback,) = callbacks()
    (slow,) = attempts(callback.id)
    assert slow.status_code is None and slow.error.startswith("ReadTimeout")
    assert callback.status == "pending" and scheduled_retries() == [delivery_job_id(callback.id, 2)]


def test_a_failing_platform_never_holds_up_the_push_or_the_deadline(jobs_app, client, receiver, wechat_stub):
    """Callbacks wait on their own queue, which the sign-off workers do not take: with the platform down and its
    callbacks piling up, the deadline job still confirms everything due, exactly once."""
    assert CALLBACKS_QUEUE not in [q.name for q in production_worker(jobs_app).queues]
    world, platform, signed = signed_platform_record(jobs_app, client, receiver, callback_url=dead_port_url())
    due = due_records(world, 3)
    for record_id in due:
        upload_record(platform, record_id)
    queue(DEADLINES_QUEUE).enqueue("jobs.signoff.apply_deadline", utcnow().isoformat())
    run_signoff_worker()
    assert [db.session.get(SignoffState, record_id).state for record_id in due] == ["default_confirmed"] * 3
    assert len(queue(CALLBACKS_QUEUE)) == 2  # the sign's dispatch and the chunk's, still waiting
    run_callback_worker()
    assert [c.status for c in callbacks()] == ["pending"] * 4
    confirmations = db.session.execute(
        db.select(SignoffEvent.record_id).where(SignoffEvent.kind == "default_confirmed")
    ).scalars()
    assert sorted(confirmations) == sorted(due)
    assert db.session.get(SignoffState, signed.record_id).state == "signed"
    assert set(QUEUES) == {DEADLINES_QUEUE, "signoff-push"}


def test_a_retry_lost_with_redis_is_enqueued_again_by_the_sweep(jobs_app, client, receiver):
    receiver.statuses = [503, 200]
    signed_platform_record(jobs_app, client, receiver)
    run_callback_worker()
    (callback,) = callbacks()
    assert callback.attempts == 1 and scheduled_retries() == [delivery_job_id(callback.id, 2)]
    with redis.Redis.from_url(REDIS_URL) as connection:
        connection.flushdb()  # the scheduled retry is gone
    sweep()
    run_callback_worker()
    assert callbacks()[0].attempts == 1  # not due yet: the sweep leaves it
    db.session.execute(
        db.update(PlatformCallback).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )  # its time comes
    db.session.commit()
    sweep()
    run_callback_worker()
    assert [(a.attempt_no, a.status_code) for a in attempts(callback.id)] == [(1, 503), (2, 200)]
    assert callbacks()[0].status == "delivered"


def test_a_repeated_delivery_job_sends_nothing_twice(jobs_app, client, receiver):
    signed_platform_record(jobs_app, client, receiver)
    run_callback_worker()
    (callback,) = callbacks()
    queue(CALLBACKS_QUEUE).enqueue("jobs.platform_callbacks.deliver_callback", callback.id)
    run_callback_worker()
    assert len(receiver.deliveries) == 1 and len(attempts(callback.id)) == 1


def test_a_revoked_platform_gets_no_further_attempt(jobs_app, client, receiver):
    receiver.statuses = [500]
    _, platform, _ = signed_platform_record(jobs_app, client, receiver)
    run_callback_worker()
    db.session.get(PlatformClient, platform.client.id).status = "revoked"
    db.session.commit()
    time_passes()
    run_callback_worker()
    (callback,) = callbacks()
    assert callback.status == "failed"
    assert [(a.status_code, a.error) for a in attempts(callback.id)] == [
        (500, "HTTP 500"),
        (None, "平台已注销，不再回调"),
    ]
    assert len(receiver.deliveries) == 1


def test_a_name_rebound_to_a_private_address_after_the_check_is_refused_once_connected(
    jobs_app, client, receiver, monkeypatch
):
    """DNS rebinding: the name is public when the URL is checked and points at this machine a moment later, when
    the connection is made. The address really connected to is checked too, so nothing is sent to it."""
    jobs_app.config["PLATFORM_CALLBACK_ALLOW_PRIVATE"] = False
    port = int(receiver.url.split(":")[2].split("/")[0])
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example.test":
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    signed_platform_record(jobs_app, client, receiver, callback_url=f"https://rebind.example.test:{port}/hook")
    run_callback_worker()
    (callback,) = callbacks()
    (refused,) = attempts(callback.id)
    assert len(lookups) == 2  # the check's, then the connection's
    assert refused.status_code is None
    assert "内网、本机或保留地址（127.0.0.1）" in refused.error
    assert receiver.deliveries == []
