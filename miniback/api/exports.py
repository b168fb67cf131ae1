"""Spreadsheet exports of the records list and the overdue list: the lists' own filters and queries (so the same
scope: an export never holds a row the list would not show), every matching row up to ``MAX_EXPORT_ROWS``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Blueprint

from miniback.api.due import OverdueFilterQuery
from miniback.api.schemas.records import RecordFilterQuery
from miniback.api.spreadsheet import CSV, MAX_EXPORT_ROWS, XLSX, Column, csv_download, xlsx_download
from miniback.api.validation import documented, query_args
from miniback.auth.current import current_account, login_required
from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import (
    Account,
    Elevator,
    MaintenanceRecord,
    MaintenanceUnit,
    RecordTechnician,
    SignoffState,
    UseUnit,
    utcnow,
)
from miniback.public.history import CATEGORY_NAMES, ELEVATOR_TYPE_NAMES
from miniback.records.calendar import local_day
from miniback.records.due import OverdueEntry, all_overdue_entries, count_overdue_up_to
from miniback.records.queries import RecordFilters, all_record_rows, count_records_up_to

bp = Blueprint("exports", __name__)

# The desk roles: the people who work from the console (technicians and managers use the mini-program).
EXPORT_ROLES = ("platform_operator", "regulator", "inspector", "mu_admin", "mu_supervisor", "uu_admin")

SIGNOFF_STATE_NAMES = {
    "pending": "待确认",
    "signed": "已签字确认",
    "default_confirmed": "默认确认",
    "objected": "有异议",
    "objection_resolved": "异议已处理",
}
FLAG_NAMES = {"flag_distance": "位置偏离", "flag_duration": "时长过短", "flag_overlap": "时间重叠"}

RECORD_COLUMNS = (
    Column("记录编号", 10, "number"),
    Column("维保日期", 12, "date"),
    Column("设备代码", 22),
    Column("注册代码", 22),
    Column("电梯类型", 20),
    Column("电梯地址", 40),
    Column("所在区", 10),
    Column("维保类别", 12),
    Column("维保单位", 30),
    Column("使用单位", 30),
    Column("维保人员", 18),
    Column("签到时间", 20, "datetime"),
    Column("签退时间", 20, "datetime"),
    Column("时长（分钟）", 12, "number"),
    Column("签到距离（米）", 14, "number"),
    Column("签退距离（米）", 14, "number"),
    Column("上传时间", 20, "datetime"),
    Column("逾期上传", 10),
    Column("异常标记", 20),
    Column("签名确认", 12),
    Column("确认时间", 20, "datetime"),
    Column("发现隐患（项）", 14, "number"),
    Column("备注", 40),
    Column("内容哈希（SHA-256）", 66),
)

OVERDUE_COLUMNS = (
    Column("电梯编号", 10, "number"),
    Column("设备代码", 22),
    Column("注册代码", 22),
    Column("电梯地址", 40),
    Column("所在区", 10),
    Column("维保单位", 30),
    Column("使用单位", 30),
    Column("上次半月维保", 14, "date"),
    Column("应维保日期", 14, "date"),
    Column("逾期天数", 10, "number"),
    Column("延期说明", 10),
    Column("延期说明编号", 16),
)


# The record columns the export reads: loading only these keeps the big ones (canonical content, parts) unread.
_R = MaintenanceRecord
RECORD_FIELDS = (
    _R.elevator_id,
    _R.elevator_type,
    _R.district,
    _R.category,
    _R.maintenance_unit_id,
    _R.use_unit_id,
    _R.check_in_at,
    _R.check_out_at,
    _R.duration_seconds,
    _R.check_in_distance_m,
    _R.check_out_distance_m,
    _R.received_at,
    _R.late_upload,
    _R.flag_distance,
    _R.flag_duration,
    _R.flag_overlap,
    _R.hazards,
    _R.remarks,
    _R.content_hash,
)


def _too_many() -> ValidationFailed:
    return ValidationFailed(
        f"符合条件的数据超过 {MAX_EXPORT_ROWS} 条，请缩小筛选范围（例如日期、区或单位）后再导出",
        code="export_too_large",
    )


def _names(model: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(db.select(model.id, model.name).where(model.id.in_(ids))).tuples().all())


class _UnitNames:
    """Unit names, read once per unit for the whole export (an export names few units, many times each)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.known: dict[int, str] = {}

    def load(self, ids: set[int | None]) -> None:
        self.known |= _names(self.model, {i for i in ids if i is not None} - self.known.keys())

    def of(self, unit_id: int | None) -> str:
        return self.known.get(unit_id, "") if unit_id is not None else ""


