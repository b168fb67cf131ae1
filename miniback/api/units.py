"""Maintenance units and use units: registration, details, history, review and suspension."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint

from miniback.access import (
    get_maintenance_unit_or_404,
    get_use_unit_or_404,
    maintenance_unit_scope,
    require_admin_of,
    use_unit_scope,
)
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import CreditCode, District, Mobile, Out, Page, Password, Phone, Username, text
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.auth.passwords import check_strength
from miniback.extensions import db
from miniback.models import MaintenanceUnit, UseUnit
from miniback.registry.history import history_of
from miniback.registry.units import register_maintenance_unit, register_use_unit, set_unit_status, update_unit

bp = Blueprint("units", __name__)


class AdminIn(Schema):
    name: text(50)  # type: ignore[valid-type]
    username: Username
    password: Password
    mobile: Mobile | None = None


class MaintenanceUnitFields(Schema):
    name: text(100)  # type: ignore[valid-type]
    filing_no: text(50)  # type: ignore[valid-type]
    address: text(200)  # type: ignore[valid-type]
    office_address: text(200)  # type: ignore[valid-type]
    contact_name: text(50)  # type: ignore[valid-type]
    contact_phone: Phone
    emergency_phone: Phone


class MaintenanceUnitRegistration(MaintenanceUnitFields):
    credit_code: CreditCode
    admin: AdminIn


class MaintenanceUnitUpdate(Schema):
    name: text(100) | None = None  # type: ignore[valid-type]
    filing_no: text(50) | None = None  # type: ignore[valid-type]
    address: text(200) | None = None  # type: ignore[valid-type]
    office_address: text(200) | None = None  # type: ignore[valid-type]
    contact_name: text(50) | None = None  # type: ignore[valid-type]
    contact_phone: Phone | None = None
    emergency_phone: Phone | None = None


class MaintenanceUnitOut(Out):
    id: int
    name: str
    credit_code: str
    filing_no: str
    address: str
    office_address: str
    contact_name: str
    contact_phone: str
    emergency_phone: str
    status: str
    created_at: datetime


class UseUnitRegistration(Schema):
    name: text(100)  # type: ignore[valid-type]
    credit_code: CreditCode
    address: text(200)  # type: ignore[valid-type]
    district: District
    admin: AdminIn


class UseUnitUpdate(Schema):
    name: text(100) | None = None  # type: ignore[valid-type]
    address: text(200) | None = None  # type: ignore[valid-type]
    district: District | None = None


class UseUnitOut(Out):
    id: int
    name: str
    credit_code: str
    address: str
    district: str
    status: str
    created_at: datetime


class UnitQuery(Page):
    status: Literal["pending", "active", "suspended"] | None = None
    credit_code: str | None = None


class StatusChange(Schema):
    status: Literal["active", "suspended"]


class ChangeOut(Out):
    field: str
    old_value: str | None
    new_value: str | None
    actor_id: int | None
    changed_at: datetime


class MaintenanceUnitRegisteredOut(Out):
    unit: MaintenanceUnitOut
    admin_account_id: int


class UseUnitRegisteredOut(Out):
    unit: UseUnitOut
    admin_account_id: int


def _registered(unit: Any, account: Any, out: type[Out]) -> tuple[dict[str, Any], int]:
    db.session.commit()
    return {"unit": out.model_validate(unit).model_dump(mode="json"), "admin_account_id": account.id}, 201


@bp.post("/maintenance-units")
@documented(
    "维保单位注册（待平台审核），同时创建系统管理员账号",
    body=MaintenanceUnitRegistration,
    response=MaintenanceUnitRegisteredOut,
    auth=False,
    status=201,
)
def register_maintenance_unit_view() -> Any:
    data = json_body(MaintenanceUnitRegistration)
    check_strength(data.admin.password)
    unit, admin = register_maintenance_unit(data.model_dump(exclude={"admin"}), data.admin.model_dump())
    return _registered(unit, admin, MaintenanceUnitOut)


@bp.get("/maintenance-units")
@documented(
    "维保单位列表（平台、监管看全部，单位看自己）", query=UnitQuery, response=MaintenanceUnitOut, list_response=True
)
@login_required()
def list_maintenance_units() -> Any:
    args = query_args(UnitQuery)
    query = db.select(MaintenanceUnit).where(maintenance_unit_scope(current_account())).order_by(MaintenanceUnit.id)
    if args.status:
        query = query.where(MaintenanceUnit.status == args.status)
    if args.credit_code:
        query = query.where(MaintenanceUnit.credit_code == args.credit_code.upper())
    return paginate(query, args.page, args.per_page, MaintenanceUnitOut)


@bp.get("/maintenance-units/<int:unit_id>")
@documented("维保单位详情", response=MaintenanceUnitOut)
@login_required()
def get_maintenance_unit(unit_id: int) -> Any:
    unit = get_maintenance_unit_or_404(unit_id, current_account())
    return MaintenanceUnitOut.model_validate(unit).model_dump(mode="json")


@bp.patch("/maintenance-units/<int:unit_id>")
@documented("维保单位管理员更新单位信息（留存变更历史）", body=MaintenanceUnitUpdate, response=MaintenanceUnitOut)
@login_required()
def update_maintenance_unit(unit_id: int) -> Any:
    actor = current_account()
    unit = get_maintenance_unit_or_404(unit_id, actor)
    require_admin_of(actor, unit)
    data = json_body(MaintenanceUnitUpdate)
    update_unit(unit, data.model_dump(exclude_none=True), actor)
    db.session.commit()
    return MaintenanceUnitOut.model_validate(unit).model_dump(mode="json")


@bp.get("/maintenance-units/<int:unit_id>/history")
@documented("维保单位信息变更历史", query=Page, response=ChangeOut, list_response=True)
@login_required()
def maintenance_unit_history(unit_id: int) -> Any:
    args = query_args(Page)
    unit = get_maintenance_unit_or_404(unit_id, current_account())
    return paginate(history_of("maintenance_unit", unit.id), args.page, args.per_page, ChangeOut)


@bp.post("/maintenance-units/<int:unit_id>/status")
@documented("平台审核通过、暂停或恢复维保单位", body=StatusChange, response=MaintenanceUnitOut)
@login_required("platform_operator")
def set_maintenance_unit_status(unit_id: int) -> Any:
    actor = current_account()
    unit = get_maintenance_unit_or_404(unit_id, actor)
    set_unit_status(unit, json_body(StatusChange).status, actor)
    db.session.commit()
    return MaintenanceUnitOut.model_validate(unit).model_dump(mode="json")


@bp.post("/use-units")
@documented(
    "使用单位注册（待平台审核），同时创建管理员账号",
    body=UseUnitRegistration,
    response=UseUnitRegisteredOut,
    auth=False,
    status=201,
)
def register_use_unit_view() -> Any:
    data = json_body(UseUnitRegistration)
    check_strength(data.admin.password)
    unit, admin = register_use_unit(data.model_dump(exclude={"admin"}), data.admin.model_dump())
    return _registered(unit, admin, UseUnitOut)


@bp.get("/use-units")
@documented("使用单位列表（按权限范围）", query=UnitQuery, response=UseUnitOut, list_response=True)
@login_required()
def list_use_units() -> Any:
    args = query_args(UnitQuery)
    actor = current_account()
    scope = use_unit_scope(actor)
    if args.credit_code and actor.role == "mu_admin":
        # A unit admin looks up a use unit by its exact credit code to register its elevators.
        scope = scope | (UseUnit.credit_code == args.credit_code.upper())
    query = db.select(UseUnit).where(scope).order_by(UseUnit.id)
    if args.status:
        query = query.where(UseUnit.status == args.status)
    if args.credit_code:
        query = query.where(UseUnit.credit_code == args.credit_code.upper())
    return paginate(query, args.page, args.per_page, UseUnitOut)


@bp.get("/use-units/<int:unit_id>")
@documented("使用单位详情", response=UseUnitOut)
@login_required()
def get_use_unit(unit_id: int) -> Any:
    unit = get_use_unit_or_404(unit_id, current_account())
    return UseUnitOut.model_validate(unit).model_dump(mode="json")


@bp.patch("/use-units/<int:unit_id>")
@documented("使用单位管理员更新单位信息（留存变更历史）", body=UseUnitUpdate, response=UseUnitOut)
@login_required()
def update_use_unit(unit_id: int) -> Any:
    actor = current_account()
    unit = get_use_unit_or_404(unit_id, actor)
    require_admin_of(actor, unit)
    data = json_body(UseUnitUpdate)
    update_unit(unit, data.model_dump(exclude_none=True), actor)
    db.session.commit()
    return UseUnitOut.model_validate(unit).model_dump(mode="json")


@bp.get("/use-units/<int:unit_id>/history")
@documented("使用单位信息变更历史", query=Page, response=ChangeOut, list_response=True)
@login_required()
def use_unit_history(unit_id: int) -> Any:
    args = query_args(Page)
    unit = get_use_unit_or_404(unit_id, current_account())
    return paginate(history_of("use_unit", unit.id), args.page, args.per_page, ChangeOut)


@bp.post("/use-units/<int:unit_id>/status")
@documented("平台审核通过、暂停或恢复使用单位", body=StatusChange, response=UseUnitOut)
@login_required("platform_operator")
def set_use_unit_status(unit_id: int) -> Any:
    actor = current_account()
    unit = get_use_unit_or_404(unit_id, actor)
    set_unit_status(unit, json_body(StatusChange).status, actor)
    db.session.commit()
    return UseUnitOut.model_validate(unit).model_dump(mode="json")
