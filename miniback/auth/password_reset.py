"""Password resets: a one-time, expiring link an admin issues for an account, and the operator's CLI reset.

The link's token is stored as its SHA-256 only. Using it sets the password (and the log-in name, for an account
made without one, such as a supervisor), clears the lock-out and ends every session of the account. The rows
stay: who issued a reset for whom, when it was used or voided by a newer one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from miniback.auth.passwords import PASSWORD_ROLES, PASSWORD_RULE, hash_password
from miniback.auth.tokens import digest, revoke_all_tokens
from miniback.errors import ApiError, Conflict, Forbidden, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, ChangeLog, PasswordReset, utcnow

USERNAME_TAKEN = "该登录名已被使用"


class ResetLinkGone(ApiError):
    """A link that existed but no longer works (used, voided by a newer one, expired, or its account stopped)."""

    status = 410
    code = "reset_link_gone"
    message = "重置链接已失效，请联系管理员重新获取"


def issue_password_reset(issuer: Account, account: Account, ttl_seconds: int) -> tuple[str, datetime]:
    """A new one-time reset token for ``account`` (returned once, stored hashed); older unused links are voided.

    Whether ``issuer`` may reach ``account`` at all is the caller's access check (``miniback.access``).
    """
    if account.role not in PASSWORD_ROLES:
        raise Forbidden("该角色不使用密码登录", code="password_not_supported")
    if not account.active:
        raise Conflict("账号已停用，不能重置密码", code="account_inactive")
    now = utcnow()
    _void_unused_links(account.id, now)
    plaintext = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=ttl_seconds)
    db.session.add(
        PasswordReset(
            token_hash=digest(plaintext),
            account_id=account.id,
            issued_by_id=issuer.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.session.flush()
    return plaintext, expires_at


def inspect_password_reset(plaintext: str) -> tuple[PasswordReset, Account]:
    """The link and its account while the link still works; ``NotFound`` or ``ResetLinkGone`` otherwise."""
    reset = db.session.execute(
        db.select(PasswordReset).where(PasswordReset.token_hash == digest(plaintext))
    ).scalar_one_or_none()
    if reset is None:
        raise NotFound("重置链接无效，请检查链接是否完整", code="reset_link_invalid")
    if reset.used_at is not None:
        raise ResetLinkGone("该重置链接已使用过，请联系管理员重新获取", code="reset_link_used")
    if reset.voided_at is not None:
        raise ResetLinkGone("该重置链接已作废（已发放新的链接），请使用最新的链接", code="reset_link_voided")
    if reset.expires_at <= utcnow():
        raise ResetLinkGone("该重置链接已过期，请联系管理员重新获取", code="reset_link_expired")
    account = db.session.get(Account, reset.account_id)
    if account is None or not account.active or account.role not in PASSWORD_ROLES:
        raise ResetLinkGone("账号已停用，重置链接不可用", code="account_inactive")
    return reset, account


def use_password_reset(plaintext: str, new_password: str, username: str | None) -> Account:
    """Set the password (and the log-in name if the account has none) with the link; it works once.

    Everything is checked before the link is claimed, so a refused attempt leaves the link usable. The claim is
    one conditional update: of two concurrent uses exactly one changes the row, the other is refused.
    """
    reset, account = inspect_password_reset(plaintext)
    password_hash = _strong_hash(new_password)
    new_username = None
    if account.username is None:
        if not username:
            raise ValidationFailed(fields={"username": "请设置登录名"})
        if db.session.execute(db.select(Account.id).where(Account.username == username)).first():
            raise ValidationFailed(fields={"username": USERNAME_TAKEN}, code="duplicate_username")
        new_username = username
    now = utcnow()
    claimed = db.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == reset.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.voided_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ResetLinkGone("该重置链接已使用过，请联系管理员重新获取", code="reset_link_used")
    if new_username is not None:
        _log(account, "username", None, new_username, None)
        account.username = new_username
        try:
            db.session.flush()
        except IntegrityError as exc:  # another request took the name between the check and this write
            raise ValidationFailed(fields={"username": USERNAME_TAKEN}, code="duplicate_username") from exc
    _set_password(account, password_hash, "通过重置链接设置", account.id, now)
    return account


def reset_password_directly(account: Account, new_password: str) -> None:
    """The CLI's reset (for whoever runs ``flask reset-password`` on the server): no link, same effects."""
    if account.role not in PASSWORD_ROLES:
        raise Forbidden("该角色不使用密码登录", code="password_not_supported")
    _set_password(account, _strong_hash(new_password), "通过命令行重置", None, utcnow())


def _strong_hash(password: str) -> str:
    try:
        return hash_password(password)
    except ValidationFailed:
        raise ValidationFailed(fields={"new_password": PASSWORD_RULE}) from None


def _set_password(account: Account, password_hash: str, how: str, actor_id: int | None, now: datetime) -> None:
    account.password_hash = password_hash
    account.failed_logins = 0
    account.locked_until = None
    revoke_all_tokens(account.id)
    _void_unused_links(account.id, now)
    _log(account, "password", None, how, actor_id)
    db.session.flush()


def _void_unused_links(account_id: int, now: datetime) -> None:
    db.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.account_id == account_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.voided_at.is_(None),
        )
        .values(voided_at=now)
        .execution_options(synchronize_session=False)
    )


def _log(account: Account, field: str, old: str | None, new: str, actor_id: int | None) -> None:
    """The account's change history (never the password itself: only that, and how, it was set)."""
    db.session.add(
        ChangeLog(entity="account", entity_id=account.id, field=field, old_value=old, new_value=new, actor_id=actor_id)
    )
