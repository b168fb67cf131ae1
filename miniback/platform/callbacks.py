"""Callbacks to platforms: the Standard Webhooks secret they verify us with, and the outbox of notifications.

When a record a platform uploaded is signed, default-confirmed or objected to, a ``PlatformCallback`` row holds
the exact JSON body to send. The dispatcher finds the sign-off events that have none yet (``event_id`` is unique,
so two dispatchers racing write one row); ``miniback.platform.callback_delivery`` sends them. The sandbox has no
sign-off: its callbacks come from simulated events (``simulate_event``) and ``sandbox_signoff`` reads them back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from miniback.extensions import db
from miniback.models import PlatformCallback, PlatformClient, PlatformUpload, SignoffEvent, SignoffState
from signoff.deadlines import SHANGHAI, signoff_deadline
from signoff.projection import PROJECTED_COLUMNS, events_of, fold

CallbackEvent = Literal["signed", "default_confirmed", "objected"]
CALLBACK_EVENTS: tuple[CallbackEvent, ...] = get_args(CallbackEvent)
# A platform uploads for several years; the dispatcher reads this many uploads' events at a time.
DISPATCH_CHUNK = 500
SANDBOX_OBJECTION_REASON = "沙箱模拟：安全管理人员提出异议"


def webhook_secret(client: PlatformClient, secret_key: str) -> str:
    """The platform's Standard Webhooks secret (``whsec_`` + base64 of 32 bytes), derived from the app's secret
    key and the platform's secret version, never stored: a leaked database reveals nothing a forger could use,
    and bumping ``webhook_secret_version`` rotates it."""
    message = f"platform-webhook:{client.id}:{client.webhook_secret_version}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return "whsec_" + base64.b64encode(digest).decode()


def event_type(kind: str) -> str:
    return f"record.{kind}"


def rfc3339(moment: datetime | None) -> str | None:
    """A time as the interface writes every time: RFC 3339 with the Asia/Shanghai offset."""
    return moment.astimezone(SHANGHAI).isoformat() if moment is not None else None


def signoff_out(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ``signoff`` object of the interface (a callback's, and a record read back), from a projection row."""
    return {
        "state": row["state"],
        "deadline_at": rfc3339(row["deadline_at"]),
        "decided_at": rfc3339(row["decided_at"]),
        "objection_open": bool(row["objection_open"]),
        "objection_reason": row["objection_reason"],
    }


