"""For the callback tests: a local HTTP receiver that verifies each delivery's Standard Webhooks signature, records
uploaded by a platform (made directly, not through the upload routes), and workers per queue."""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import update
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from jobs.connection import CALLBACKS_QUEUE, QUEUES, queue, redis_connection
from miniback.extensions import db
from miniback.models import (
    PlatformCallback,
    PlatformCallbackAttempt,
    PlatformRequest,
    PlatformUpload,
    SignoffState,
    utcnow,
)
from miniback.platform.callbacks import webhook_secret
from tests.factories.platform import Platform, make_platform
from tests.factories.registry import UnitWorld, auth, make_world
from tests.factories.signatures import manager_signature_b64
from tests.factories.signoff import submitted_records


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    verified: bool
    payload: Any


@dataclass
class Receiver:
    """What the receiver got, and what it answers next (one status per request; the last one repeats)."""

    secret: str = ""
    statuses: list[int] = field(default_factory=lambda: [200])
    deliveries: list[Delivery] = field(default_factory=list)
    url: str = ""
    delay_seconds: float = 0.0  # a slow platform: answer only after this long

    def answer(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def verified_payloads(self) -> list[Any]:
        return [delivery.payload for delivery in self.deliveries if delivery.verified]


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {key: value for key, value in self.headers.items()}
        try:
            payload = Webhook(self.receiver.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            payload, verified = json.loads(body), False
        self.receiver.deliveries.append(Delivery(headers, body, verified, payload))
        time.sleep(self.receiver.delay_seconds)
        status = self.receiver.answer()
        self.send_response(status)
        if status in (301, 302, 307):
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        return None


def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    handler = type("Handler", (_Handler,), {"receiver": receiver})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/miniback/callbacks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def dead_port_url() -> str:
    """A local URL nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/callbacks"


def upload_record(
    platform: Platform, record_id: int | None, *, sandbox: bool = False, ref: str | None = None
) -> PlatformUpload:
    """The signed request and the upload row a platform's upload of ``record_id`` would have written."""
    body = json.dumps({"platform_record_id": ref or "x"}).encode()
    request = PlatformRequest(
        platform_client_id=platform.client.id,
        key_id=platform.key_id,
        sandbox=sandbox,
        method="POST",
        path="/api/v1/platform/records",
        signed_timestamp=utcnow().isoformat(),
        nonce=secrets.token_urlsafe(18),
        body_sha256=hashlib.sha256(body).hexdigest(),
        signature="c2lnbmF0dXJl",
        body=body,
    )
    db.session.add(request)
    db.session.flush()
    upload = PlatformUpload(
        platform_client_id=platform.client.id,
        sandbox=sandbox,
        kind="record",
        platform_ref=ref or f"ext-{secrets.token_hex(6)}",
        item_sha256=hashlib.sha256(body).hexdigest(),
        request_id=request.id,
        record_id=record_id,
        content_hash=hashlib.sha256(f"content-{record_id}-{ref}".encode()).hexdigest(),
        summary={"maintenance_day": utcnow().date().isoformat()} if sandbox else None,
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def run_signoff_worker() -> None:
    SimpleWorker([queue(name) for name in QUEUES], connection=redis_connection()).work(burst=True)
    db.session.commit()  # end this session's snapshot, so the jobs' writes are visible


def run_callback_worker() -> None:
    SimpleWorker([queue(CALLBACKS_QUEUE)], connection=redis_connection()).work(burst=True)
    db.session.commit()


def callbacks() -> list[PlatformCallback]:
    db.session.commit()
    return list(db.session.execute(db.select(PlatformCallback).order_by(PlatformCallback.id)).scalars())


def attempts(callback_id: int) -> list[PlatformCallbackAttempt]:
    db.session.commit()
    return list(
        db.session.execute(
            db.select(PlatformCallbackAttempt)
            .where(PlatformCallbackAttempt.callback_id == callback_id)
            .order_by(PlatformCallbackAttempt.attempt_no)
        ).scalars()
    )


def time_passes() -> None:
    """Every pending callback falls due, and its scheduled retry is moved onto the queue (as RQ's scheduler does
    once its time comes)."""
    db.session.execute(
        update(PlatformCallback)
        .where(PlatformCallback.status == "pending")
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    callbacks_queue = queue(CALLBACKS_QUEUE)
    registry = ScheduledJobRegistry(CALLBACKS_QUEUE, connection=redis_connection())
    for job_id in registry.get_job_ids():
        job = Job.fetch(job_id, connection=redis_connection())
        registry.remove(job)
        callbacks_queue.enqueue_job(job)


def scheduled_retries() -> list[str]:
    return ScheduledJobRegistry(CALLBACKS_QUEUE, connection=redis_connection()).get_job_ids()


def connected(world: UnitWorld, receiver: Receiver, app: Flask, status: str = "connected") -> Platform:
    """A platform authorised by the world's unit, calling back to ``receiver``, which knows its secret."""
    platform = make_platform(status, callback_url=receiver.url, authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    receiver.secret = webhook_secret(platform.client, app.config["SECRET_KEY"])
    return platform


def sign(client: FlaskClient, world: UnitWorld, record_id: int) -> int:
    url = f"/api/v1/signoff/records/{record_id}/sign"
    status: int = client.post(
        url, json={"signature_png": manager_signature_b64()}, headers=auth(world.manager)
    ).status_code
    return status


def object_to(client: FlaskClient, world: UnitWorld, record_id: int) -> int:
    url = f"/api/v1/signoff/records/{record_id}/objection"
    status: int = client.post(url, json={"reason": "记录与现场不符"}, headers=auth(world.manager)).status_code
    return status


def uploaded_record(app: Flask, receiver: Receiver, **submitted: Any) -> tuple[UnitWorld, Platform, SignoffState]:
    """A record submitted now and uploaded by a connected platform that calls back to ``receiver``."""
    world = make_world()
    platform = connected(world, receiver, app)
    (state,) = submitted_records(world, **submitted)
    upload_record(platform, state.record_id)
    return world, platform, state
