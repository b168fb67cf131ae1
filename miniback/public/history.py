"""What residents may see of an elevator: one typed read, masked on the server, with no internal ids.

Records come from ``maintenance_record`` (a superseded record is replaced by its correction here), due dates
from the ``elevator_due`` projection (the same numbers the regulators' overdue list uses) and delay notices
from ``delay_notice``, sign-off states from the ``signoff_state`` projection of the sign-off events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists
from sqlalchemy.orm import aliased

from miniback.extensions import db
from miniback.models import (
    Account,
    DelayNotice,
    DelayNoticeElevator,
    Elevator,
    ElevatorDue,
    MaintenanceRecord,
    MaintenanceUnit,
    RecordTechnician,
    SignoffState,
    UseUnit,
)
from miniback.public.masking import mask_name, mask_phones_in_text
from qr.urls import is_public_code

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# 特种设备安全监察条例 第三十一条: half-monthly maintenance, at most 15 days apart.
MAINTENANCE_INTERVAL = timedelta(days=15)
HISTORY_LIMIT = 24  # a year of half-monthly jobs; older records stay with the unit and the regulators

ELEVATOR_TYPE_NAMES = {
    "traction": "曳引与强制驱动电梯",
    "hydraulic": "液压电梯",
    "dumbwaiter": "杂物电梯",
    "escalator": "自动扶梯与自动人行道",
}
ELEVATOR_STATUS_NAMES = {"in_service": "在用", "out_of_service": "停用", "decommissioned": "已注销"}
CATEGORY_NAMES = {"half_month": "半月维保", "quarter": "季度维保", "half_year": "半年维保", "year": "年度维保"}
SIGNOFF_LABELS = {
    "signed": "已签字确认",
    "default_confirmed": "默认确认",
    "objected": "有异议",
    "pending": "待确认",
}
DELAY_CAUSE_NAMES = {
    "natural_disaster": "自然灾害",
    "emergency_control": "应急管控",
    "area_lockdown": "区域封锁",
    "other": "其他",
}


@dataclass(frozen=True)
class RecordRow:
    """One record as read from the database (names unmasked); never handed to a template."""

    maintained_on: date
    category: str
    technician_names: tuple[str, ...]
    signoff_state: str
    late_upload: bool


@dataclass(frozen=True)
class DelayNoticeRow:
    cause: str
    starts_on: date
    ends_on: date
    text: str


@dataclass(frozen=True)
class PublicRecord:
    maintained_on: date
    category: str
    category_name: str
    technicians: tuple[str, ...]
    signoff_state: str
    signoff_label: str
    late_upload: bool


@dataclass(frozen=True)
class PublicDelayNotice:
    cause: str
    starts_on: date
    ends_on: date
    text: str


@dataclass(frozen=True)
class PublicHistory:
    public_code: str
    address: str
    position: str
    elevator_type: str
    elevator_type_name: str
    status: str
    status_name: str
    device_code: str
    rescue_code: str
    use_unit: str
    maintenance_unit: str
    emergency_phone: str
    last_maintained_on: date | None
    next_due_on: date | None
    overdue: bool
    overdue_days: int
    delay_notice: PublicDelayNotice | None
    records: tuple[PublicRecord, ...] = field(default_factory=tuple)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def public_signoff_state(state: str | None, objection_open: bool = False) -> str:
    """The resident's view of a record's sign-off projection: an open objection shows whatever came before it
    (a default confirmation stays in history, but residents see the dispute); a resolved objection before
    any confirmation waits for confirmation again; no projection yet means awaiting confirmation."""
    if objection_open or state == "objected":
        return "objected"
    if state in ("signed", "default_confirmed"):
        return state
    return "pending"


def public_record(row: RecordRow) -> PublicRecord:
    state = row.signoff_state if row.signoff_state in SIGNOFF_LABELS else "pending"
    return PublicRecord(
        maintained_on=row.maintained_on,
        category=row.category,
        category_name=CATEGORY_NAMES.get(row.category, "维保"),
        technicians=tuple(mask_name(name) for name in row.technician_names),
        signoff_state=state,
        signoff_label=SIGNOFF_LABELS[state],
        late_upload=row.late_upload,
    )


# The page is read by anyone with a phone, so it is two indexed Core queries (no ORM identity map): the
# elevator with its units and due dates, then its latest records with their technicians.
_ELEVATOR = (
    db.select(
        Elevator.id,
        Elevator.public_code,
        Elevator.address,
        Elevator.position,
        Elevator.elevator_type,
        Elevator.status,
        Elevator.device_code,
        Elevator.registration_code,
        Elevator.rescue_code,
        Elevator.created_at,
        MaintenanceUnit.name.label("maintenance_unit"),
        MaintenanceUnit.emergency_phone,
        UseUnit.name.label("use_unit"),
        ElevatorDue.last_half_month_on,
        ElevatorDue.half_month_due_on,
    )
    .outerjoin(MaintenanceUnit, MaintenanceUnit.id == Elevator.maintenance_unit_id)
    .outerjoin(UseUnit, UseUnit.id == Elevator.use_unit_id)
    .outerjoin(ElevatorDue, ElevatorDue.elevator_id == Elevator.id)
)


def _latest_records_statement() -> Any:
    """Built once: the latest records of ``:elevator_id`` (a correction standing in for the record it
    supersedes), joined to their sign-off state and their technicians' names."""
    correction = aliased(MaintenanceRecord)
    latest = (
        db.select(
            MaintenanceRecord.id,
            MaintenanceRecord.maintenance_day,
            MaintenanceRecord.category,
            MaintenanceRecord.late_upload,
        )
        .where(
            MaintenanceRecord.elevator_id == bindparam("elevator_id"),
            ~exists().where(correction.supersedes_id == MaintenanceRecord.id),
        )
        .order_by(MaintenanceRecord.maintenance_day.desc(), MaintenanceRecord.id.desc())
        .limit(HISTORY_LIMIT)
        .subquery()
    )
    return (
        db.select(latest, SignoffState.state, SignoffState.objection_open, Account.name)
        .outerjoin(SignoffState, SignoffState.record_id == latest.c.id)
        .outerjoin(RecordTechnician, RecordTechnician.record_id == latest.c.id)
        .outerjoin(Account, Account.id == RecordTechnician.account_id)
        .order_by(latest.c.maintenance_day.desc(), latest.c.id.desc(), RecordTechnician.id)
    )


