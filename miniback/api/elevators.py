"""Elevators: register/match, modify, transfer, history, resolve a scanned public code."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from flask import Blueprint
from pydantic import Field, StringConstraints, model_validator
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from miniback.access import elevator_scope, get_elevator_or_404, require_active_unit
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import Code, CreditCode, Out, Page, Text32, Text50, Text100, Text200
from miniback.api.schemas.units import ChangeOut
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.errors import Forbidden, NotFound
from miniback.extensions import db
from miniback.models import Elevator, ElevatorAssignment, MaintenanceUnit, UseUnit
from miniback.models.elevators import ElevatorStatus, ElevatorType
from miniback.registry.change_log import history_of
from miniback.registry.districts import District
from miniback.registry.elevators import (
    is_duplicate_rescue_code,
    register_elevator,
    rescue_code_taken,
    transfer_elevator,
    update_elevator,
    use_unit_by_credit_code,
)

bp = Blueprint("elevators", __name__)

# What an inspector may have at hand to find an elevator: any of its codes, or part of its address.
SEARCHED_COLUMNS = (
    Elevator.device_code,
    Elevator.registration_code,
    Elevator.rescue_code,
    Elevator.use_certificate_no,
    Elevator.public_code,
    Elevator.address,
)
RescueCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{4,16}$")]
Speed = Annotated[Decimal, Field(ge=0, le=20, max_digits=5, decimal_places=2)]


class ElevatorFields(Schema):
    use_certificate_no: Text50 | None = None
    rescue_code: RescueCode | None = None
    make: Text100 | None = None
    model: Text100 | None = None
    rated_load_kg: int | None = Field(default=None, ge=0, le=100000)
    rated_speed_mps: Speed | None = None
    stops: int | None = Field(default=None, ge=0, le=300)
    position: Text100 | None = None


class ElevatorIn(ElevatorFields):
    device_code: Code | None = None
    registration_code: Code | None = None
    elevator_type: ElevatorType
    address: Text200
    district: District
    use_unit_credit_code: CreditCode | None = None

    @model_validator(mode="after")
    def needs_a_code(self) -> ElevatorIn:
        if not self.device_code and not self.registration_code:
            raise ValueError("设备代码和注册代码至少填写一项")
        return self


class ElevatorUpdate(ElevatorFields):
    device_code: Code | None = None
    registration_code: Code | None = None
    elevator_type: ElevatorType | None = None
    address: Text200 | None = None
    district: District | None = None
    status: ElevatorStatus | None = None
    use_unit_credit_code: CreditCode | None = None


class ElevatorOut(Out):
    id: int
    public_code: str
    device_code: str | None
    registration_code: str | None
    use_certificate_no: str | None
    rescue_code: str | None
    elevator_type: str
    make: str | None
    model: str | None
    rated_load_kg: int | None
    rated_speed_mps: Decimal | None
    stops: int | None
    address: str
    district: str
    position: str | None
    use_unit_id: int | None
    maintenance_unit_id: int | None
    status: str
    created_at: datetime


class ElevatorNamedOut(ElevatorOut):
    """An elevator with the names of its units, for the people who read lists (the ids alone say nothing)."""

    use_unit_name: str | None
    maintenance_unit_name: str | None


class ElevatorQuery(Page):
    district: District | None = None
    elevator_type: ElevatorType | None = None
    status: ElevatorStatus | None = None
    use_unit_id: int | None = None
    # false: the elevators whose records cannot be submitted until a use unit is registered for them.
    has_use_unit: bool | None = None
    code: Text32 | None = Field(None, description="设备代码或注册代码（完全一致）")
    q: Text50 | None = Field(
        None, description="查找：设备代码、注册代码、救援识别码、使用登记证编号、公开编码或地址中含有该文字"
    )


class TransferIn(Schema):
    maintenance_unit_credit_code: CreditCode


class AssignmentOut(Out):
    maintenance_unit_id: int
    maintenance_unit_name: str
    started_at: datetime
    ended_at: datetime | None


@contextmanager
def _one_elevator_per_rescue_code() -> Iterator[None]:
    """Commit inside: a concurrent request that took the same rescue code first is a 409 too, never a 500."""
    try:
        yield
    except IntegrityError as exc:
        db.session.rollback()
        if is_duplicate_rescue_code(exc):
            raise rescue_code_taken() from None
        raise


class ElevatorRegisteredOut(Out):
    elevator: ElevatorOut
    matched: bool = Field(description="true：代码已登记，匹配到已有电梯（200）；false：新登记（201）")


def _out(elevator: Elevator) -> dict[str, Any]:
    return ElevatorOut.model_validate(elevator).model_dump(mode="json")


def _unit_names(model: type[MaintenanceUnit] | type[UseUnit], ids: set[int | None]) -> dict[int, str]:
    wanted = {unit_id for unit_id in ids if unit_id is not None}
    if not wanted:
        return {}
    rows = db.session.execute(db.select(model.id, model.name).where(model.id.in_(wanted)))
    return {unit_id: name for unit_id, name in rows}


def _named(elevators: Sequence[Elevator]) -> list[dict[str, Any]]:
    """The elevators with their units' names, two queries for the whole page."""
    use_units = _unit_names(UseUnit, {elevator.use_unit_id for elevator in elevators})
    maintenance_units = _unit_names(MaintenanceUnit, {elevator.maintenance_unit_id for elevator in elevators})
    return [
        ElevatorNamedOut(
            **ElevatorOut.model_validate(elevator).model_dump(),
            use_unit_name=use_units.get(elevator.use_unit_id) if elevator.use_unit_id else None,
            maintenance_unit_name=(
                maintenance_units.get(elevator.maintenance_unit_id) if elevator.maintenance_unit_id else None
            ),
        ).model_dump(mode="json")
        for elevator in elevators
    ]