def callback_body(kind: str, occurred_at: datetime, upload: PlatformUpload, signoff: Mapping[str, Any]) -> str:
    """The exact JSON sent (and signed): compact, UTF-8, keys in a fixed order."""
    body = {
        "type": event_type(kind),
        "timestamp": rfc3339(occurred_at),
        "data": {
            "platform_record_id": upload.platform_ref,
            "record_id": upload.record_id,
            "content_hash": upload.content_hash,
            "sandbox": upload.sandbox,
            "signoff": dict(signoff),
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def new_webhook_id() -> str:
    """The ``webhook-id`` of a callback: the same for all its attempts, so a receiver can drop repeats."""
    return "msg_" + secrets.token_hex(16)


def _add_once(callback: PlatformCallback) -> bool:
    """Insert the callback unless another dispatcher already wrote the one of this event (unique ``event_id``)."""
    try:
        with db.session.begin_nested():
            db.session.add(callback)
    except IntegrityError:
        return False
    return True


def _undispatched() -> Any:
    """Whether an upload's record has a callback event with no callback yet (correlated on the upload)."""
    return exists().where(
        SignoffEvent.record_id == PlatformUpload.record_id,
        SignoffEvent.kind.in_(CALLBACK_EVENTS),
        ~exists().where(PlatformCallback.event_id == SignoffEvent.id),
    )


def dispatch_callbacks(
    *,
    now: datetime,
    record_ids: Sequence[int] | None = None,
    decided_at: datetime | None = None,
    since: datetime | None = None,
) -> list[int]:
    """Write the pending callbacks of every sign-off outcome (signed, default-confirmed, objected) of a production
    upload that has none yet, due at once; returns their ids, for the caller to enqueue after its commit.

    Narrowed to ``record_ids`` (after a sign or an objection), to the records a default-confirmation chunk
    stamped with ``decided_at``, or to the uploads made ``since`` (the sweep). Platforms without a callback URL
    or revoked ones get none. Each body carries the sign-off as it stood right after its event (the events
    folded up to it), so a later change never rewrites an earlier notification. Flushes, never commits.
    """
    query = (
        select(PlatformUpload)
        .join(PlatformClient, PlatformClient.id == PlatformUpload.platform_client_id)
        .where(
            PlatformUpload.sandbox.is_(False),
            PlatformUpload.kind == "record",
            PlatformUpload.record_id.is_not(None),
            PlatformClient.status != "revoked",
            PlatformClient.callback_url.is_not(None),
            PlatformClient.callback_url != "",
            _undispatched(),
        )
        .order_by(PlatformUpload.id)
        .limit(DISPATCH_CHUNK)
    )
    if record_ids is not None:
        query = query.where(PlatformUpload.record_id.in_(list(record_ids)))
    if decided_at is not None:
        query = query.where(
            PlatformUpload.record_id.in_(select(SignoffState.record_id).where(SignoffState.decided_at == decided_at))
        )
    if since is not None:
        query = query.where(PlatformUpload.created_at >= since)
    created: list[int] = []
    last = 0
    while True:
        uploads = list(db.session.execute(query.where(PlatformUpload.id > last)).scalars())
        if not uploads:
            return created
        created += _dispatch_uploads(uploads, now)
        last = uploads[-1].id


def _dispatch_uploads(uploads: Sequence[PlatformUpload], now: datetime) -> list[int]:
    by_record = {upload.record_id: upload for upload in uploads}
    events = events_of([record_id for record_id in by_record if record_id is not None])
    done = set(
        db.session.execute(
            select(PlatformCallback.event_id).where(PlatformCallback.event_id.in_([event.id for event in events]))
        ).scalars()
    )
    rows: dict[int, dict[str, Any]] = {}
    created = []
    for event in events:
        row = rows.setdefault(event.record_id, _pending_row())
        fold(row, event)
        if event.kind not in CALLBACK_EVENTS or event.id in done:
            continue
        upload = by_record[event.record_id]
        callback = PlatformCallback(
            webhook_id=new_webhook_id(),
            platform_client_id=upload.platform_client_id,
            sandbox=False,
            event_id=event.id,
            upload_id=upload.id,
            event_type=event_type(event.kind),
            payload=callback_body(event.kind, event.occurred_at, upload, signoff_out(row)),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        if _add_once(callback):
            created.append(callback.id)
    return created


def _pending_row() -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(PROJECTED_COLUMNS)
    row.update(state="pending", round_no=1, objection_open=False)
    return row


# The sandbox: no record, no sign-off; the platform simulates an outcome to receive its callback.


def latest_sandbox_callback(upload: PlatformUpload) -> PlatformCallback | None:
    callback: PlatformCallback | None = db.session.execute(
        select(PlatformCallback)
        .where(PlatformCallback.upload_id == upload.id, PlatformCallback.sandbox.is_(True))
        .order_by(PlatformCallback.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return callback


def sandbox_signoff(upload: PlatformUpload) -> dict[str, Any] | None:
    """The simulated sign-off of a sandbox upload after its latest simulated event (the ``signoff`` object of
    the interface), or None while nothing was simulated: it is then pending, awaiting its would-be deadline."""
    callback = latest_sandbox_callback(upload)
    if callback is None:
        return None
    signoff: dict[str, Any] = json.loads(callback.payload)["data"]["signoff"]
    return signoff


def would_be_deadline(upload: PlatformUpload, min_window: timedelta) -> datetime:
    """The deadline a sandbox upload would have had as a real record: its maintenance day's (kept in the upload's
    summary; else the day it arrived), at least ``min_window`` after it arrived."""
    summary = upload.summary or {}
    day_text = summary.get("maintenance_day")
    day = date.fromisoformat(day_text) if isinstance(day_text, str) else upload.created_at.astimezone(SHANGHAI).date()
    return signoff_deadline(day, upload.created_at, min_window)


def simulated_signoff(
    previous: Mapping[str, Any] | None, event: CallbackEvent, *, now: datetime, deadline: datetime
) -> dict[str, Any]:
    """The sandbox's sign-off after a simulated ``event``: signed or default-confirmed now; an objection opens on
    a default confirmation (which stands) and otherwise ends the sign-off as objected. Any event may follow any
    other, so an integrator can replay each case as often as it likes."""
    prior_state = previous["state"] if previous else "pending"
    if event == "objected" and prior_state == "default_confirmed" and previous is not None:
        return dict(previous) | {"objection_open": True, "objection_reason": SANDBOX_OBJECTION_REASON}
    return {
        "state": event,
        "deadline_at": rfc3339(deadline),
        "decided_at": rfc3339(now),
        "objection_open": event == "objected",
        "objection_reason": SANDBOX_OBJECTION_REASON if event == "objected" else None,
    }


def simulate_event(
    upload: PlatformUpload, event: CallbackEvent, *, now: datetime, min_window: timedelta
) -> PlatformCallback:
    """A sandbox callback for ``upload`` as if its record had been signed, default-confirmed or objected to now,
    due at once (delivered like any other). Flushes, never commits."""
    signoff = simulated_signoff(sandbox_signoff(upload), event, now=now, deadline=would_be_deadline(upload, min_window))
    callback = PlatformCallback(
        webhook_id=new_webhook_id(),
        platform_client_id=upload.platform_client_id,
        sandbox=True,
        event_id=None,
        upload_id=upload.id,
        event_type=event_type(event),
        payload=callback_body(event, now, upload, signoff),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(callback)
    db.session.flush()
    return callback
