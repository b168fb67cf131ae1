"""On site: checklist templates, location/data confirmation of the scanned elevator."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from miniback.access import get_elevator_or_404, require_active_unit, require_maintainer
from miniback.api.elevators import ElevatorFields, ElevatorOut
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import Out, Page, Text100, Text200, Text500
from miniback.api.schemas.records import PointIn
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.extensions import db
from miniback.models import ElevatorLocation, UnitTemplate
from miniback.models.records import Category
from miniback.records.onsite import confirm_site, correct_location
from miniback.records.templates import (
    Template,
    create_unit_template,
    get_unit_template_for,
    tsg_template,
    unit_template,
    unit_template_version,
)

bp = Blueprint("onsite", __name__)


class TemplateQuery(Schema):
    category: Category
    unit_template_id: int | None = None


class TsgTemplateQuery(Schema):
    elevator_type: str
    category: Category


class TemplateItemOut(Out):
    code: str
    item: str
    requirement: str
    category: str


class TemplateOut(Out):
    version: str
    elevator_type: str
    category: str
    count: int
    items: list[TemplateItemOut]


class SiteConfirmationIn(Schema):
    location: PointIn
    completions: ElevatorFields = Field(default_factory=ElevatorFields)


class LocationOut(Out):
    id: int
    elevator_id: int
    kind: str
    lat: Decimal
    lng: Decimal
    accuracy_m: Decimal | None
    coord_system: str
    lat_gcj02: Decimal
    lng_gcj02: Decimal
    distance_m: Decimal | None
    captured_by_id: int
    captured_at: datetime
    received_at: datetime


class SiteConfirmationOut(Out):
    location: LocationOut
    elevator: ElevatorOut


class UnitTemplateItemIn(Schema):
    category: Category
    item: Text200
    requirement: Text500


class UnitTemplateIn(Schema):
    name: Text100
    elevator_type: Literal["traction", "hydraulic", "dumbwaiter", "escalator"]
    items: list[UnitTemplateItemIn] = Field(min_length=1, max_length=200)


class UnitTemplateOut(Out):
    id: int
    name: str
    elevator_type: str
    version: int
    active: bool
    template_version: str


def _template_out(template: Template) -> dict[str, Any]:
    return TemplateOut(
        version=template.version,
        elevator_type=template.elevator_type,
        category=template.category,
        count=len(template.items),
        items=[TemplateItemOut.model_validate(item) for item in template.items],
    ).model_dump(mode="json")


@bp.get("/templates/tsg")
@documented("TSG T5002-2017 维保项目（按梯型与类别累计）", query=TsgTemplateQuery, response=TemplateOut)
@login_required()
def tsg_template_view() -> Any:
    args = query_args(TsgTemplateQuery)
    return _template_out(tsg_template(args.elevator_type, args.category))


@bp.get("/elevators/<int:elevator_id>/template")
@documented("某台电梯某类别的维保项目模板", query=TemplateQuery, response=TemplateOut)
@login_required()
def elevator_template(elevator_id: int) -> Any:
    actor = current_account()
    elevator = get_elevator_or_404(elevator_id, actor)
    args = query_args(TemplateQuery)
    if args.unit_template_id is not None:
        return _template_out(
            unit_template(get_unit_template_for(actor, args.unit_template_id, elevator.elevator_type), args.category)
        )
    return _template_out(tsg_template(elevator.elevator_type, args.category))


@bp.post("/unit-templates")
@documented(
    "新建本单位自定义维保模板（消防员电梯、防爆电梯等按制造单位要求）",
    body=UnitTemplateIn,
    response=UnitTemplateOut,
    status=201,
)
@login_required("mu_admin")
def add_unit_template() -> Any:
    actor = current_account()
    require_active_unit(actor)
    data = json_body(UnitTemplateIn)
    template = create_unit_template(actor, data.model_dump())
    db.session.commit()
    return _unit_template_out(template), 201


def _unit_template_out(template: UnitTemplate) -> dict[str, Any]:
    out = UnitTemplateOut(
        id=template.id,
        name=template.name,
        elevator_type=template.elevator_type,
        version=template.version,
        active=template.active,
        template_version=unit_template_version(template),
    )
    return out.model_dump(mode="json")


@bp.get("/unit-templates")
@documented("本单位自定义维保模板", query=Page, response=UnitTemplateOut, list_response=True)
@login_required("mu_admin", "mu_supervisor", "technician")
def list_unit_templates() -> Any:
    args = query_args(Page)
    actor = current_account()
    query = (
        db.select(UnitTemplate)
        .where(UnitTemplate.maintenance_unit_id == actor.maintenance_unit_id, UnitTemplate.active.is_(True))
        .order_by(UnitTemplate.id)
    )
    return paginate(query, args.page, args.per_page, serialize=_unit_template_out)


@bp.post("/elevators/<int:elevator_id>/site-confirmations")
@documented(
    "现场确认电梯位置并补全空缺的登记信息（首次确认设定电梯位置；每次确认均留存）",
    body=SiteConfirmationIn,
    response=SiteConfirmationOut,
    status=201,
)
@login_required("technician")
def confirm_site_view(elevator_id: int) -> Any:
    actor = current_account()
    elevator = get_elevator_or_404(elevator_id, actor)
    require_maintainer(actor, elevator)
    data = json_body(SiteConfirmationIn)
    location = confirm_site(actor, elevator, data.location.point(), data.completions.model_dump(exclude_none=True))
    db.session.commit()
    out = SiteConfirmationOut(
        location=LocationOut.model_validate(location), elevator=ElevatorOut.model_validate(elevator)
    )
    return out.model_dump(mode="json"), 201


@bp.post("/elevators/<int:elevator_id>/location")
@documented("单位管理员更正电梯位置（保留历史）", body=PointIn, response=LocationOut, status=201)
@login_required("mu_admin")
def correct_location_view(elevator_id: int) -> Any:
    actor = current_account()
    elevator = get_elevator_or_404(elevator_id, actor)
    location = correct_location(actor, elevator, json_body(PointIn).point())
    db.session.commit()
    return LocationOut.model_validate(location).model_dump(mode="json"), 201


@bp.get("/elevators/<int:elevator_id>/locations")
@documented("电梯位置确认历史", query=Page, response=LocationOut, list_response=True)
@login_required()
def elevator_locations(elevator_id: int) -> Any:
    args = query_args(Page)
    elevator = get_elevator_or_404(elevator_id, current_account())
    query = (
        db.select(ElevatorLocation)
        .where(ElevatorLocation.elevator_id == elevator.id)
        .order_by(ElevatorLocation.id.desc())
    )
    return paginate(query, args.page, args.per_page, LocationOut)
