"""Password log-in for admins, regulators and the platform operator, with lock-out."""

from __future__ import annotations

from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from miniback.auth.tokens import revoke_all_tokens, unit_in_service
from miniback.errors import ApiError, Unauthenticated, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, utcnow

# Who logs in with a password (the web console): the authorities, unit admins and supervisors. Supervisors also
# use the mini-program (WeChat); technicians and use-unit managers only that.
PASSWORD_ROLES = ("platform_operator", "regulator", "inspector", "mu_admin", "mu_supervisor", "uu_admin")
PASSWORD_RULE = "密码至少 10 位，且须同时包含字母和数字"
# Verifying against a real hash even for unknown users keeps response times from revealing usernames.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountLocked(ApiError):
    status = 423
    code = "account_locked"


def hash_password(password: str) -> str:
    check_strength(password)
    return generate_password_hash(password, method="scrypt")


def check_strength(password: str) -> None:
    kinds = sum([any(c.isdigit() for c in password), any(c.isalpha() for c in password)])
    if len(password) < 10 or kinds < 2:
        raise ValidationFailed(fields={"password": PASSWORD_RULE})


def authenticate(username: str, password: str, *, max_failures: int, lock_seconds: int) -> Account:
    """The account for these credentials; repeated failures lock it for ``lock_seconds``.

    The failure counter is flushed with the error, so the caller must commit even when this raises.
    """
    account = db.session.execute(
        db.select(Account).where(Account.username == username).with_for_update()
    ).scalar_one_or_none()
    if account is None or account.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        raise Unauthenticated("用户名或密码错误", code="invalid_credentials")
    now = utcnow()
    if account.locked_until is not None and account.locked_until > now:
        minutes = max(1, int((account.locked_until - now).total_seconds() // 60))
        raise AccountLocked(f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试")
    if not check_password_hash(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= max_failures:
            account.failed_logins = 0
            account.locked_until = now + timedelta(seconds=lock_seconds)
        db.session.flush()
        raise Unauthenticated("用户名或密码错误", code="invalid_credentials")
    if not account.active or not unit_in_service(account) or account.role not in PASSWORD_ROLES:
        raise Unauthenticated("账号已停用或不支持密码登录", code="account_inactive")
    account.failed_logins = 0
    account.locked_until = None
    return account


def change_password(account: Account, old_password: str, new_password: str) -> None:
    """Replace the password; every existing token of the account stops working."""
    if account.password_hash is None or not check_password_hash(account.password_hash, old_password):
        raise ValidationFailed(fields={"old_password": "原密码不正确"})
    if old_password == new_password:
        raise ValidationFailed(fields={"new_password": "新密码不能与原密码相同"})
    try:
        account.password_hash = hash_password(new_password)
    except ValidationFailed:
        raise ValidationFailed(fields={"new_password": PASSWORD_RULE}) from None
    revoke_all_tokens(account.id)
    db.session.flush()