def _fields(data: Schema) -> dict[str, Any]:
    fields = data.model_dump(exclude_none=True, exclude={"use_unit_credit_code"})
    credit_code = getattr(data, "use_unit_credit_code", None)
    if credit_code is not None:
        use_unit = use_unit_by_credit_code(credit_code)
        assert use_unit is not None
        fields["use_unit_id"] = use_unit.id
    return fields


@bp.get("/elevators")
@documented("电梯列表（按权限范围）", query=ElevatorQuery, response=ElevatorNamedOut, list_response=True)
@login_required()
def list_elevators() -> Any:
    args = query_args(ElevatorQuery)
    query = db.select(Elevator).where(elevator_scope(current_account())).order_by(Elevator.id)
    if args.district:
        query = query.where(Elevator.district == args.district)
    if args.elevator_type:
        query = query.where(Elevator.elevator_type == args.elevator_type)
    if args.status:
        query = query.where(Elevator.status == args.status)
    if args.use_unit_id is not None:
        query = query.where(Elevator.use_unit_id == args.use_unit_id)
    if args.has_use_unit is not None:
        query = query.where(Elevator.use_unit_id.is_not(None) if args.has_use_unit else Elevator.use_unit_id.is_(None))
    if args.code:
        query = query.where((Elevator.device_code == args.code) | (Elevator.registration_code == args.code))
    if args.q:
        query = query.where(or_(*(column.contains(args.q, autoescape=True) for column in SEARCHED_COLUMNS)))
    return paginate(query, args.page, args.per_page, serialize=dict, prepare=_named)


@bp.post("/elevators")
@documented(
    "录入/登记电梯；代码已存在时匹配到已有电梯而不重复创建",
    body=ElevatorIn,
    response=ElevatorRegisteredOut,
    status=201,
    responses={200: "代码已登记：匹配到已有电梯（matched 为 true）"},
)
@login_required("mu_admin")
def add_elevator() -> Any:
    actor = current_account()
    require_active_unit(actor)
    data = json_body(ElevatorIn)
    with _one_elevator_per_rescue_code():
        elevator, matched = register_elevator(actor, _fields(data))
        db.session.commit()
    return {"elevator": _out(elevator), "matched": matched}, (200 if matched else 201)


