"""The authorities' accounts (platform operator, regulator, inspector): created by the operator (API) or on the
command line (``flask create-account``), deactivated and reactivated by the operator. Unit staff are managed by
their own unit's admin (``miniback.registry.staff``)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from miniback.auth.passwords import hash_password
from miniback.auth.tokens import revoke_all_tokens
from miniback.errors import Conflict, ValidationFailed
from miniback.extensions import db
from miniback.models import AUTHORITY_ROLES, PLATFORM_ROLE, Account, BindCode, utcnow
from miniback.registry.change_log import apply_changes

ROLE_NAMES = {"platform_operator": "平台运营方", "regulator": "监管部门", "inspector": "检验机构"}
USERNAME_TAKEN = "该登录名已被使用"


def create_authority_account(
    role: str, username: str, name: str, password: str, district: str | None = None
) -> Account:
    """A platform operator, regulator (of one district, or the city when ``district`` is None) or inspector."""
    if role not in AUTHORITY_ROLES:
        raise ValidationFailed(fields={"role": "只能创建平台运营方、监管部门或检验机构的账号"})
    if district is not None and role != "regulator":
        raise ValidationFailed(fields={"district": "只有监管部门的账号可以限定区"})
    if db.session.execute(db.select(Account.id).where(Account.username == username)).first():
        raise Conflict(USERNAME_TAKEN, fields={"username": "已存在"}, code="duplicate_username")
    account = Account(role=role, username=username, name=name, password_hash=hash_password(password), district=district)
    db.session.add(account)
    try:
        db.session.flush()
    except IntegrityError as exc:
        # Another request took the username between the check and this write (the unique key refused it).
        raise Conflict(USERNAME_TAKEN, fields={"username": "已存在"}, code="duplicate_username") from exc
    return account


def deactivate_account(actor: Account, account: Account) -> None:
    """The person can no longer log in (tokens and bind codes die at once); their past work stays."""
    if account.id == actor.id:
        raise Conflict("不能停用自己的账号", code="cannot_deactivate_self")
    if not account.active:
        return
    apply_changes(account, "account", {"active": False}, actor)
    revoke_all_tokens(account.id)
    db.session.execute(
        update(BindCode).where(BindCode.account_id == account.id, BindCode.used_at.is_(None)).values(used_at=utcnow())
    )


def reactivate_account(actor: Account, account: Account) -> None:
    """The person may log in again (with a new log-in: the tokens ended on deactivation stay ended)."""
    apply_changes(account, "account", {"active": True}, actor)


def require_authority_account(account: Account) -> None:
    """The operator manages the authorities' accounts; a unit's people are their unit admin's to manage."""
    if account.role == PLATFORM_ROLE:
        raise Conflict("该账号是对接平台的专用账号，请在平台管理中暂停或撤销该平台", code="not_authority_account")
    if account.role not in AUTHORITY_ROLES:
        raise Conflict("该账号属于维保单位或使用单位，请由其单位系统管理员管理", code="not_authority_account")
