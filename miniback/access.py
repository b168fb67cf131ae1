"""Who may see which object. Every view loads through these helpers, so the check lives in one place.

A row the actor may not see is reported as 404, exactly like a row that does not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from miniback.errors import Forbidden, NotFound
from miniback.extensions import db
from miniback.models import Account, Elevator, MaintenanceUnit, OrgNode, UseUnit
from miniback.registry.staff import subtree_node_ids

CITY_READERS = ("platform_operator", "inspector")


def is_city_wide(actor: Account) -> bool:
    return actor.role in CITY_READERS or (actor.role == "regulator" and actor.district is None)


def elevator_scope(actor: Account) -> ColumnElement[bool]:
    if is_city_wide(actor):
        return true()
    if actor.role == "regulator":
        return Elevator.district == actor.district
    if actor.maintenance_unit_id is not None:
        return Elevator.maintenance_unit_id == actor.maintenance_unit_id
    if actor.use_unit_id is not None:
        return Elevator.use_unit_id == actor.use_unit_id
    return false()


def maintenance_unit_scope(actor: Account) -> ColumnElement[bool]:
    if is_city_wide(actor) or actor.role == "regulator":
        return true()
    if actor.maintenance_unit_id is not None:
        return MaintenanceUnit.id == actor.maintenance_unit_id
    if actor.use_unit_id is not None:
        # A use unit sees the units that maintain its elevators.
        return MaintenanceUnit.id.in_(
            db.select(Elevator.maintenance_unit_id).where(Elevator.use_unit_id == actor.use_unit_id)
        )
    return false()


def use_unit_scope(actor: Account) -> ColumnElement[bool]:
    if is_city_wide(actor):
        return true()
    if actor.role == "regulator":
        return UseUnit.district == actor.district
    if actor.use_unit_id is not None:
        return UseUnit.id == actor.use_unit_id
    if actor.maintenance_unit_id is not None:
        return UseUnit.id.in_(
            db.select(Elevator.use_unit_id).where(Elevator.maintenance_unit_id == actor.maintenance_unit_id)
        )
    return false()


def staff_scope(actor: Account) -> ColumnElement[bool]:
    """Staff an actor may see: an admin their unit, a supervisor their subtree, anyone else themselves."""
    if actor.role == "platform_operator":
        return true()
    if actor.role == "mu_admin":
        return Account.maintenance_unit_id == actor.maintenance_unit_id
    if actor.role == "uu_admin":
        return Account.use_unit_id == actor.use_unit_id
    if actor.role == "mu_supervisor" and actor.org_node_id is not None:
        node = db.session.get(OrgNode, actor.org_node_id)
        if node is not None:
            return Account.org_node_id.in_(subtree_node_ids(node))
    return Account.id == actor.id


def org_node_scope(actor: Account) -> ColumnElement[bool]:
    if actor.role == "platform_operator":
        return true()
    if actor.maintenance_unit_id is not None:
        return OrgNode.maintenance_unit_id == actor.maintenance_unit_id
    return false()


def _get_or_404(model: Any, object_id: int, scope: ColumnElement[bool], message: str) -> Any:
    found = db.session.execute(db.select(model).where(model.id == object_id, scope)).scalar_one_or_none()
    if found is None:
        raise NotFound(message)
    return found


def get_elevator_or_404(elevator_id: int, actor: Account) -> Elevator:
    elevator: Elevator = _get_or_404(Elevator, elevator_id, elevator_scope(actor), "找不到该电梯")
    return elevator


def get_maintenance_unit_or_404(unit_id: int, actor: Account) -> MaintenanceUnit:
    unit: MaintenanceUnit = _get_or_404(MaintenanceUnit, unit_id, maintenance_unit_scope(actor), "找不到该维保单位")
    return unit


def get_use_unit_or_404(unit_id: int, actor: Account) -> UseUnit:
    unit: UseUnit = _get_or_404(UseUnit, unit_id, use_unit_scope(actor), "找不到该使用单位")
    return unit


def get_staff_or_404(account_id: int, actor: Account) -> Account:
    staff_roles = ("mu_supervisor", "technician", "mu_admin", "uu_admin", "uu_manager")
    account: Account = _get_or_404(
        Account, account_id, staff_scope(actor) & Account.role.in_(staff_roles), "找不到该人员"
    )
    return account


def get_org_node_or_404(node_id: int, actor: Account) -> OrgNode:
    node: OrgNode = _get_or_404(OrgNode, node_id, org_node_scope(actor), "找不到该组织节点")
    return node


def require_admin_of(actor: Account, unit: MaintenanceUnit | UseUnit) -> None:
    """Only the unit's own admin writes its data (the object is already known to be visible)."""
    if isinstance(unit, MaintenanceUnit):
        allowed = actor.role == "mu_admin" and actor.maintenance_unit_id == unit.id
    else:
        allowed = actor.role == "uu_admin" and actor.use_unit_id == unit.id
    if not allowed:
        raise Forbidden("只有本单位的系统管理员可以修改")


def require_active_unit(actor: Account) -> None:
    """Work (staff, elevators) needs an approved unit; a pending unit may only complete its details."""
    unit: MaintenanceUnit | UseUnit | None = None
    if actor.maintenance_unit_id is not None:
        unit = db.session.get(MaintenanceUnit, actor.maintenance_unit_id)
    elif actor.use_unit_id is not None:
        unit = db.session.get(UseUnit, actor.use_unit_id)
    if unit is not None and unit.status != "active":
        raise Forbidden("单位尚未通过平台审核，暂不能进行此操作", code="unit_not_active")
