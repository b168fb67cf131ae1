"""The inspector's bundle: every record of one elevator, or of one maintenance unit, over a period, as one PDF
with a cover, a table of contents and one sheet per record, oldest first.

The records are the records list's own (``miniback.records.queries``): the same filters and the same scope, so a
bundle never holds a record its reader could not open one by one. At most ``MAX_BUNDLE_RECORDS`` per bundle;
they are read ``PAGE`` at a time (ids first, then a page of records and their sheets), so memory holds one page of
records plus the PDF being written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from miniback.errors import NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, Elevator, MaintenanceRecord, MaintenanceUnit, utcnow
from miniback.records.pdf.layout import RecordDocument, finish, local_time
from miniback.records.pdf.sheet import load_sheets
from miniback.records.pdf.signing import sign_pdf
from miniback.records.queries import RecordFilters, all_record_rows, count_records_up_to

MAX_BUNDLE_RECORDS = 500
# The longest period one bundle may cover: the records' retention (TSG T5002 第五条: at least 4 years), plus a day.
MAX_BUNDLE_DAYS = 4 * 366 + 1
PAGE = 50

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BundleScope:
    """One elevator or one maintenance unit (exactly one of the two), from ``date_from`` to ``date_to``."""

    date_from: date
    date_to: date
    elevator_id: int | None = None
    maintenance_unit_id: int | None = None

    def filters(self) -> RecordFilters:
        return RecordFilters(
            elevator_id=self.elevator_id,
            maintenance_unit_id=self.maintenance_unit_id,
            date_from=self.date_from,
            date_to=self.date_to,
        )


def check_scope(scope: BundleScope) -> None:
    """Refuse a bundle without exactly one subject, a reversed period or one longer than the records are kept."""
    if (scope.elevator_id is None) == (scope.maintenance_unit_id is None):
        raise ValidationFailed(
            "请指定一部电梯或一个维保单位（二者选一）",
            fields={
                "elevator_id": "电梯与维保单位须且只能指定一个",
                "maintenance_unit_id": "电梯与维保单位须且只能指定一个",
            },
            code="bundle_subject",
        )
    if scope.date_from > scope.date_to:
        raise ValidationFailed(fields={"date_to": "结束日期不能早于开始日期"}, code="bundle_range_reversed")
    if (scope.date_to - scope.date_from).days + 1 > MAX_BUNDLE_DAYS:
        raise ValidationFailed(
            fields={"date_to": f"一次最多汇编 {MAX_BUNDLE_DAYS} 天的记录"}, code="bundle_range_too_long"
        )


def bundle_record_ids(actor: Account, scope: BundleScope) -> list[int]:
    """The ids of the bundle's records, oldest first; refuses more than ``MAX_BUNDLE_RECORDS`` before reading them."""
    check_scope(scope)
    filters = scope.filters()
    if count_records_up_to(actor, filters, MAX_BUNDLE_RECORDS) > MAX_BUNDLE_RECORDS:
        raise ValidationFailed(
            f"该范围内的维保记录超过 {MAX_BUNDLE_RECORDS} 份，请缩短时间段后分批汇编",
            fields={"date_to": f"每次最多 {MAX_BUNDLE_RECORDS} 份记录"},
            code="bundle_too_large",
        )
    ids: list[int] = []
    for page in all_record_rows(actor, filters, (MaintenanceRecord.id,), chunk=MAX_BUNDLE_RECORDS + 1):
        ids += [record.id for record in page]
    ids.reverse()
    return ids


def _records(ids: list[int]) -> Iterator[list[MaintenanceRecord]]:
    for start in range(0, len(ids), PAGE):
        wanted = ids[start : start + PAGE]
        rows = {
            record.id: record
            for record in db.session.execute(db.select(MaintenanceRecord).where(MaintenanceRecord.id.in_(wanted)))
            .scalars()
            .all()
        }
        page = [rows[record_id] for record_id in wanted if record_id in rows]
        yield page
        for record in page:
            db.session.expunge(record)


def subject_lines(actor: Account, scope: BundleScope) -> tuple[str, list[str]]:
    """The bundle's title and cover lines; 404 for an elevator or unit the actor may not see at all."""
    period = f"维保日期 {scope.date_from.isoformat()} 至 {scope.date_to.isoformat()}"
    if scope.elevator_id is not None:
        elevator = db.session.get(Elevator, scope.elevator_id)
        if elevator is None:
            raise NotFound("找不到该电梯", fields={"elevator_id": "不存在"})
        code = elevator.device_code or elevator.registration_code or f"#{elevator.id}"
        return f"电梯维保记录汇编：{code}", [f"电梯 {code}", elevator.address, period]
    unit = db.session.get(MaintenanceUnit, scope.maintenance_unit_id)
    if unit is None:
        raise NotFound("找不到该维保单位", fields={"maintenance_unit_id": "不存在"})
    return f"维保单位维保记录汇编：{unit.name}", [unit.name, f"统一社会信用代码 {unit.credit_code}", period]


def bundle_pdf(actor: Account, scope: BundleScope, progress: Progress | None = None) -> bytes:
    """The signed bundle PDF of the records ``actor`` may read in ``scope``.

    An elevator or unit with no record the actor may read in the period is a 404 (the same answer whether it
    exists out of the actor's scope or has no records), never an empty document that hides the difference."""
    ids = bundle_record_ids(actor, scope)
    if not ids:
        raise NotFound("该范围内没有可查阅的维保记录")
    title, lines = subject_lines(actor, scope)
    lines.append(f"出具时间 {local_time(utcnow())}（北京时间），按账号“{actor.name}”的查阅范围汇编")
    pdf = RecordDocument(title=title, subject=f"{title}（{len(ids)} 份）")
    pdf.add_cover(title, lines, len(ids))
    done = 0
    for records in _records(ids):
        for sheet in load_sheets(records):
            pdf.add_sheet(sheet)
        done += len(records)
        if progress is not None:
            progress(done, len(ids))
    return sign_pdf(finish(pdf))
