"""Registering units, keeping their details current (with history), suspending them."""

from __future__ import annotations

from typing import Any

from miniback.auth.passwords import hash_password
from miniback.auth.tokens import revoke_all_tokens
from miniback.errors import Conflict
from miniback.extensions import db
from miniback.models import Account, MaintenanceUnit, UseUnit
from miniback.registry.history import apply_changes


def _username_free(username: str) -> None:
    if db.session.execute(db.select(Account.id).where(Account.username == username)).first():
        raise Conflict("该登录名已被使用", fields={"admin.username": "已被使用"}, code="duplicate_username")


def register_maintenance_unit(details: dict[str, Any], admin: dict[str, Any]) -> tuple[MaintenanceUnit, Account]:
    """A new maintenance unit (pending review) and its system admin account."""
    if db.session.execute(
        db.select(MaintenanceUnit.id).where(MaintenanceUnit.credit_code == details["credit_code"])
    ).first():
        raise Conflict("该统一社会信用代码已注册", fields={"credit_code": "已注册"}, code="duplicate_unit")
    _username_free(admin["username"])
    unit = MaintenanceUnit(status="pending", **details)
    db.session.add(unit)
    db.session.flush()
    account = Account(
        role="mu_admin",
        name=admin["name"],
        mobile=admin.get("mobile"),
        username=admin["username"],
        password_hash=hash_password(admin["password"]),
        maintenance_unit_id=unit.id,
    )
    db.session.add(account)
    db.session.flush()
    return unit, account


def register_use_unit(details: dict[str, Any], admin: dict[str, Any]) -> tuple[UseUnit, Account]:
    """A new use unit (pending review) and its admin account."""
    if db.session.execute(db.select(UseUnit.id).where(UseUnit.credit_code == details["credit_code"])).first():
        raise Conflict("该统一社会信用代码已注册", fields={"credit_code": "已注册"}, code="duplicate_unit")
    _username_free(admin["username"])
    unit = UseUnit(status="pending", **details)
    db.session.add(unit)
    db.session.flush()
    account = Account(
        role="uu_admin",
        name=admin["name"],
        mobile=admin.get("mobile"),
        username=admin["username"],
        password_hash=hash_password(admin["password"]),
        use_unit_id=unit.id,
    )
    db.session.add(account)
    db.session.flush()
    return unit, account


def update_unit(unit: MaintenanceUnit | UseUnit, changes: dict[str, Any], actor: Account) -> list[str]:
    entity = "maintenance_unit" if isinstance(unit, MaintenanceUnit) else "use_unit"
    return apply_changes(unit, entity, changes, actor)


def set_unit_status(unit: MaintenanceUnit | UseUnit, status: str, actor: Account) -> None:
    """Approve, suspend or reinstate a unit; suspending logs out every account of the unit."""
    update_unit(unit, {"status": status}, actor)
    if status != "suspended":
        return
    column = Account.maintenance_unit_id if isinstance(unit, MaintenanceUnit) else Account.use_unit_id
    for account_id in db.session.execute(db.select(Account.id).where(column == unit.id)).scalars():
        revoke_all_tokens(account_id)