@bp.get("/elevators/<int:elevator_id>")
@documented("电梯详情（含使用单位、维保单位名称）", response=ElevatorNamedOut)
@login_required()
def get_elevator(elevator_id: int) -> Any:
    return _named([get_elevator_or_404(elevator_id, current_account())])[0]


@bp.get("/elevators/by-public-code/<string:public_code>")
@documented("扫码：由二维码中的公开编码找到电梯（仅限有权限的账号）", response=ElevatorOut)
@login_required()
def elevator_by_public_code(public_code: str) -> Any:
    actor = current_account()
    elevator = db.session.execute(
        db.select(Elevator).where(Elevator.public_code == public_code[:32], elevator_scope(actor))
    ).scalar_one_or_none()
    if elevator is None:
        raise NotFound("找不到该电梯，或该电梯不由本单位维保")
    return _out(elevator)


@bp.patch("/elevators/<int:elevator_id>")
@documented("修改电梯信息（留存变更历史）", body=ElevatorUpdate, response=ElevatorOut)
@login_required("mu_admin")
def change_elevator(elevator_id: int) -> Any:
    actor = current_account()
    elevator = get_elevator_or_404(elevator_id, actor)
    changes = _fields(json_body(ElevatorUpdate))
    with _one_elevator_per_rescue_code():
        update_elevator(actor, elevator, changes)
        db.session.commit()
    return _out(elevator)


@bp.post("/elevators/<int:elevator_id>/transfer")
@documented(
    "移交给其他维保单位：原单位保留历史记录，但不再承接新工作",
    body=TransferIn,
    response=ElevatorOut,
)
@login_required("mu_admin", "uu_admin", "platform_operator")
def transfer_elevator_view(elevator_id: int) -> Any:
    actor = current_account()
    elevator = get_elevator_or_404(elevator_id, actor)
    data = json_body(TransferIn)
    target = db.session.execute(
        db.select(MaintenanceUnit).where(MaintenanceUnit.credit_code == data.maintenance_unit_credit_code)
    ).scalar_one_or_none()
    if target is None:
        raise NotFound("找不到该维保单位", fields={"maintenance_unit_credit_code": "未注册"})
    if actor.role == "uu_admin" and elevator.use_unit_id != actor.use_unit_id:
        raise Forbidden()
    transfer_elevator(actor, elevator, target)
    db.session.commit()
    return _out(elevator)


@bp.get("/elevators/<int:elevator_id>/history")
@documented("电梯信息变更历史", query=Page, response=ChangeOut, list_response=True)
@login_required()
def elevator_history(elevator_id: int) -> Any:
    args = query_args(Page)
    elevator = get_elevator_or_404(elevator_id, current_account())
    return paginate(history_of("elevator", elevator.id), args.page, args.per_page, ChangeOut)


@bp.get("/elevators/<int:elevator_id>/assignments")
@documented("电梯维保单位变更记录", query=Page, response=AssignmentOut, list_response=True)
@login_required()
def elevator_assignments(elevator_id: int) -> Any:
    args = query_args(Page)
    elevator = get_elevator_or_404(elevator_id, current_account())
    query = (
        db.select(ElevatorAssignment)
        .where(ElevatorAssignment.elevator_id == elevator.id)
        .order_by(ElevatorAssignment.id)
    )

    def named(assignments: Sequence[ElevatorAssignment]) -> list[dict[str, Any]]:
        names = _unit_names(MaintenanceUnit, {assignment.maintenance_unit_id for assignment in assignments})
        return [
            AssignmentOut(
                maintenance_unit_id=assignment.maintenance_unit_id,
                maintenance_unit_name=names[assignment.maintenance_unit_id],
                started_at=assignment.started_at,
                ended_at=assignment.ended_at,
            ).model_dump(mode="json")
            for assignment in assignments
        ]

    return paginate(query, args.page, args.per_page, serialize=dict, prepare=named)
