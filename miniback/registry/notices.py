"""The regulator's notices to a maintenance unit (五(一)): 整改意见 (rectification) and 中止意见 (suspension).

A regulator issues a notice (the kind, the findings, the records or elevators concerned, a deadline in the future);
the unit's admin acknowledges it and replies (text, optionally records); the regulator closes it or escalates a
rectification to a suspension. A suspension stops the unit's new work until it is closed: the unit row points to it
(``MaintenanceUnit.halted_by_notice_id``), which the token check reads with the unit's status, so the stop costs
the submission path no query (``miniback.access.require_active_unit``). Every step is a ``regulator_notice_event``.

A district regulator issues notices only to units maintaining elevators of its district, about records and
elevators of its district, and sees only its district's notices; a city regulator, all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, false, select, true

from miniback.errors import Conflict, Forbidden, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import (
    Account,
    Elevator,
    MaintenanceRecord,
    MaintenanceUnit,
    RegulatorNotice,
    RegulatorNoticeEvent,
    RegulatorNoticeSubject,
)

KIND_NAMES = {"rectification": "整改意见", "suspension": "中止意见"}
OPEN_STATUSES = ("issued", "acknowledged", "replied")


class NoticeRefused(Conflict):
    code = "notice_refused"


def notice_scope(actor: Account) -> ColumnElement[bool]:
    if actor.role in ("inspector", "platform_operator") or (actor.role == "regulator" and actor.district is None):
        return true()
    if actor.role == "regulator":
        return RegulatorNotice.district == actor.district
    if actor.maintenance_unit_id is not None and actor.role == "mu_admin":
        return RegulatorNotice.maintenance_unit_id == actor.maintenance_unit_id
    return false()


def get_notice_or_404(notice_id: int, actor: Account) -> RegulatorNotice:
    found = db.session.execute(
        select(RegulatorNotice).where(RegulatorNotice.id == notice_id, notice_scope(actor))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("找不到该监管意见")
    return found


def _require_regulator(actor: Account) -> None:
    if actor.role != "regulator":
        raise Forbidden("只有监管部门可以下达、关闭或升级监管意见", code="regulator_only")


def _require_addressee(actor: Account, notice: RegulatorNotice) -> None:
    if actor.role != "mu_admin" or actor.maintenance_unit_id != notice.maintenance_unit_id:
        raise Forbidden("只有被下达意见的维保单位管理员可以签收或回复", code="not_addressee")


def unit_for_regulator_or_404(unit_id: int, actor: Account) -> MaintenanceUnit:
    """A maintenance unit a regulator may address: any (city), or one maintaining an elevator of its district."""
    query = select(MaintenanceUnit).where(MaintenanceUnit.id == unit_id)
    if actor.district is not None:
        query = query.where(
            MaintenanceUnit.id.in_(select(Elevator.maintenance_unit_id).where(Elevator.district == actor.district))
        )
    unit = db.session.execute(query).scalar_one_or_none()
    if unit is None:
        raise NotFound("找不到该维保单位")
    return unit


def _checked_records(unit_id: int, district: str | None, ids: Sequence[int], field: str) -> list[int]:
    if not ids:
        return []
    query = select(MaintenanceRecord.id).where(
        MaintenanceRecord.id.in_(list(ids)), MaintenanceRecord.maintenance_unit_id == unit_id
    )
    if district is not None:
        query = query.where(MaintenanceRecord.district == district)
    found = set(db.session.execute(query).scalars())
    missing = [record_id for record_id in ids if record_id not in found]
    if missing:
        raise ValidationFailed(
            "所列维保记录不存在或不属于该维保单位（或不在本辖区）", fields={field: f"记录 {missing[0]} 不可用"}
        )
    return list(dict.fromkeys(ids))


def _checked_elevators(unit_id: int, district: str | None, ids: Sequence[int]) -> list[int]:
    if not ids:
        return []
    query = select(Elevator.id).where(Elevator.id.in_(list(ids)), Elevator.maintenance_unit_id == unit_id)
    if district is not None:
        query = query.where(Elevator.district == district)
    found = set(db.session.execute(query).scalars())
    missing = [elevator_id for elevator_id in ids if elevator_id not in found]
    if missing:
        raise ValidationFailed(
            "所列电梯不存在或不由该维保单位维保（或不在本辖区）", fields={"elevator_ids": f"电梯 {missing[0]} 不可用"}
        )
    return list(dict.fromkeys(ids))


def _event(
    notice: RegulatorNotice,
    kind: str,
    actor: Account,
    now: datetime,
    text: str | None = None,
    record_ids: list[int] | None = None,
) -> None:
    db.session.add(
        RegulatorNoticeEvent(
            notice_id=notice.id, kind=kind, actor_id=actor.id, text=text, record_ids=record_ids, occurred_at=now
        )
    )
    db.session.flush()


def _halt(unit_id: int, notice: RegulatorNotice) -> None:
    unit = db.session.get(MaintenanceUnit, unit_id, with_for_update=True)
    assert unit is not None
    if unit.halted_by_notice_id is not None:
        raise NoticeRefused(
            f"该维保单位已被中止（中止意见第 {unit.halted_by_notice_id} 号），请先处理该意见", code="already_suspended"
        )
    unit.halted_by_notice_id = notice.id


def issue_notice(
    actor: Account,
    unit: MaintenanceUnit,
    *,
    kind: str,
    findings: str,
    deadline_at: datetime,
    record_ids: Sequence[int],
    elevator_ids: Sequence[int],
    now: datetime,
) -> RegulatorNotice:
    _require_regulator(actor)
    if deadline_at <= now:
        raise ValidationFailed("整改期限必须晚于当前时间", fields={"deadline_at": "不能早于当前时间"})
    records = _checked_records(unit.id, actor.district, record_ids, "record_ids")
    elevators = _checked_elevators(unit.id, actor.district, elevator_ids)
    notice = RegulatorNotice(
        kind=kind,
        maintenance_unit_id=unit.id,
        district=actor.district,
        findings=findings,
        deadline_at=deadline_at,
        status="issued",
        issued_by_id=actor.id,
        issued_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    _subjects(notice, records, elevators)
    if kind == "suspension":
        _halt(unit.id, notice)
    _event(notice, "issued", actor, now, findings, records or None)
    return notice


def _subjects(notice: RegulatorNotice, records: list[int], elevators: list[int]) -> None:
    db.session.add_all(
        [RegulatorNoticeSubject(notice_id=notice.id, record_id=record_id) for record_id in records]
        + [RegulatorNoticeSubject(notice_id=notice.id, elevator_id=elevator_id) for elevator_id in elevators]
    )
    db.session.flush()


def subjects_of(notice_id: int) -> tuple[list[int], list[int]]:
    rows = db.session.execute(
        select(RegulatorNoticeSubject.record_id, RegulatorNoticeSubject.elevator_id)
        .where(RegulatorNoticeSubject.notice_id == notice_id)
        .order_by(RegulatorNoticeSubject.id)
    ).all()
    return [r for r, _ in rows if r is not None], [e for _, e in rows if e is not None]


def events_of(notice_id: int) -> list[RegulatorNoticeEvent]:
    return list(
        db.session.execute(
            select(RegulatorNoticeEvent)
            .where(RegulatorNoticeEvent.notice_id == notice_id)
            .order_by(RegulatorNoticeEvent.id)
        ).scalars()
    )


def _locked(notice: RegulatorNotice) -> RegulatorNotice:
    return db.session.execute(
        select(RegulatorNotice)
        .where(RegulatorNotice.id == notice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def acknowledge(notice: RegulatorNotice, actor: Account, *, now: datetime) -> RegulatorNotice:
    _require_addressee(actor, notice)
    locked = _locked(notice)
    if locked.status != "issued":
        raise NoticeRefused("该意见已签收", code="notice_already_acknowledged")
    locked.status = "acknowledged"
    _event(locked, "acknowledged", actor, now)
    return locked


def reply(notice: RegulatorNotice, actor: Account, text: str, record_ids: Sequence[int], *, now: datetime) -> None:
    """The unit's reply (after acknowledging it), with records showing the rectification if it has them."""
    _require_addressee(actor, notice)
    locked = _locked(notice)
    if locked.status == "issued":
        raise NoticeRefused("请先签收该意见再回复", code="notice_not_acknowledged")
    if locked.status not in OPEN_STATUSES:
        raise NoticeRefused("该意见已关闭，不能再回复", code="notice_closed")
    records = _checked_records(locked.maintenance_unit_id, None, record_ids, "record_ids")
    locked.status = "replied"
    _event(locked, "replied", actor, now, text, records or None)


