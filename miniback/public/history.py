"""What residents may see of an elevator: one typed read, masked on the server, with no internal ids.

The maintenance records (issue 3) and their sign-off events (issue 4) are built elsewhere; ``_record_rows`` and
``_delay_notice_row`` are the two places that will read them. Until they exist the history is empty and the
next due date counts from the day the current maintenance unit took the elevator over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from miniback.extensions import db
from miniback.models import Elevator, ElevatorAssignment, MaintenanceUnit, UseUnit
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
DELAY_CAUSE_NAMES = {"natural_disaster": "自然灾害", "emergency_control": "应急管控", "lockdown": "区域封锁"}


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


def due_status(baseline: date | None, today: date) -> tuple[date | None, bool, int]:
    """Next due date, whether it has passed, and by how many days, counted from ``baseline``."""
    if baseline is None:
        return None, False, 0
    next_due = baseline + MAINTENANCE_INTERVAL
    days = (today - next_due).days
    return next_due, days > 0, max(days, 0)


def _record_rows(elevator: Elevator) -> list[RecordRow]:
    """The elevator's latest records, newest first. Empty until the records tables (issue 3) are merged."""
    return []


def _delay_notice_row(elevator: Elevator, today: date) -> DelayNoticeRow | None:
    """The delay notice covering ``today``, if one was filed. None until delay notices are merged."""
    return None


def _taken_over_on(elevator: Elevator) -> date | None:
    started = db.session.execute(
        db.select(ElevatorAssignment.started_at)
        .where(ElevatorAssignment.elevator_id == elevator.id, ElevatorAssignment.ended_at.is_(None))
        .order_by(ElevatorAssignment.started_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    return started.astimezone(LOCAL_TZ).date() if started is not None else None


def public_history(elevator: Elevator, today: date | None = None) -> PublicHistory:
    """Everything the public page shows of ``elevator``, personal data masked."""
    today = today or local_today()
    unit = db.session.get(MaintenanceUnit, elevator.maintenance_unit_id) if elevator.maintenance_unit_id else None
    use_unit = db.session.get(UseUnit, elevator.use_unit_id) if elevator.use_unit_id else None
    records = tuple(public_record(row) for row in _record_rows(elevator)[:HISTORY_LIMIT])
    last = max((record.maintained_on for record in records), default=None)
    baseline = last if last is not None else (_taken_over_on(elevator) if unit is not None else None)
    next_due, overdue, overdue_days = due_status(baseline, today)
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
