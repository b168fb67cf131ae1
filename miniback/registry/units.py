"""Registering units, keeping their details current (with history), suspending them.

Both kinds of unit, maintenance units and use units, go through the same operations; a ``UnitKind`` says what
differs between them (the table, the admin's role, the account column that ties staff to the unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import InstrumentedAttribute

from miniback.auth.passwords import hash_password
from miniback.auth.tokens import revoke_all_tokens
from miniback.errors import Conflict
from miniback.extensions import db
from miniback.models import Account, MaintenanceUnit, UseUnit
from miniback.registry.change_log import apply_changes

U = TypeVar("U", MaintenanceUnit, UseUnit)


@dataclass(frozen=True)
class UnitKind(Generic[U]):
    """One kind of unit: ``name`` is also its entity name in the change history."""

    name: str
    model: type[U]
    admin_role: str
    account_column: InstrumentedAttribute[int | None]


MAINTENANCE_UNIT: UnitKind[MaintenanceUnit] = UnitKind(
    "maintenance_unit", MaintenanceUnit, "mu_admin", Account.maintenance_unit_id
)
USE_UNIT: UnitKind[UseUnit] = UnitKind("use_unit", UseUnit, "uu_admin", Account.use_unit_id)


def kind_of(unit: MaintenanceUnit | UseUnit) -> UnitKind[Any]:
    return MAINTENANCE_UNIT if isinstance(unit, MaintenanceUnit) else USE_UNIT


def _username_free(username: str) -> None:
    if db.session.execute(db.select(Account.id).where(Account.username == username)).first():
        raise Conflict("该登录名已被使用", fields={"admin.username": "已被使用"}, code="duplicate_username")


def register_unit(kind: UnitKind[U], details: dict[str, Any], admin: dict[str, Any]) -> tuple[U, Account]:
    """A new unit of this kind (pending review) and its admin account."""
    if db.session.execute(db.select(kind.model.id).where(kind.model.credit_code == details["credit_code"])).first():
        raise Conflict("该统一社会信用代码已注册", fields={"credit_code": "已注册"}, code="duplicate_unit")
    _username_free(admin["username"])
    unit = kind.model(status="pending", **details)
    db.session.add(unit)
    db.session.flush()
    account = Account(
        role=kind.admin_role,
        name=admin["name"],
        mobile=admin.get("mobile"),
        username=admin["username"],
        password_hash=hash_password(admin["password"]),
        **{kind.account_column.key: unit.id},
    )
    db.session.add(account)
    db.session.flush()
    return unit, account


def update_unit(unit: MaintenanceUnit | UseUnit, changes: dict[str, Any], actor: Account) -> list[str]:
    return apply_changes(unit, kind_of(unit).name, changes, actor)


def set_unit_status(unit: MaintenanceUnit | UseUnit, status: str, actor: Account) -> None:
    """Approve, suspend or reinstate a unit; suspending logs out every account of the unit."""
    update_unit(unit, {"status": status}, actor)
    if status != "suspended":
        return
    column = kind_of(unit).account_column
    for account_id in db.session.execute(db.select(Account.id).where(column == unit.id)).scalars():
        revoke_all_tokens(account_id)
