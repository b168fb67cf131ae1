"""Due dates, the overdue list and delay notices (维保延期说明)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint
from pydantic import Field

from miniback.access import delay_notice_scope, get_delay_notice_or_404, get_elevator_or_404, require_active_unit
from miniback.api.schemas.fields import Out, Page, Paragraphs2000
from miniback.api.schemas.records import ElevatorBrief
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.errors import NotFound
from miniback.extensions import db
from miniback.models import DelayNotice, Elevator, utcnow
from miniback.models.records import DelayCause
from miniback.records.calendar import local_day
from miniback.records.due import (
    due_dates,
    file_delay_notice,
    notice_elevator_ids,
    overdue_entries,
    overdue_query,
)

bp = Blueprint("due", __name__)

CAUSE_LABELS = {
    "natural_disaster": "自然灾害",
    "emergency_control": "应急管控",
    "area_lockdown": "区域封锁",
    "other": "其他",
}


class AsOfQuery(Schema):
    as_of: date | None = Field(None, description="按哪一天（北京时间）判断，默认今天")


class OverdueFilterQuery(AsOfQuery):
    """The overdue list's filters: the list pages through them (``OverdueQuery``), the export writes them all."""

    excused: bool | None = Field(None, description="true：只列有延期说明的；false：只列没有的")


class OverdueQuery(OverdueFilterQuery):
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(20, ge=1, le=100)


class DueOut(Out):
    category: str
    last_on: date | None
    due_on: date
    overdue: bool
    excused: bool
    notice_ids: list[int]


class ElevatorDueOut(Out):
    elevator_id: int
    as_of: date
    categories: list[DueOut]


class OverdueOut(Out):
    elevator_id: int
    device_code: str | None
    address: str
    district: str
    maintenance_unit_id: int | None
    last_on: date | None
    due_on: date
    days_overdue: int
    excused: bool
    notice_ids: list[int]


class DelayNoticeIn(Schema):
    elevator_ids: list[int] = Field(min_length=1, max_length=500)
    cause: DelayCause
    starts_on: date
    ends_on: date
    explanation: Paragraphs2000


class DelayNoticeOut(Out):
    id: int
    maintenance_unit_id: int
    cause: str
    cause_label: str
    starts_on: date
    ends_on: date
    explanation: str
    filed_by_id: int
    created_at: datetime
    elevator_ids: list[int]
    elevators: list[ElevatorBrief] = Field(description="说明所列电梯（设备代码、地址），与 elevator_ids 同序")


def _today(as_of: date | None) -> date:
    return as_of or local_day(utcnow())


def _notice_out(notice: DelayNotice) -> dict[str, Any]:
    elevator_ids = notice_elevator_ids(notice)
    columns = [getattr(Elevator, name) for name in ElevatorBrief.model_fields]
    rows = {row.id: row for row in db.session.execute(db.select(*columns).where(Elevator.id.in_(elevator_ids)))}
    return DelayNoticeOut(
        id=notice.id,
        maintenance_unit_id=notice.maintenance_unit_id,
        cause=notice.cause,
        cause_label=CAUSE_LABELS[notice.cause],
        starts_on=notice.starts_on,
        ends_on=notice.ends_on,
        explanation=notice.explanation,
        filed_by_id=notice.filed_by_id,
        created_at=notice.created_at,
        elevator_ids=elevator_ids,
        elevators=[ElevatorBrief.model_validate(rows[elevator_id]) for elevator_id in elevator_ids],
    ).model_dump(mode="json")


@bp.get("/elevators/<int:elevator_id>/due")
@documented("电梯各类别下次维保截止日期与逾期情况", query=AsOfQuery, response=ElevatorDueOut)
@login_required()
def elevator_due(elevator_id: int) -> Any:
    elevator = get_elevator_or_404(elevator_id, current_account())
    as_of = _today(query_args(AsOfQuery).as_of)
    categories = [DueOut.model_validate(due) for due in due_dates(elevator, as_of)]
    return ElevatorDueOut(elevator_id=elevator.id, as_of=as_of, categories=categories).model_dump(mode="json")


@bp.get("/overdue")
@documented(
    "半月维保逾期电梯清单（有延期说明的标为已说明，但仍列出）",
    query=OverdueQuery,
    response=OverdueOut,
    list_response=True,
)
@login_required("platform_operator", "regulator", "inspector", "mu_admin", "mu_supervisor", "uu_admin", "uu_manager")
def overdue_list() -> Any:
    args = query_args(OverdueQuery)
    as_of = _today(args.as_of)
    query = overdue_query(current_account(), as_of, args.excused)
    total = db.session.execute(db.select(db.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(query.limit(args.per_page).offset((args.page - 1) * args.per_page)).all()
    items = [
        OverdueOut(
            elevator_id=entry.elevator.id,
            device_code=entry.elevator.device_code,
            address=entry.elevator.address,
            district=entry.elevator.district,
            maintenance_unit_id=entry.elevator.maintenance_unit_id,
            last_on=entry.last_on,
            due_on=entry.due_on,
            days_overdue=entry.days_overdue,
            excused=entry.excused,
            notice_ids=list(entry.notice_ids),
        ).model_dump(mode="json")
        for entry in overdue_entries(rows, as_of)
    ]
    return {"items": items, "page": args.page, "per_page": args.per_page, "total": total}


@bp.post("/delay-notices")
@documented("提交维保延期说明（维保单位）", body=DelayNoticeIn, response=DelayNoticeOut, status=201)
@login_required("mu_admin")
def add_delay_notice() -> Any:
    actor = current_account()
    require_active_unit(actor)
    data = json_body(DelayNoticeIn)
    ids = sorted(set(data.elevator_ids))
    elevators = list(
        db.session.execute(
            db.select(Elevator).where(Elevator.id.in_(ids), Elevator.maintenance_unit_id == actor.maintenance_unit_id)
        ).scalars()
    )
    unknown = sorted(set(ids) - {elevator.id for elevator in elevators})
    if unknown:
        raise NotFound("部分电梯不存在或不由本单位维保", fields={"elevator_ids": ",".join(str(i) for i in unknown)})
    notice = file_delay_notice(actor, elevators, data.model_dump(exclude={"elevator_ids"}))
    db.session.commit()
    return _notice_out(notice), 201


@bp.get("/delay-notices")
@documented(
    "维保延期说明列表（维保单位、监管部门、使用单位按范围可见）",
    query=Page,
    response=DelayNoticeOut,
    list_response=True,
)
@login_required()
def list_delay_notices() -> Any:
    args = query_args(Page)
    query = db.select(DelayNotice).where(delay_notice_scope(current_account())).order_by(DelayNotice.id.desc())
    total = db.session.execute(db.select(db.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(query.limit(args.per_page).offset((args.page - 1) * args.per_page)).scalars()
    return {"items": [_notice_out(n) for n in rows], "page": args.page, "per_page": args.per_page, "total": total}


@bp.get("/delay-notices/<int:notice_id>")
@documented("维保延期说明详情", response=DelayNoticeOut)
@login_required()
def get_delay_notice(notice_id: int) -> Any:
    return _notice_out(get_delay_notice_or_404(notice_id, current_account()))
