"""What residents may see of an elevator: one typed read, masked on the server, with no internal ids.

Records come from the ``public_history_entry`` read model (kept by ``miniback.projections.public_history`` with every
record and sign-off change: masked names, a superseded record replaced by its correction), due dates from the
``elevator_due`` projection (the same numbers the regulators' overdue list uses) and delay notices from
``delay_notice``. What depends on the clock (overdue, a default confirmation at its deadline) is decided here,
at read time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, func, literal_column

from miniback.extensions import db
from miniback.models import (
    DelayNotice,
    DelayNoticeElevator,
    Elevator,
    ElevatorDue,
    MaintenanceUnit,
    PublicHistoryEntry,
    UseUnit,
    utcnow,
)
from miniback.projections.masking import mask_phones_in_text
from miniback.public.reads import on_mariadb, read_scalar
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


class PublicRecord(NamedTuple):
    """A record as residents see it. A named tuple: a page builds 24 of them per view.

    These types (``PublicRecord``, ``PublicDelayNotice``, ``PublicHistory``) are the one definition of what the page
    and its JSON twin show: the twin's OpenAPI schema is derived from them (``miniback.api.public``), leaving out
    ``PAGE_ONLY_FIELDS``.
    """

    maintained_on: date
    category: str
    category_name: str
    technicians: tuple[str, ...]
    signoff_state: str
    signoff_label: str
    late_upload: bool
    # "4/4": required photo positions covered, of how many (None before photos existed); the page never shows one.
    photos: str | None
    # How many kinds of flag the record carries (distance, duration, overlap and the issue-19 signals): a count,
    # never which or why.
    flags: int
    # Ready-made text for the page's list (no method calls in the template's loop).
    maintained_text: str
    technicians_text: str
    # When the clock alone changes what residents see (a pending record's deadline: default-confirmed from then).
    changes_at: datetime | None


# The page's ready-made text and its clock: not part of the JSON twin.
PAGE_ONLY_FIELDS = frozenset({"maintained_text", "technicians_text", "changes_at"})


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
    # The maintenance unit is approved to stop keeping paper records (四(六)): 已停止使用纸质维保记录.
    paperless: bool = False


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def public_record(
    day: date,
    category: str,
    technicians: str,
    late_upload: bool,
    stored: str,
    deadline_at: datetime | None,
    now: datetime,
    consented: bool = True,
    photos: str | None = None,
    flags: int = 0,
) -> PublicRecord:
    """One entry of the read model (masked names separated by spaces) as shown at ``now``; ``consented``: the use
    unit agreed to the default confirmation (without it, a passed deadline leaves the record unsigned)."""
    state = resolved_signoff(stored, deadline_at, now, consented)
    if state not in SIGNOFF_LABELS:
        state = "pending"
    names = tuple(technicians.split())
    changes_at = deadline_at if stored == "awaiting" and state == "pending" else None
    return PublicRecord(
        day,
        category,
        CATEGORY_NAMES.get(category, "维保"),
        names,
        state,
        SIGNOFF_LABELS[state],
        late_upload,
        photos or None,
        int(flags or 0),
        day.isoformat(),
        "、".join(names),
        changes_at,
    )


class PageRow(NamedTuple):
    """The elevator's own facts the page shows, with its units and due dates (internal id for the lookups)."""

    id: int
    public_code: str
    address: str
    position: str | None
    elevator_type: str
    status: str
    device_code: str | None
    registration_code: str | None
    rescue_code: str | None
    created_at: datetime
    maintenance_unit: str | None
    emergency_phone: str | None
    use_unit: str | None
    last_half_month_on: date | None
    half_month_due_on: date | None
    paperless_application_id: int | None
    use_unit_consent_id: int | None


_PAGE_COLUMNS = (
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
    MaintenanceUnit.name,
    MaintenanceUnit.emergency_phone,
    UseUnit.name,
    ElevatorDue.last_half_month_on,
    ElevatorDue.half_month_due_on,
    MaintenanceUnit.paperless_application_id,
    UseUnit.consent_id,
)
_ENTRY = PublicHistoryEntry.__table__
_ENTRY_COLUMNS = (
    "maintenance_day",
    "category",
    "technicians",
    "late_upload",
    "signoff",
    "deadline_at",
    "photos",
    "flags",
)


