"""The embedded demo's mode (SQLite, fakeredis, jobs in threads of the server's process) delivers callbacks too."""

from __future__ import annotations

import time

from flask import Flask

from jobs.connection import close_connection
from jobs.context import use_app
from jobs.worker import InlineRunner
from miniback.extensions import db
from tests.factories.registry import make_world
from tests.factories.signoff import due_records, submitted_records
from tests.platform.callbacks_support import Receiver, callbacks, connected, sign, upload_record


def test_the_demo_runner_sends_callbacks_of_signs_and_default_confirmations(sqlite_app: Flask, receiver: Receiver):
    close_connection(sqlite_app)
    sqlite_app.config.update(JOBS_MODE="inline", SIGNOFF_SWEEP_INTERVAL_SECONDS=1)
    client = sqlite_app.test_client()
    world = make_world()
    platform = connected(world, receiver, sqlite_app)
    (pending,) = submitted_records(world)
    (overdue,) = due_records(world, 1)
    upload_record(platform, pending.record_id)
    upload_record(platform, overdue)
    runner = InlineRunner(sqlite_app, poll_seconds=0.2).start()
    try:
        assert sign(client, world, pending.record_id) == 201
        give_up = time.monotonic() + 30
        while time.monotonic() < give_up and len(receiver.deliveries) < 2:
            time.sleep(0.2)
    finally:
        runner.stop()
        use_app(None)
    db.session.commit()
    assert sorted(payload["type"] for payload in receiver.verified_payloads()) == [
        "record.default_confirmed",
        "record.signed",
    ]
    assert [callback.status for callback in callbacks()] == ["delivered", "delivered"]
