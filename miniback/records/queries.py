"""The records list's query layer: filters, role scope and keyset (day, id) paging over millions of rows.

Plain arguments in, SQLAlchemy selects and rows out; the view turns its validated query into ``RecordFilters``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, or_, true
from sqlalchemy.orm import defer, load_only

from miniback.access import record_scope, signoff_scope
from miniback.errors import NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, Elevator, MaintenanceRecord, OrgNode, RecordFlag, RecordTechnician, SignoffState
from miniback.registry.staff import subtree_node_ids

# The three flags stored as the record's own columns; any other ``flag`` is a ``record_flag`` kind.
COLUMN_FLAGS = ("distance", "duration", "overlap")


@dataclass(frozen=True)
class RecordFilters:
    """What the records list is filtered by (all optional), the keyset ``cursor`` ("day.id") and the page size."""

    elevator_id: int | None = None
    device_code: str | None = None
    maintenance_unit_id: int | None = None
    org_node_id: int | None = None
    use_unit_id: int | None = None
    technician_id: int | None = None
    district: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    category: str | None = None
    flagged: bool | None = None
    flag: str | None = None
    late_upload: bool | None = None
    signoff_state: str | None = None
    cursor: str | None = None
    per_page: int = 20


@dataclass(frozen=True)
class RecordRows:
    """One page of records, newest first, and the cursor of the next page (``None`` on the last)."""

    rows: list[MaintenanceRecord]
    next_cursor: str | None


def apply_filters(query: Any, filters: RecordFilters) -> Any:
    if filters.elevator_id is not None:
        query = query.where(MaintenanceRecord.elevator_id == filters.elevator_id)
    if filters.device_code:
        elevator_ids = db.select(Elevator.id).where(
            or_(Elevator.device_code == filters.device_code, Elevator.registration_code == filters.device_code)
        )
        query = query.where(MaintenanceRecord.elevator_id.in_(elevator_ids))
    if filters.maintenance_unit_id is not None:
        query = query.where(MaintenanceRecord.maintenance_unit_id == filters.maintenance_unit_id)
    if filters.org_node_id is not None:
        node = db.session.get(OrgNode, filters.org_node_id)
        if node is None:
            raise NotFound("找不到该组织节点", fields={"org_node_id": "不存在"})
        query = query.where(MaintenanceRecord.org_node_id.in_(subtree_node_ids(node)))
    if filters.use_unit_id is not None:
        query = query.where(MaintenanceRecord.use_unit_id == filters.use_unit_id)
    if filters.technician_id is not None:
        query = query.where(
            MaintenanceRecord.id.in_(
                db.select(RecordTechnician.record_id).where(RecordTechnician.account_id == filters.technician_id)
            )
        )
    if filters.district:
        query = query.where(MaintenanceRecord.district == filters.district)
    if filters.date_from:
        query = query.where(MaintenanceRecord.maintenance_day >= filters.date_from)
    if filters.date_to:
        query = query.where(MaintenanceRecord.maintenance_day <= filters.date_to)
    if filters.category:
        query = query.where(MaintenanceRecord.category == filters.category)
    if filters.flagged is not None:
        # "= value", not "IS TRUE": MariaDB uses an index only for the former.
        query = query.where(MaintenanceRecord.flagged == filters.flagged)
    if filters.flag in COLUMN_FLAGS:
        query = query.where(getattr(MaintenanceRecord, f"flag_{filters.flag}") == true())
    elif filters.flag:
        # An authenticity signal (records/signals.py): the records with a ``record_flag`` row of that kind.
        query = query.where(
            MaintenanceRecord.id.in_(db.select(RecordFlag.record_id).where(RecordFlag.kind == filters.flag))
        )
    if filters.late_upload is not None:
        query = query.where(MaintenanceRecord.late_upload == filters.late_upload)
    if filters.signoff_state:
        # A join on the primary key: the list still walks its scope index in (day, id) order.
        query = query.join(SignoffState, SignoffState.record_id == MaintenanceRecord.id).where(
            SignoffState.state == filters.signoff_state
        )
    return query


def keyset_after(cursor: str | None, day_column: Any, id_column: Any) -> Any:
    if not cursor:
        return None
    day_text, id_text = cursor.split(".")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise ValidationFailed(fields={"cursor": "格式不正确"}) from None
    last_id = int(id_text)
    return or_(day_column < day, (day_column == day) & (id_column < last_id))


# States only a small share of records is in at any time (pending lasts a day, objections are exceptions): such a
# filter reads the sign-off's own (state, day, id) indexes. The two outcomes nearly every record ends in are read
# along the record's scope index like any other filter.
SPARSE_SIGNOFF_STATES = ("pending", "objected", "objection_resolved")


def scoped_queries(actor: Account, filters: RecordFilters) -> list[Any]:
    """The page's queries: one for most roles; two, merged by the caller, for a technician.

    A technician's scope (team OR own) is an OR across two tables that no single index serves; as one query
    MariaDB walks the unit's whole range. Team records come from ``ix_record_org_node_day``, own records from
    ``ix_record_technician_account_day`` (ordered by the day copied there), each an index range.
    """
    if filters.signoff_state in SPARSE_SIGNOFF_STATES:
        return [_in_sparse_signoff_state(actor, filters)]
    if actor.role != "technician" or actor.maintenance_unit_id is None:
        return [_ordered(db.select(MaintenanceRecord).where(record_scope(actor)), filters)]
    in_unit = MaintenanceRecord.maintenance_unit_id == actor.maintenance_unit_id
    own = (
        db.select(MaintenanceRecord)
        .join(RecordTechnician, RecordTechnician.record_id == MaintenanceRecord.id)
        .where(RecordTechnician.account_id == actor.id, in_unit)
    )
    own_after = keyset_after(filters.cursor, RecordTechnician.maintenance_day, RecordTechnician.record_id)
    if own_after is not None:
        own = own.where(own_after)
    queries = [
        apply_filters(own, filters).order_by(RecordTechnician.maintenance_day.desc(), RecordTechnician.record_id.desc())
    ]
    if actor.org_node_id is not None:
        team = db.select(MaintenanceRecord).where(in_unit, MaintenanceRecord.org_node_id == actor.org_node_id)
        queries.append(_ordered(team, filters))
    return queries


def _in_sparse_signoff_state(actor: Account, filters: RecordFilters) -> Any:
    """Records in a rare sign-off state, read through the sign-off rows in that state (same day and id as the
    record's, so the same cursor), the actor's scope checked on the sign-off row's copy of the scope columns."""
    query = (
        db.select(MaintenanceRecord)
        .select_from(SignoffState)
        .join(MaintenanceRecord, MaintenanceRecord.id == SignoffState.record_id)
        .where(SignoffState.state == filters.signoff_state, signoff_scope(actor))
    )
    query = apply_filters(query, replace(filters, signoff_state=None))
    after = keyset_after(filters.cursor, SignoffState.maintenance_day, SignoffState.record_id)
    if after is not None:
        query = query.where(after)
    return query.order_by(SignoffState.maintenance_day.desc(), SignoffState.record_id.desc())


def _ordered(query: Any, filters: RecordFilters) -> Any:
    """Filters, the keyset cursor and the newest-first order on the record's own (day, id)."""
    query = apply_filters(query, filters)
    after = keyset_after(filters.cursor, MaintenanceRecord.maintenance_day, MaintenanceRecord.id)
    if after is not None:
        query = query.where(after)
    return query.order_by(MaintenanceRecord.maintenance_day.desc(), MaintenanceRecord.id.desc())


def _check_days(filters: RecordFilters) -> None:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed(fields={"date_to": "结束日期不能早于开始日期"})


def record_rows(actor: Account, filters: RecordFilters, options: Sequence[Any] = ()) -> RecordRows:
    """Newest first by maintenance day, then id; keyset pagination (``cursor``) so page 1000 costs what page 1
    costs on 25 million rows — no OFFSET, no COUNT. ``options`` are loader options for the rows (``defer``…)."""
    _check_days(filters)
    found: dict[int, MaintenanceRecord] = {}
    for query in scoped_queries(actor, filters):
        for row in db.session.execute(query.options(*options).limit(filters.per_page + 1)).scalars():
            found[row.id] = row
    rows = sorted(found.values(), key=lambda row: (row.maintenance_day, row.id), reverse=True)
    more = len(rows) > filters.per_page
    rows = rows[: filters.per_page]
    next_cursor = f"{rows[-1].maintenance_day.isoformat()}.{rows[-1].id}" if more and rows else None
    return RecordRows(rows, next_cursor)


def count_records_up_to(actor: Account, filters: RecordFilters, limit: int) -> int:
    """How many records the list would show in all, counted no further than ``limit`` + 1 (enough to refuse an
    export over ``limit``): the ids along the list's own index ranges, never a COUNT over a whole scope."""
    _check_days(filters)
    queries = [
        query.with_only_columns(MaintenanceRecord.id).limit(limit + 1)
        for query in scoped_queries(actor, replace(filters, cursor=None))
    ]
    if len(queries) == 1:
        return int(db.session.execute(db.select(func.count()).select_from(queries[0].subquery())).scalar_one())
    # A technician's two ranges may hold the same record (their own, in their team): count it once.
    return len({record_id for query in queries for record_id in db.session.execute(query).scalars()})


def all_record_rows(
    actor: Account, filters: RecordFilters, columns: Sequence[Any] = (), chunk: int = 1000
) -> Iterator[list[MaintenanceRecord]]:
    """Every record the list would page through, newest first, one keyset page of ``chunk`` at a time (the list's
    own queries, so the same filters and the same scope). Only ``columns`` are loaded (with the id and the day
    the pages are keyed on), or all but the canonical content."""
    if columns:
        options: Sequence[Any] = (load_only(MaintenanceRecord.id, MaintenanceRecord.maintenance_day, *columns),)
    else:
        options = (defer(MaintenanceRecord.canonical_content),)
    cursor = filters.cursor
    while True:
        page = record_rows(actor, replace(filters, cursor=cursor, per_page=chunk), options)
        if page.rows:
            yield page.rows
            # The caller is done with the page: the session's identity map does not grow with the export.
            for row in page.rows:
                db.session.expunge(row)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