def _page_statement(*columns: Any) -> Any:
    return (
        db.select(*columns)
        .select_from(Elevator)
        .outerjoin(MaintenanceUnit, MaintenanceUnit.id == Elevator.maintenance_unit_id)
        .outerjoin(UseUnit, UseUnit.id == Elevator.use_unit_id)
        .outerjoin(ElevatorDue, ElevatorDue.elevator_id == Elevator.id)
        .where(Elevator.public_code == bindparam("code"))
    )


# The page is read by anyone with a phone. On MariaDB it is one indexed query on a pooled connection that returns
# one JSON text: the elevator with its units and due dates, then its latest entries of the public history read
# model, masked, newest first. PyMySQL parses one column of one row instead of a column descriptor and a value per
# field and a row per record; ``json.loads`` does the rest in C. The entries come from a derived table walking the
# entry table's primary key backwards from the elevator's newest day, so a view reads HISTORY_LIMIT entries however
# long the history (the derived table is selected by the public code: MariaDB cannot correlate into it). They are
# concatenated with the ASCII unit and record separators rather than JSON_ARRAYAGG, which costs MariaDB twice as
# much; a masked name never contains them (masking drops all whitespace, and Python counts both as whitespace).
# MariaDB's group_concat_max_len defaults to 1 MiB (MySQL's to 1 KiB, so MySQL reads the entries as rows).
FIELD, RECORD = "\x1f", "\x1e"
_CODE_OWNER = Elevator.__table__.alias("owner")
_LATEST_ENTRIES = (
    db.select(_ENTRY)
    .join(_CODE_OWNER, _CODE_OWNER.c.id == _ENTRY.c.elevator_id)
    .where(_CODE_OWNER.c.public_code == bindparam("code"))
    .order_by(_ENTRY.c.maintenance_day.desc(), _ENTRY.c.record_id.desc())
    .limit(HISTORY_LIMIT)
    .subquery("h")
)
_HISTORY_TEXT = (
    db.select(
        literal_column(
            "GROUP_CONCAT(CONCAT_WS(CHAR(31), h.maintenance_day, h.category, h.technicians, h.late_upload,"
            " h.signoff, IFNULL(h.deadline_at, ''), IFNULL(h.photos, ''), h.flags)"
            f" ORDER BY h.maintenance_day DESC, h.record_id DESC SEPARATOR '{RECORD}')"
        )
    )
    .select_from(_LATEST_ENTRIES)
    .scalar_subquery()
)
_PAGE_JSON = _page_statement(func.json_array(*_PAGE_COLUMNS, _HISTORY_TEXT))
# Other databases (MySQL, the SQLite demo): the elevator as a row, then its entries as rows.
_PAGE = _page_statement(*_PAGE_COLUMNS)
_ENTRIES = (
    db.select(*(_ENTRY.c[name] for name in _ENTRY_COLUMNS))
    .where(_ENTRY.c.elevator_id == bindparam("elevator_id"))
    .order_by(_ENTRY.c.maintenance_day.desc(), _ENTRY.c.record_id.desc())
    .limit(HISTORY_LIMIT)
)


def resolved_signoff(stored: str, deadline_at: datetime | None, now: datetime, consented: bool = True) -> str:
    """The sign-off residents see now: a record ``awaiting`` its deadline is default-confirmed from the deadline
    on (the rule, whether or not the deadline job has run yet), pending before it — and after it too while its use
    unit has not consented to the default confirmation (四(三))."""
    if stored == "awaiting":
        due = deadline_at is not None and now >= deadline_at
        return "default_confirmed" if due and consented else "pending"
    return stored


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # DATETIME(6) columns hold naive UTC


