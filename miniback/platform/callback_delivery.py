"""Delivering one callback: claim the attempt, check the URL again, sign and POST it, log what came back.

An attempt is claimed by a conditional UPDATE (pending, due, ``attempts`` + 1, due again only after a lease)
committed before the request goes out, so two workers never send the same attempt and a worker that dies mid-way
leaves a callback the sweep finds due again once the lease is over. 2xx delivers it; anything else (an error
status, a refused or unreachable address, a timeout) schedules the next attempt after the next interval of the
backoff, and after the last one the callback is ``failed``. Redirects are not followed.

The URL is checked before each attempt, and (unless private addresses are allowed) the address the connection
actually reached is checked again once connected: a name that resolved to a public address for the check and to
a private one a moment later (DNS rebinding) is refused before a byte is sent.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import or_, select, update
from standardwebhooks import Webhook
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import PlatformCallback, PlatformCallbackAttempt, PlatformClient
from miniback.platform.callback_urls import check_callback_url
from signoff.rowcount import rowcount

# A claimed attempt is due again after this long: longer than a delivery job may run, so the lease only lapses
# for a worker that died.
LEASE = timedelta(minutes=5)
# RQ's scheduler fires on whole seconds: a retry may start up to this much before its due time.
EARLY = timedelta(seconds=2)
USER_AGENT = "miniback-webhooks/1"
ERROR_MAX = 500


@dataclass(frozen=True)
class Attempt:
    """What one attempt found: the HTTP status, or why there was none."""

    url: str
    status_code: int | None
    error: str | None
    duration_ms: int
    final: bool = False  # no point retrying (the platform is revoked)

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def claim_attempt(callback_id: int, *, now: datetime) -> PlatformCallback | None:
    """Take the next attempt of a pending, due callback (None if it is not: delivered, failed, not yet due, or
    claimed by another worker). Flushes; the caller commits before sending."""
    result = db.session.execute(
        update(PlatformCallback)
        .where(
            PlatformCallback.id == callback_id,
            PlatformCallback.status == "pending",
            or_(PlatformCallback.next_attempt_at.is_(None), PlatformCallback.next_attempt_at <= now + EARLY),
        )
        .values(attempts=PlatformCallback.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return None
    callback: PlatformCallback = db.session.execute(
        select(PlatformCallback).where(PlatformCallback.id == callback_id).execution_options(populate_existing=True)
    ).scalar_one()
    return callback


class _PeerChecked:
    """Refuse a connection whose peer (the address really connected to) a callback may not go to."""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]  # the connection class it is mixed into
        peer = str(sock.getpeername()[0])
        try:
            check_callback_url(f"https://[{peer}]/" if ":" in peer else f"https://{peer}/", allow_private=False)
        except ValidationFailed as refused:
            sock.close()
            raise NewConnectionError(self, refused.message) from None  # type: ignore[arg-type]
        return sock


class _PeerCheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _PeerCheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _PeerCheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PeerCheckedHTTPConnection


class _PeerCheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PeerCheckedHTTPSConnection


class PublicPeersOnly(HTTPAdapter):
    """A transport whose every connection is checked once connected (see ``_PeerChecked``)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PeerCheckedHTTPPool, "https": _PeerCheckedHTTPSPool}


def signed_headers(callback: PlatformCallback, secret: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of this attempt (the timestamp is the attempt's, as the standard says)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": callback.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(callback.webhook_id, now, callback.payload),
    }


def send_callback(
    callback: PlatformCallback,
    client: PlatformClient,
    *,
    secret: str,
    allow_private: bool,
    timeout: float,
    now: datetime,
) -> Attempt:
    """POST the callback to the platform's callback URL as it is now, after checking again where it points."""
    url = client.callback_url or ""
    if client.status == "revoked":
        return Attempt(url, None, "平台已注销，不再回调", 0, final=True)
    if not url:
        return Attempt(url, None, "平台未配置回调地址", 0)
    try:
        check_callback_url(url, allow_private=allow_private)
    except ValidationFailed as refused:
        return Attempt(url, None, refused.message, 0)
    started = time.monotonic()
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxy or .netrc from the environment: exactly the URL checked above
            if not allow_private:
                session.mount("http://", PublicPeersOnly())
                session.mount("https://", PublicPeersOnly())
            response = session.post(
                url,
                data=callback.payload.encode(),
                headers=signed_headers(callback, secret, now),
                timeout=timeout,
                allow_redirects=False,
                stream=True,  # the answer's body is never read
            )
            response.close()
    except requests.RequestException as exc:
        return Attempt(url, None, f"{type(exc).__name__}: {exc}"[:ERROR_MAX], _since(started))
    status = response.status_code
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return Attempt(url, status, error, _since(started))


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def record_attempt(callback: PlatformCallback, attempt: Attempt, *, now: datetime, intervals: Sequence[int]) -> None:
    """Log the attempt and move the callback on: delivered, due again after the next interval, or failed once
    every interval is used up (``len(intervals) + 1`` attempts in all). Flushes, never commits."""
    db.session.add(
        PlatformCallbackAttempt(
            callback_id=callback.id,
            attempt_no=callback.attempts,
            url=attempt.url[:500],
            status_code=attempt.status_code,
            error=attempt.error[:ERROR_MAX] if attempt.error else None,
            duration_ms=attempt.duration_ms,
            attempted_at=now,
        )
    )
    if attempt.delivered:
        callback.status, callback.delivered_at, callback.next_attempt_at = "delivered", now, None
    elif attempt.final or callback.attempts > len(intervals):
        callback.status, callback.next_attempt_at = "failed", None
    else:
        callback.next_attempt_at = now + timedelta(seconds=intervals[callback.attempts - 1])
    db.session.flush()


def due_callbacks(now: datetime, limit: int = 1000) -> list[tuple[int, int]]:
    """(id, next attempt number) of the pending callbacks due by ``now``, oldest first: what the sweep makes sure
    a job will deliver (a lost job, a flushed Redis, a lapsed lease)."""
    rows = db.session.execute(
        select(PlatformCallback.id, PlatformCallback.attempts)
        .where(PlatformCallback.status == "pending", PlatformCallback.next_attempt_at <= now)
        .order_by(PlatformCallback.next_attempt_at, PlatformCallback.id)
        .limit(limit)
    ).tuples()
    return [(callback_id, attempts + 1) for callback_id, attempts in rows]