def close(notice: RegulatorNotice, actor: Account, text: str, *, now: datetime) -> None:
    """The regulator closes the notice; closing a suspension lifts it (the unit works again)."""
    _require_regulator(actor)
    locked = _locked(notice)
    if locked.status not in OPEN_STATUSES:
        raise NoticeRefused("该意见已关闭或已升级", code="notice_closed")
    locked.status = "closed"
    if locked.kind == "suspension":
        unit = db.session.get(MaintenanceUnit, locked.maintenance_unit_id, with_for_update=True)
        if unit is not None and unit.halted_by_notice_id == locked.id:
            unit.halted_by_notice_id = None
    db.session.flush()
    _event(locked, "closed", actor, now, text)


def escalate(
    notice: RegulatorNotice, actor: Account, findings: str, deadline_at: datetime, *, now: datetime
) -> RegulatorNotice:
    """A rectification not done: the regulator escalates it to a suspension (a new notice, in force at once)."""
    _require_regulator(actor)
    if deadline_at <= now:
        raise ValidationFailed("整改期限必须晚于当前时间", fields={"deadline_at": "不能早于当前时间"})
    locked = _locked(notice)
    if locked.kind != "rectification":
        raise NoticeRefused("只有整改意见可以升级为中止意见", code="notice_not_escalatable")
    if locked.status not in OPEN_STATUSES:
        raise NoticeRefused("该意见已关闭或已升级", code="notice_closed")
    records, elevators = subjects_of(locked.id)
    suspension = RegulatorNotice(
        kind="suspension",
        maintenance_unit_id=locked.maintenance_unit_id,
        district=locked.district,
        findings=findings,
        deadline_at=deadline_at,
        status="issued",
        issued_by_id=actor.id,
        issued_at=now,
    )
    db.session.add(suspension)
    db.session.flush()
    _subjects(suspension, records, elevators)
    _halt(locked.maintenance_unit_id, suspension)
    locked.status, locked.escalated_to_id = "escalated", suspension.id
    db.session.flush()
    _event(locked, "escalated", actor, now, findings)
    _event(suspension, "issued", actor, now, findings, records or None)
    return suspension
