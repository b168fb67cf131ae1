"""Maintenance units and use units: registration, details, history, review and suspension."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from flask import Blueprint

from miniback.access import (
    get_maintenance_unit_or_404,
    get_use_unit_or_404,
    maintenance_unit_scope,
    require_admin_of,
    use_unit_scope,
)
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import Out, Page
from miniback.api.schemas.units import (
    ChangeOut,
    MaintenanceUnitOut,
    MaintenanceUnitRegisteredOut,
    MaintenanceUnitRegistration,
    MaintenanceUnitUpdate,
    StatusChange,
    UnitQuery,
    UseUnitOut,
    UseUnitRegisteredOut,
    UseUnitRegistration,
    UseUnitUpdate,
)
from miniback.api.validation import documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.auth.passwords import check_strength
from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import Account, MaintenanceUnit, UseUnit
from miniback.registry.change_log import history_of
from miniback.registry.units import MAINTENANCE_UNIT, USE_UNIT, U, UnitKind, register_unit, set_unit_status, update_unit
from signoff.consent import require_current_consent

bp = Blueprint("units", __name__)


@dataclass(frozen=True)
class UnitViews(Generic[U]):
    """What the views of one kind of unit differ in: its path, its Chinese name, its schemas and its loader."""

    kind: UnitKind[U]
    path: str
    label: str
    registration_summary: str
    registration: type[MaintenanceUnitRegistration] | type[UseUnitRegistration]
    update: type[MaintenanceUnitUpdate] | type[UseUnitUpdate]
    out: type[Out]
    registered_out: type[Out]
    get_or_404: Callable[[int, Account], U]


def add_unit_views(views: UnitViews[Any]) -> None:
    """Registration, details, change, history and review (status) of one kind of unit, on ``bp``."""
    name = views.kind.name

    def register() -> Any:
        data = json_body(views.registration)
        try:
            check_strength(data.admin.password)
        except ValidationFailed as weak:
            # The password is the admin's: name the field as the body nests it, like every other field error.
            reason = (weak.fields or {}).get("password", weak.message)
            raise ValidationFailed(fields={"admin.password": reason}) from None
        unit, admin = register_unit(views.kind, data.model_dump(exclude={"admin"}), data.admin.model_dump())
        db.session.commit()
        return {"unit": views.out.model_validate(unit).model_dump(mode="json"), "admin_account_id": admin.id}, 201

    def details(unit_id: int) -> Any:
        unit = views.get_or_404(unit_id, current_account())
        return views.out.model_validate(unit).model_dump(mode="json")

    def change(unit_id: int) -> Any:
        actor = current_account()
        unit = views.get_or_404(unit_id, actor)
        require_admin_of(actor, unit)
        data = json_body(views.update)
        update_unit(unit, data.model_dump(exclude_none=True), actor)
        db.session.commit()
        return views.out.model_validate(unit).model_dump(mode="json")

    def history(unit_id: int) -> Any:
        args = query_args(Page)
        unit = views.get_or_404(unit_id, current_account())
        return paginate(history_of(name, unit.id), args.page, args.per_page, ChangeOut)

    def review(unit_id: int) -> Any:
        actor = current_account()
        unit = views.get_or_404(unit_id, actor)
        status = json_body(StatusChange).status
        if isinstance(unit, UseUnit) and status == "active":
            require_current_consent(unit, "通过审核")
        set_unit_status(unit, status, actor)
        db.session.commit()
        return views.out.model_validate(unit).model_dump(mode="json")

    path, label = f"/{views.path}", views.label
    routes: list[tuple[str, str, str, Callable[..., Any]]] = [
        (
            "POST",
            path,
            "register",
            documented(
                views.registration_summary,
                body=views.registration,
                response=views.registered_out,
                auth=False,
                status=201,
            )(register),
        ),
        (
            "GET",
            f"{path}/<int:unit_id>",
            "details",
            documented(f"{label}详情", response=views.out)(login_required()(details)),
        ),
        (
            "PATCH",
            f"{path}/<int:unit_id>",
            "change",
            documented(f"{label}管理员更新单位信息（留存变更历史）", body=views.update, response=views.out)(
                login_required()(change)
            ),
        ),
        (
            "GET",
            f"{path}/<int:unit_id>/history",
            "history",
            documented(f"{label}信息变更历史", query=Page, response=ChangeOut, list_response=True)(
                login_required()(history)
            ),
        ),
        (
            "POST",
            f"{path}/<int:unit_id>/status",
            "review",
            documented(f"平台审核通过、暂停或恢复{label}", body=StatusChange, response=views.out)(
                login_required("platform_operator")(review)
            ),
        ),
    ]
    for method, rule, verb, view in routes:
        bp.add_url_rule(rule, endpoint=f"{name}_{verb}", view_func=view, methods=[method])


add_unit_views(
    UnitViews(
        MAINTENANCE_UNIT,
        "maintenance-units",
        "维保单位",
        "维保单位注册（待平台审核），同时创建系统管理员账号",
        MaintenanceUnitRegistration,
        MaintenanceUnitUpdate,
        MaintenanceUnitOut,
        MaintenanceUnitRegisteredOut,
        get_maintenance_unit_or_404,
    )
)
add_unit_views(
    UnitViews(
        USE_UNIT,
        "use-units",
        "使用单位",
        "使用单位注册（待平台审核），同时创建管理员账号",
        UseUnitRegistration,
        UseUnitUpdate,
        UseUnitOut,
        UseUnitRegisteredOut,
        get_use_unit_or_404,
    )
)


# The lists differ: a unit admin may look a use unit up by its exact credit code.
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