def _record_lines(pages: Iterator[list[MaintenanceRecord]]) -> Iterator[tuple[Any, ...]]:
    maintenance_units, use_units = _UnitNames(MaintenanceUnit), _UnitNames(UseUnit)
    for records in pages:
        ids = [record.id for record in records]
        elevators = {
            row.id: row
            for row in db.session.execute(
                db.select(Elevator.id, Elevator.device_code, Elevator.registration_code, Elevator.address).where(
                    Elevator.id.in_({record.elevator_id for record in records})
                )
            )
        }
        signoffs = {
            row.record_id: row
            for row in db.session.execute(
                db.select(SignoffState.record_id, SignoffState.state, SignoffState.decided_at).where(
                    SignoffState.record_id.in_(ids)
                )
            )
        }
        technicians: dict[int, list[str]] = {}
        for record_id, name in db.session.execute(
            db.select(RecordTechnician.record_id, Account.name)
            .join(Account, Account.id == RecordTechnician.account_id)
            .where(RecordTechnician.record_id.in_(ids))
            .order_by(RecordTechnician.id)
        ):
            technicians.setdefault(record_id, []).append(name)
        maintenance_units.load({record.maintenance_unit_id for record in records})
        use_units.load({record.use_unit_id for record in records})
        for record in records:
            elevator = elevators.get(record.elevator_id)
            signoff = signoffs.get(record.id)
            yield (
                record.id,
                record.maintenance_day,
                elevator.device_code if elevator else None,
                elevator.registration_code if elevator else None,
                ELEVATOR_TYPE_NAMES.get(record.elevator_type, record.elevator_type),
                elevator.address if elevator else None,
                record.district,
                CATEGORY_NAMES.get(record.category, record.category),
                maintenance_units.of(record.maintenance_unit_id),
                use_units.of(record.use_unit_id),
                "、".join(technicians.get(record.id, [])),
                record.check_in_at,
                record.check_out_at,
                round(record.duration_seconds / 60, 1),
                float(record.check_in_distance_m) if record.check_in_distance_m is not None else None,
                float(record.check_out_distance_m) if record.check_out_distance_m is not None else None,
                record.received_at,
                "是" if record.late_upload else "否",
                "、".join(name for flag, name in FLAG_NAMES.items() if getattr(record, flag)),
                SIGNOFF_STATE_NAMES.get(signoff.state, signoff.state) if signoff else None,
                signoff.decided_at if signoff else None,
                len(record.hazards or []),
                record.remarks,
                record.content_hash,
            )


@bp.get("/records/export.xlsx")
@documented(
    f"导出维保记录（Excel）：与维保记录查询相同的筛选条件和权限范围，按维保日期从新到旧；最多 {MAX_EXPORT_ROWS} 条",
    query=RecordFilterQuery,
    media_type=XLSX,
)
@login_required(*EXPORT_ROLES)
def export_records() -> Any:
    actor = current_account()
    filters = RecordFilters(**query_args(RecordFilterQuery).model_dump())
    if count_records_up_to(actor, filters, MAX_EXPORT_ROWS) > MAX_EXPORT_ROWS:
        raise _too_many()
    name = f"维保记录-{local_day(utcnow()).isoformat()}.xlsx"
    pages = all_record_rows(actor, filters, RECORD_FIELDS)
    return xlsx_download(name, "维保记录", RECORD_COLUMNS, _record_lines(pages))


@bp.get("/exports/records.csv")
@documented(
    f"导出维保记录（CSV，UTF-8 带 BOM）：与维保记录查询相同的筛选条件和权限范围，按维保日期从新到旧；"
    f"最多 {MAX_EXPORT_ROWS} 条",
    query=RecordFilterQuery,
    media_type=CSV,
)
@login_required(*EXPORT_ROLES)
def export_records_csv() -> Any:
    actor = current_account()
    filters = RecordFilters(**query_args(RecordFilterQuery).model_dump())
    if count_records_up_to(actor, filters, MAX_EXPORT_ROWS) > MAX_EXPORT_ROWS:
        raise _too_many()
    name = f"维保记录-{local_day(utcnow()).isoformat()}.csv"
    pages = all_record_rows(actor, filters, RECORD_FIELDS)
    return csv_download(name, RECORD_COLUMNS, _record_lines(pages))


def _overdue_lines(pages: Iterator[list[OverdueEntry]]) -> Iterator[tuple[Any, ...]]:
    maintenance_units, use_units = _UnitNames(MaintenanceUnit), _UnitNames(UseUnit)
    for entries in pages:
        maintenance_units.load({entry.elevator.maintenance_unit_id for entry in entries})
        use_units.load({entry.elevator.use_unit_id for entry in entries})
        for entry in entries:
            elevator = entry.elevator
            yield (
                elevator.id,
                elevator.device_code,
                elevator.registration_code,
                elevator.address,
                elevator.district,
                maintenance_units.of(elevator.maintenance_unit_id),
                use_units.of(elevator.use_unit_id),
                entry.last_on,
                entry.due_on,
                entry.days_overdue,
                "已说明" if entry.excused else "未说明",
                "、".join(map(str, entry.notice_ids)),
            )


def _as_of(value: date | None) -> date:
    return value or local_day(utcnow())


@bp.get("/overdue/export.xlsx")
@documented(
    f"导出半月维保逾期电梯清单（Excel）：与逾期清单相同的筛选条件和权限范围；最多 {MAX_EXPORT_ROWS} 条",
    query=OverdueFilterQuery,
    media_type=XLSX,
)
@login_required(*EXPORT_ROLES)
def export_overdue() -> Any:
    actor = current_account()
    args = query_args(OverdueFilterQuery)
    as_of = _as_of(args.as_of)
    if count_overdue_up_to(actor, as_of, args.excused, MAX_EXPORT_ROWS) > MAX_EXPORT_ROWS:
        raise _too_many()
    entries = all_overdue_entries(actor, as_of, args.excused)
    return xlsx_download(f"逾期电梯-{as_of.isoformat()}.xlsx", "逾期电梯", OVERDUE_COLUMNS, _overdue_lines(entries))
