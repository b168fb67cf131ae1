"""Opaque bearer tokens: random, stored as SHA-256, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update

from miniback.errors import Unauthenticated
from miniback.extensions import db
from miniback.models import Account, ApiToken, MaintenanceUnit, UseUnit, utcnow


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(account: Account, ttl_seconds: int) -> tuple[str, datetime]:
    """A new token for ``account``; the plaintext is returned once and never stored."""
    plaintext = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=ttl_seconds)
    db.session.add(ApiToken(token_hash=digest(plaintext), account_id=account.id, expires_at=expires_at))
    db.session.flush()
    return plaintext, expires_at


# Built once (every authenticated request runs it). The token's two columns rather than the entity: nothing else
# of it is needed on this hot path.
_TOKEN_CHECK = (
    db.select(ApiToken.revoked_at, ApiToken.expires_at, Account, MaintenanceUnit.status, UseUnit.status)
    .join(Account, Account.id == ApiToken.account_id)
    .outerjoin(MaintenanceUnit, MaintenanceUnit.id == Account.maintenance_unit_id)
    .outerjoin(UseUnit, UseUnit.id == Account.use_unit_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def account_for_token(plaintext: str) -> Account:
    """The live account behind a token, or ``Unauthenticated`` (expired, revoked, forged, deactivated).

    One query for token, account and unit status: this runs on every authenticated request.
    """
    row = db.session.execute(_TOKEN_CHECK, {"token_hash": digest(plaintext)}).first()
    if row is None or row[0] is not None:
        raise Unauthenticated("登录凭证无效，请重新登录", code="invalid_token")
    _, expires_at, account, mu_status, uu_status = row
    if expires_at <= utcnow():
        raise Unauthenticated("登录已过期，请重新登录", code="token_expired")
    if not account.active or not _status_allows(account, mu_status or uu_status):
        raise Unauthenticated("账号已停用", code="account_inactive")
    session = db.session()
    session.info[UNIT_STATUS_READ] = (session.get_transaction(), account.id, mu_status or uu_status)
    return account


# Key in ``session.info`` of the unit status the token check read, with the transaction that read it. Within that
# transaction (one consistent REPEATABLE READ snapshot) reading it again returns the same value, so the access
# checks reuse it instead of querying again; after a commit or rollback it no longer applies.
UNIT_STATUS_READ = "miniback.unit_status_read"


def unit_status_read_by_token_check(account: Account) -> tuple[bool, str | None]:
    """``(True, status)`` if this transaction's token check already read ``account``'s unit status."""
    session = db.session()
    seen = session.info.get(UNIT_STATUS_READ)
    if seen is None or seen[1] != account.id or seen[0] is not session.get_transaction():
        return False, None
    return True, seen[2]


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


def revoke_all_tokens(account_id: int) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
