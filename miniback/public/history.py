"""What residents may see of an elevator: one typed read, masked on the server, with no internal ids.

Records come from ``maintenance_record`` (a superseded record is replaced by its correction here), due dates
from the ``elevator_due`` projection (the same numbers the regulators' overdue list uses) and delay notices
from ``delay_notice``. Sign-off states will come from the sign-off events (issue 4); until those exist every
record shows as awaiting confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists
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
    UseUnit,
)
from miniback.public.masking import mask_name, mask_phones_in_text
from qr.urls import is_public_code

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# 特种设备安全监察条例 第三十一条: half-monthly maintenance, at most 15 days apart.
MAINTENANCE_INTERVAL = timedelta(days=15)
HISTORY_LIMIT = 48  # about two years of half-monthly jobs; older records stay queryable by regulators

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


def find_public_elevator(code: str) -> Elevator | None:
    """The elevator a scanned code names; anything that cannot be a code is refused before the database."""
    if not is_public_code(code):
        return None
    elevator: Elevator | None = db.session.execute(
        db.select(Elevator).where(Elevator.public_code == code)
    ).scalar_one_or_none()
    return elevator


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


def _record_rows(elevator: Elevator) -> list[RecordRow]:
    """The elevator's latest records, newest first: two indexed queries whatever the table's size."""
    correction = aliased(MaintenanceRecord)
    rows = db.session.execute(
        db.select(
            MaintenanceRecord.id,
            MaintenanceRecord.maintenance_day,
            MaintenanceRecord.category,
            MaintenanceRecord.late_upload,
        )
        .where(
            MaintenanceRecord.elevator_id == elevator.id,
            ~exists().where(correction.supersedes_id == MaintenanceRecord.id),
        )
        .order_by(MaintenanceRecord.maintenance_day.desc(), MaintenanceRecord.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    if not rows:
        return []
    names: dict[int, list[str]] = {}
    for record_id, name in db.session.execute(
        db.select(RecordTechnician.record_id, Account.name)
        .join(Account, Account.id == RecordTechnician.account_id)
        .where(RecordTechnician.record_id.in_([row.id for row in rows]))
        .order_by(RecordTechnician.id)
    ):
        names.setdefault(record_id, []).append(name)
    return [
        RecordRow(row.maintenance_day, row.category, tuple(names.get(row.id, ())), "pending", row.late_upload)
        for row in rows
    ]


def _delay_notice_row(elevator: Elevator, today: date) -> DelayNoticeRow | None:
    """The latest delay notice covering ``today``, if the unit filed one for this elevator."""
    notice = db.session.execute(
        db.select(DelayNotice)
        .join(DelayNoticeElevator, DelayNoticeElevator.notice_id == DelayNotice.id)
        .where(
            DelayNoticeElevator.elevator_id == elevator.id,
            DelayNotice.starts_on <= today,
            DelayNotice.ends_on >= today,
        )
        .order_by(DelayNotice.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if notice is None:
        return None
    return DelayNoticeRow(notice.cause, notice.starts_on, notice.ends_on, notice.explanation)


def _due(elevator: Elevator, records: tuple[PublicRecord, ...]) -> tuple[date | None, date | None]:
    """Last maintenance day and half-monthly due date, as the regulators' overdue list counts them.

    A higher category counts as that period's half-monthly job; an elevator never maintained is due 15 days
    after it was registered.
    """
    projection = db.session.get(ElevatorDue, elevator.id)
    last = max((record.maintained_on for record in records), default=None)
    if projection is not None and projection.half_month_due_on is not None:
        return projection.last_half_month_on or last, projection.half_month_due_on
    baseline = last or elevator.created_at.astimezone(LOCAL_TZ).date()
    return last, baseline + MAINTENANCE_INTERVAL


def public_history(elevator: Elevator, today: date | None = None) -> PublicHistory:
    """Everything the public page shows of ``elevator``, personal data masked."""
    today = today or local_today()
    unit = db.session.get(MaintenanceUnit, elevator.maintenance_unit_id) if elevator.maintenance_unit_id else None
    use_unit = db.session.get(UseUnit, elevator.use_unit_id) if elevator.use_unit_id else None
    records = tuple(public_record(row) for row in _record_rows(elevator)[:HISTORY_LIMIT])
    last, next_due = _due(elevator, records) if unit is not None else (None, None)
    # Only an elevator in service and looked after by a unit can be overdue (a stopped lift needs no visits).
    overdue_days = (today - next_due).days if next_due is not None and elevator.status == "in_service" else 0
    overdue = overdue_days > 0
    overdue_days = max(overdue_days, 0)
    notice_row = _delay_notice_row(elevator, today) if overdue else None
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
        use_unit=use_unit.name if use_unit else "",
        maintenance_unit=unit.name if unit else "",
        emergency_phone=unit.emergency_phone if unit else "",
        last_maintained_on=last,
        next_due_on=next_due,
        overdue=overdue,
        overdue_days=overdue_days,
        delay_notice=notice,
        records=records,
    )