_LATEST_RECORDS = _latest_records_statement()
_ELEVATOR_BY_CODE = _ELEVATOR.where(Elevator.public_code == bindparam("code"))


def _record_rows(elevator_id: int) -> list[RecordRow]:
    """The elevator's latest records, newest first."""
    records: dict[int, tuple[Any, list[str]]] = {}
    for row in db.session.execute(_LATEST_RECORDS, {"elevator_id": elevator_id}):
        entry = records.setdefault(row.id, (row, []))
        if row.name is not None:
            entry[1].append(row.name)
    return [
        RecordRow(
            row.maintenance_day,
            row.category,
            tuple(names),
            public_signoff_state(row.state, bool(row.objection_open)),
            bool(row.late_upload),
        )
        for row, names in records.values()
    ]


def _delay_notice_row(elevator_id: int, today: date) -> DelayNoticeRow | None:
    """The latest delay notice covering ``today``, if the unit filed one for this elevator."""
    notice = db.session.execute(
        db.select(DelayNotice.cause, DelayNotice.starts_on, DelayNotice.ends_on, DelayNotice.explanation)
        .join(DelayNoticeElevator, DelayNoticeElevator.notice_id == DelayNotice.id)
        .where(
            DelayNoticeElevator.elevator_id == elevator_id,
            DelayNotice.starts_on <= today,
            DelayNotice.ends_on >= today,
        )
        .order_by(DelayNotice.id.desc())
        .limit(1)
    ).first()
    if notice is None:
        return None
    return DelayNoticeRow(notice.cause, notice.starts_on, notice.ends_on, notice.explanation)


def _due(elevator: Any, records: tuple[PublicRecord, ...]) -> tuple[date | None, date | None]:
    """Last maintenance day and half-monthly due date, as the regulators' overdue list counts them.

    A higher category counts as that period's half-monthly job; an elevator never maintained is due 15 days
    after it was registered. An elevator no unit looks after has no due date.
    """
    if elevator.maintenance_unit is None:
        return None, None
    last = max((record.maintained_on for record in records), default=None)
    if elevator.half_month_due_on is not None:
        return elevator.last_half_month_on or last, elevator.half_month_due_on
    created: datetime = elevator.created_at
    baseline = last or created.astimezone(LOCAL_TZ).date()
    return last, baseline + MAINTENANCE_INTERVAL


def public_history(code: str, today: date | None = None) -> PublicHistory | None:
    """Everything the public page shows of the elevator with public code ``code``, personal data masked.

    ``None`` for anything that is not a known code; malformed input never reaches the database.
    """
    if not is_public_code(code):
        return None
    elevator = db.session.execute(_ELEVATOR_BY_CODE, {"code": code}).first()
    if elevator is None:
        return None
    today = today or local_today()
    records = tuple(public_record(row) for row in _record_rows(elevator.id)[:HISTORY_LIMIT])
    last, next_due = _due(elevator, records)
    # Only an elevator in service can be overdue (a stopped lift needs no visits).
    overdue_days = (today - next_due).days if next_due is not None and elevator.status == "in_service" else 0
    notice_row = _delay_notice_row(elevator.id, today) if overdue_days > 0 else None
    notice = (
        PublicDelayNotice(
            cause=DELAY_CAUSE_NAMES.get(notice_row.cause, "其他"),
            starts_on=notice_row.starts_on,
            ends_on=notice_row.ends_on,
            text=mask_phones_in_text(notice_row.text),
        )
        if notice_row is not None
        else None
    )
    return PublicHistory(
        public_code=elevator.public_code,
        address=elevator.address,
        position=elevator.position or "",
        elevator_type=elevator.elevator_type,
        elevator_type_name=ELEVATOR_TYPE_NAMES.get(elevator.elevator_type, "电梯"),
        status=elevator.status,
        status_name=ELEVATOR_STATUS_NAMES.get(elevator.status, ""),
        device_code=elevator.device_code or elevator.registration_code or "",
        rescue_code=elevator.rescue_code or "",
        use_unit=elevator.use_unit or "",
        maintenance_unit=elevator.maintenance_unit or "",
        emergency_phone=elevator.emergency_phone or "",
        last_maintained_on=last,
        next_due_on=next_due,
        overdue=overdue_days > 0,
        overdue_days=max(overdue_days, 0),
        delay_notice=notice,
        records=records,
    )
