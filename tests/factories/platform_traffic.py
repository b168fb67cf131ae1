"""A platform's traffic written directly as rows (the call log, uploads, callbacks and their attempts), for the
conformance report and the figures, which only read these rows."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import datetime
from typing import Any

from miniback.extensions import db
from miniback.models import (
    PlatformCall,
    PlatformCallback,
    PlatformCallbackAttempt,
    PlatformClient,
    PlatformRequest,
    PlatformUpload,
    utcnow,
)

_counter = itertools.count(1)


def log_call(
    client: PlatformClient,
    operation: str,
    status: int,
    results: list[tuple[str, str | None]] | None = None,
    *,
    error_code: str | None = None,
    sandbox: bool = True,
    at: datetime | None = None,
) -> PlatformCall:
    """One call-log row; ``results`` as (result, code) pairs."""
    call = PlatformCall(
        platform_client_id=client.id,
        sandbox=sandbox,
        operation=operation,
        status=status,
        error_code=error_code,
        results=None if results is None else [{"result": result, "code": code} for result, code in results],
        key_id=None,
        created_at=at or utcnow(),
    )
    db.session.add(call)
    db.session.flush()
    return call


def upload(
    client: PlatformClient,
    *,
    sandbox: bool = True,
    kind: str = "record",
    record_id: int | None = None,
    at: datetime | None = None,
) -> PlatformUpload:
    """An upload with the signed request it came in (the request's body is a stand-in)."""
    n = next(_counter)
    body = json.dumps({"platform_record_id": f"ref-{n}"}).encode()
    request = PlatformRequest(
        platform_client_id=client.id,
        key_id="pk_" + "a" * 20,
        sandbox=sandbox,
        method="POST",
        path="/api/v1/platform/records",
        signed_timestamp="2026-12-03T14:05:00+08:00",
        nonce=f"nonce-{n:012d}",
        body_sha256=hashlib.sha256(body).hexdigest(),
        signature="c2lnbmF0dXJl",
        body=body,
        received_at=at or utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    row = PlatformUpload(
        platform_client_id=client.id,
        sandbox=sandbox,
        kind=kind,
        platform_ref=f"ref-{n}",
        item_sha256=hashlib.sha256(body).hexdigest(),
        request_id=request.id,
        record_id=record_id,
        created_at=at or utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def callback(
    client: PlatformClient,
    status: str,
    attempts: list[int | None] = (),  # type: ignore[assignment]
    *,
    sandbox: bool = True,
    at: datetime | None = None,
    about: PlatformUpload | None = None,
) -> PlatformCallback:
    """A callback in ``status`` with one attempt per given HTTP status (None: no answer), about the upload
    ``about`` (a new one by default)."""
    moment = at or utcnow()
    row = PlatformCallback(
        webhook_id=f"msg_{next(_counter):020d}",
        platform_client_id=client.id,
        sandbox=sandbox,
        upload_id=(about or upload(client, sandbox=sandbox, at=moment)).id,
        event_type="record.signed",
        payload="{}",
        status=status,
        attempts=len(attempts),
        delivered_at=moment if status == "delivered" else None,
        created_at=moment,
    )
    db.session.add(row)
    db.session.flush()
    for number, code in enumerate(attempts, start=1):
        db.session.add(
            PlatformCallbackAttempt(
                callback_id=row.id,
                attempt_no=number,
                url="http://127.0.0.1:9/callback",
                status_code=code,
                error=None if code is not None else "connection refused",
                duration_ms=12,
                attempted_at=moment,
            )
        )
    db.session.flush()
    return row


def all_green_sandbox_traffic(client: PlatformClient, **skip: Any) -> None:
    """Sandbox traffic that passes every conformance scenario; ``skip=name`` (``single_upload=True``…) leaves that
    scenario out."""
    if not skip.get("single_upload"):
        log_call(client, "record", 201, [("created", None)])
    if not skip.get("batch_with_invalid"):
        log_call(client, "batch", 200, [("created", None), ("invalid", "elevator_unknown")])
    if not skip.get("idempotent_retry"):
        log_call(client, "record", 200, [("duplicate", None)])
    if not skip.get("conflict_409"):
        log_call(client, "record", 409, [("conflict", "idempotency_conflict")], error_code="idempotency_conflict")
    if not skip.get("delay_notice"):
        log_call(client, "delay_notice", 201, [("created", None)])
    if not skip.get("callback_acked"):
        callback(client, "delivered", [500, 200])
