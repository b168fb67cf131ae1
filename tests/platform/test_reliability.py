"""Uploads when things go wrong, done for real: the same id on two connections at once, ``kill -9`` of the app
server in the middle of a batch, and Redis flushed between an upload and its sign-off deadline."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

import miniback.platform.uploads as uploads
from jobs.connection import DEADLINES_QUEUE, redis_connection
from jobs.context import use_app
from jobs.enqueue import deadline_job_id
from miniback.extensions import db
from miniback.models import (
    LedgerEntry,
    MaintenanceRecord,
    PlatformUpload,
    PublicHistoryEntry,
    RecordDraft,
    RecordItem,
    RecordTechnician,
    SignoffState,
    utcnow,
)
from miniback.records.calendar import SHANGHAI
from miniback.records.templates import tsg_template
from tests.conftest import ROOT
from tests.factories.platform import Platform, make_platform, signed_headers
from tests.factories.registry import make_world
from tests.factories.uploads import certify, record_payload
from tests.signoff.test_reliability import assert_exactly_once, process_env, run_flask, wait_for

pytestmark = pytest.mark.slow

RECORDS = "/api/v1/platform/records"
BATCH = "/api/v1/platform/records/batch"


def count(model: Any, *where: Any) -> int:
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def connected_world() -> tuple[Any, Platform]:
    world = make_world()
    certify(world.tech1, world.tech2)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    return world, platform


def test_same_id_on_two_connections_at_once_yields_one_record(app, monkeypatch):
    world, platform = connected_world()
    payload = record_payload(world.elevators[0], [world.tech1, world.tech2])
    body = json.dumps(payload).encode()
    # Both uploads get past the look-up of the id before either writes: the unique key alone must decide.
    both_looked = threading.Barrier(2, timeout=30)
    look_up = uploads.find_upload
    waited = threading.local()

    def find_then_wait(*args: Any, locking: bool = False, **kwargs: Any) -> Any:
        found = look_up(*args, locking=locking, **kwargs)
        if not locking and not getattr(waited, "done", False):  # a redone item (after a deadlock) does not wait
            waited.done = True
            both_looked.wait()
        return found

    monkeypatch.setattr(uploads, "find_upload", find_then_wait)

    def one(_: int) -> Any:
        headers = signed_headers(platform, "POST", RECORDS, body)
        response = app.test_client().post(RECORDS, data=body, headers=headers)  # its own app context and session
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(one, range(2)))
    assert sorted(status for status, _ in answers) == [200, 201], answers
    assert sorted(body["result"] for _, body in answers) == ["created", "duplicate"]
    assert len({body["record"]["record_id"] for _, body in answers}) == 1
    assert count(MaintenanceRecord) == 1
    assert count(PlatformUpload) == 1
    # The loser's own record was rolled back whole: one ledger entry, one sign-off, one public entry.
    assert count(LedgerEntry) == 1 and count(SignoffState) == 1 and count(PublicHistoryEntry) == 1
    assert count(RecordDraft) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn serving the app on a free port, in its own process group (so ``kill -9`` takes all of it)."""

    def __init__(self, app: Flask) -> None:
        self.port = free_port()
        handle, name = tempfile.mkstemp(prefix="miniback-gunicorn-", suffix=".log")
        self.log_path = Path(name)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "300",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=process_env(app),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        os.close(handle)
        wait_for(self._listening, timeout=60, every=0.1)

    def _listening(self) -> bool:
        assert self.process.poll() is None, self.log_path.read_text()
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def post(self, platform: Platform, path: str, body: bytes) -> requests.Response:
        headers = signed_headers(platform, "POST", path, body)
        return requests.post(f"http://127.0.0.1:{self.port}{path}", data=body, headers=headers, timeout=300)

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log_path.unlink(missing_ok=True)