def _from_json(page: str, now: datetime) -> tuple[PageRow, list[PublicRecord] | None]:
    """The elevator's row and its records from the MariaDB query; records ``None`` if the text is cut short."""
    *fields, history = json.loads(page)
    # JSON has no dates: created_at and the two due-date columns come back as ISO text.
    fields[9], fields[13], fields[14] = _utc(fields[9]), _date(fields[13]), _date(fields[14])
    consented = fields[16] is not None
    records = []
    for entry in history.split(RECORD) if history else ():
        parts = entry.split(FIELD)
        if len(parts) != len(_ENTRY_COLUMNS):
            return PageRow(*fields), None  # a server with a short group_concat_max_len truncated it
        day, category, names, late, stored, deadline, photos, flags = parts
        deadline_at = _utc(deadline) if deadline and stored == "awaiting" else None
        day_on = date.fromisoformat(day)
        records.append(
            public_record(day_on, category, names, late == "1", stored, deadline_at, now, consented, photos, int(flags))
        )
    return PageRow(*fields), records


def _row_entries(elevator_id: int, now: datetime, consented: bool = True) -> list[PublicRecord]:
    with db.engine.connect() as connection:
        entries = connection.execute(_ENTRIES, {"elevator_id": elevator_id})
        return [
            public_record(day, category, names, bool(late), stored, deadline, now, consented, photos, flags)
            for day, category, names, late, stored, deadline, photos, flags in entries
        ]


def _page_rows(code: str, now: datetime) -> tuple[PageRow, list[PublicRecord]] | None:
    """The elevator's row and its latest records (names masked), or ``None`` for an unknown code."""
    if on_mariadb():
        page = read_scalar(_PAGE_JSON, code=code)
        if page is None:
            return None
        row, records = _from_json(page, now)
        return row, records if records is not None else _row_entries(row.id, now, row.use_unit_consent_id is not None)
    with db.engine.connect() as connection:
        found = connection.execute(_PAGE, {"code": code}).first()
    if found is None:
        return None
    row = PageRow(*found)
    return row, _row_entries(row.id, now, row.use_unit_consent_id is not None)


def _delay_notice_row(elevator_id: int, today: date) -> Row[Any] | None:
    """The latest delay notice covering ``today``, if the unit filed one for this elevator."""
    with db.engine.connect() as connection:
        notice = connection.execute(
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
    return notice


def _due(elevator: PageRow, records: tuple[PublicRecord, ...]) -> tuple[date | None, date | None]:
    """Last maintenance day and half-monthly due date, as the regulators' overdue list counts them.

    A higher category counts as that period's half-monthly job; an elevator never maintained is due 15 days
    after it was registered. An elevator no unit looks after has no due date.
    """
    if elevator.maintenance_unit is None:
        return None, None
    last = max((record.maintained_on for record in records), default=None)
    if elevator.half_month_due_on is not None:
        return elevator.last_half_month_on or last, elevator.half_month_due_on
    baseline = last or elevator.created_at.astimezone(LOCAL_TZ).date()
    return last, baseline + MAINTENANCE_INTERVAL


def public_history(code: str, today: date | None = None, now: datetime | None = None) -> PublicHistory | None:
    """Everything the public page shows of the elevator with public code ``code``, personal data masked.

    ``None`` for anything that is not a known code; malformed input never reaches the database.
    """
    if not is_public_code(code):
        return None
    now = now or utcnow()
    today = today or now.astimezone(LOCAL_TZ).date()
    found = _page_rows(code, now)
    if found is None:
        return None
    elevator, rows = found
    records = tuple(rows)
    last, next_due = _due(elevator, records)
    # Only an elevator in service can be overdue (a stopped lift needs no visits).
    overdue_days = (today - next_due).days if next_due is not None and elevator.status == "in_service" else 0
    notice_row = _delay_notice_row(elevator.id, today) if overdue_days > 0 else None
    notice = (
        PublicDelayNotice(
            cause=DELAY_CAUSE_NAMES.get(notice_row.cause, "其他"),
            starts_on=notice_row.starts_on,
            ends_on=notice_row.ends_on,
            text=mask_phones_in_text(notice_row.explanation),
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
        paperless=elevator.paperless_application_id is not None,
    )
