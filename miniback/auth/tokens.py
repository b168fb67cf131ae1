"""Opaque log-in tokens: random, stored as SHA-256, expiring, revocable; console sessions also end when idle."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update

from miniback.errors import Unauthenticated
from miniback.extensions import db
from miniback.models import PLATFORM_ROLE, USER_AGENT_MAX, Account, ApiToken, MaintenanceUnit, UseUnit, utcnow

# ``last_used_at`` moves forward at most this often: a write per request would cost every request a round trip
# and a row lock; idle expiry is then exact to within this.
TOUCH_INTERVAL_SECONDS = 60


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token_for(session_token: str, secret_key: str) -> str:
    """The console's CSRF token: derived from its session token, so the server keeps no second secret per session.

    Another site cannot read the (JavaScript-readable, same-site) cookie that carries it, so it cannot send it
    back in the ``X-CSRF-Token`` header either.
    """
    return hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def issue_token(
    account: Account,
    ttl_seconds: int,
    *,
    kind: str = "bearer",
    user_agent: str | None = None,
    ip: str | None = None,
) -> tuple[str, datetime]:
    """A new token for ``account``; the plaintext is returned once and never stored.

    Never for a platform's account: a platform authenticates each request by its signature, not by a log-in.
    """
    if account.role == PLATFORM_ROLE:
        raise Unauthenticated("平台账号不能登录：数据接口的每个请求以平台的签名认证", code="account_inactive")
    plaintext = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(seconds=ttl_seconds)
    db.session.add(
        ApiToken(
            token_hash=digest(plaintext),
            account_id=account.id,
            kind=kind,
            created_at=now,
            last_used_at=now,
            expires_at=expires_at,
            user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
            ip=ip,
        )
    )
    db.session.flush()
    return plaintext, expires_at


# Built once (every authenticated request runs it). The token's columns rather than the entity: nothing else of
# it is needed on this hot path.
_TOKEN_CHECK = (
    db.select(
        ApiToken.revoked_at,
        ApiToken.expires_at,
        Account,
        MaintenanceUnit.status,
        UseUnit.status,
        ApiToken.id,
        ApiToken.kind,
        ApiToken.last_used_at,
        MaintenanceUnit.halted_by_notice_id,
    )
    .join(Account, Account.id == ApiToken.account_id)
    .outerjoin(MaintenanceUnit, MaintenanceUnit.id == Account.maintenance_unit_id)
    .outerjoin(UseUnit, UseUnit.id == Account.use_unit_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class LiveToken:
    """A token that passed the check: its row id and kind, and whether its ``last_used_at`` is due a move."""

    id: int
    kind: str
    account: Account
    touch_due: bool


def check_token(plaintext: str, *, kind: str | None = None, idle_seconds: int | None = None) -> LiveToken:
    """The live token ``plaintext``, or ``Unauthenticated`` (expired, idle, revoked, forged, deactivated).

    ``kind``: only a token of that kind is accepted (the console's cookie carries console sessions only).
    ``idle_seconds``: a console session unused this long has ended. One query for token, account and unit
    status: this runs on every authenticated request. Nothing is written (see ``touch``).
    """
    row = db.session.execute(_TOKEN_CHECK, {"token_hash": digest(plaintext)}).first()
    if row is None or row[0] is not None or (kind is not None and row[6] != kind):
        raise Unauthenticated("登录凭证无效，请重新登录", code="invalid_token")
    _, expires_at, account, mu_status, uu_status, token_id, token_kind, last_used_at, halted_by = row
    now = utcnow()
    if expires_at <= now:
        raise Unauthenticated("登录已过期，请重新登录", code="token_expired")
    # Rows from before console sessions have no ``last_used_at``: never idle, and due their first touch.
    idle = (now - last_used_at).total_seconds() if last_used_at is not None else None
    if token_kind == "console" and idle_seconds is not None and idle is not None and idle > idle_seconds:
        raise Unauthenticated("长时间未操作，请重新登录", code="session_idle")
    if not account.active or not _status_allows(account, mu_status or uu_status) or account.role == PLATFORM_ROLE:
        raise Unauthenticated("账号已停用", code="account_inactive")
    remember_unit_status(account, mu_status or uu_status, halted_by)
    touch_due = idle is None or idle >= TOUCH_INTERVAL_SECONDS
    return LiveToken(id=token_id, kind=token_kind, account=account, touch_due=touch_due)


def account_for_token(plaintext: str) -> Account:
    """The live account behind a token, or ``Unauthenticated`` (expired, revoked, forged, deactivated)."""
    return check_token(plaintext).account


def touch(token: LiveToken) -> None:
    """Move the token's ``last_used_at`` to now, if due, in its own short transaction.

    Not in the request's transaction: a read-only request never commits, and a write would hold the token's row
    lock until the request ends. The condition keeps concurrent requests from moving it back.
    """
    if not token.touch_due:
        return
    now = utcnow()
    with db.engine.begin() as connection:
        connection.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token.id,
                (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now),
            )
            .values(last_used_at=now)
        )


# Key in ``session.info`` of the unit status this transaction already read (the token check, or a platform upload
# that read it with the elevator), with the transaction that read it. Within that transaction (one consistent
# REPEATABLE READ snapshot) reading it again returns the same value, so the access checks reuse it instead of
# querying again; after a commit or rollback it no longer applies.
UNIT_STATUS_READ = "miniback.unit_status_read"


def remember_unit_status(account: Account, status: str | None, halted_by: int | None) -> None:
    """Note that this transaction read ``status`` as the status of ``account``'s unit (and ``halted_by``, the
    regulator's suspension notice in force on a maintenance unit, if any)."""
    session = db.session()
    session.info[UNIT_STATUS_READ] = (session.get_transaction(), account.id, status, halted_by)


def unit_status_read_in_transaction(account: Account) -> tuple[bool, str | None, int | None]:
    """``(True, status, halting notice id)`` if this transaction already read ``account``'s unit status
    (``remember_unit_status``)."""
    session = db.session()
    seen = session.info.get(UNIT_STATUS_READ)
    if seen is None or seen[1] != account.id or seen[0] is not session.get_transaction():
        return False, None, None
    return True, seen[2], seen[3]


def _status_allows(account: Account, unit_status: str | None) -> bool:
    """Accounts of a suspended unit cannot work; a pending unit's admin may still set it up."""
    if unit_status is None or unit_status == "active":
        return True
    return unit_status == "pending" and account.role in ("mu_admin", "uu_admin")


def unit_in_service(account: Account) -> bool:
    unit: MaintenanceUnit | UseUnit | None = None
    if account.maintenance_unit_id is not None:
        unit = db.session.get(MaintenanceUnit, account.maintenance_unit_id)
    elif account.use_unit_id is not None:
        unit = db.session.get(UseUnit, account.use_unit_id)
    return _status_allows(account, unit.status if unit else None)


def revoke_token(plaintext: str) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == digest(plaintext), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_token_id(account_id: int, token_id: int) -> bool:
    """Revoke one of the account's own tokens; ``False`` if it has no such live (unrevoked) token."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_all_tokens(account_id: int) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