@pytest.fixture
def servers(app: Flask) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def assert_every_upload_complete(items_per_record: int) -> int:
    """Each upload has its whole record (items, technicians, sign-off, ledger and public entries) and nothing exists
    without its upload. Returns how many there are."""
    uploaded = count(PlatformUpload)
    assert count(PlatformUpload, PlatformUpload.record_id.is_(None)) == 0
    assert count(MaintenanceRecord) == uploaded
    assert count(RecordDraft) == uploaded  # the item in flight left no open draft behind
    assert count(RecordItem) == uploaded * items_per_record
    assert count(RecordTechnician) == uploaded * 2
    assert count(SignoffState) == uploaded
    assert count(LedgerEntry) == uploaded
    assert count(PublicHistoryEntry) == uploaded
    linked = db.session.execute(
        select(func.count())
        .select_from(PlatformUpload)
        .join(MaintenanceRecord, MaintenanceRecord.id == PlatformUpload.record_id)
    ).scalar_one()
    assert linked == uploaded
    return uploaded


def test_kill_9_mid_batch_leaves_whole_items_and_the_resent_batch_no_duplicates(app, servers):
    world, platform = connected_world()
    elevators = world.elevators
    category = "year"  # the longest checklist: the batch takes long enough to be cut in its middle
    start = utcnow() - timedelta(hours=30)
    items = [
        record_payload(
            elevators[n % 2], [world.tech1, world.tech2], category=category, check_in_at=start + timedelta(hours=n % 20)
        )
        for n in range(100)
    ]
    body = json.dumps({"records": items}).encode()
    items_per_record = len(tsg_template(elevators[0].elevator_type, category).items)

    server = Server(app)
    servers.append(server)
    sent = threading.Thread(target=lambda: _post_ignoring_the_cut(server, platform, body), daemon=True)
    sent.start()
    wait_for(lambda: count(PlatformUpload) >= 10, timeout=120, every=0.01)
    server.kill9()
    sent.join(timeout=30)

    survived = assert_every_upload_complete(items_per_record)
    assert 10 <= survived < 100, survived

    again = Server(app)
    servers.append(again)
    response = again.post(platform, BATCH, body)
    assert response.status_code == 200, response.text
    assert response.json()["counts"] == {"created": 100 - survived, "duplicate": survived, "conflict": 0, "invalid": 0}
    assert assert_every_upload_complete(items_per_record) == 100
    resent = again.post(platform, BATCH, body)
    assert resent.json()["counts"] == {"created": 0, "duplicate": 100, "conflict": 0, "invalid": 0}
    assert count(MaintenanceRecord) == 100


def _post_ignoring_the_cut(server: Server, platform: Platform, body: bytes) -> None:
    with contextlib.suppress(requests.ConnectionError):  # the server is killed under it: that is the point
        server.post(platform, BATCH, body)


@pytest.fixture
def jobs_app(app: Flask) -> Iterator[Flask]:
    use_app(app)
    yield app
    use_app(None)


def test_redis_flushed_between_upload_and_deadline_the_signoff_still_ends_once(jobs_app, client):
    from tests.factories.platform import call

    jobs_app.config["SIGNOFF_MIN_WINDOW_SECONDS"] = 0  # the deadline is the end of yesterday, or this minute
    world, platform = connected_world()
    # Noon yesterday in Guangzhou: a job that ended yesterday whatever the hour now (near midnight, "24 hours ago"
    # plus the job's 40 minutes would end today).
    noon = datetime.combine(utcnow().astimezone(SHANGHAI).date() - timedelta(days=1), time(12), tzinfo=SHANGHAI)
    payload = record_payload(world.elevators[0], [world.tech1], check_in_at=noon)
    response = call(client, platform, "POST", RECORDS, payload)
    assert response.status_code == 201, response.json
    out = response.json["record"]
    assert out["late_upload"] is True  # finished yesterday, received today: the same-day rule's flag
    state = db.session.get(SignoffState, out["record_id"])
    scheduled = ScheduledJobRegistry(DEADLINES_QUEUE, connection=redis_connection()).get_job_ids()
    assert deadline_job_id(state.deadline_at) in scheduled

    redis_connection().flushdb()
    wait_for(lambda: utcnow() >= state.deadline_at, timeout=90, every=0.5)
    first = run_flask(jobs_app, "sweep")
    second = run_flask(jobs_app, "sweep")
    assert "巡检：默认签名确认 1 条" in first
    assert "巡检：默认签名确认 0 条" in second
    assert_exactly_once([out["record_id"]])
    read = call(client, platform, "GET", f"{RECORDS}/{payload['platform_record_id']}")
    assert read.json["signoff"]["state"] == "default_confirmed"
