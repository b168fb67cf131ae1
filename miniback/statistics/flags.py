"""The authenticity flags of a record, by kind: the one place rollups and drill-downs learn them from.

Issue 19 (``auth-signals``) adds kinds stored as ``record_flag`` rows and extends ``record_flag_kinds`` (and
``FLAG_KINDS``); rollups key flags by these strings (``flag:<kind>`` metrics), so a new kind needs no schema change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordFlag
from miniback.records.signals import KIND_LABELS

# Kind → Chinese label.
FLAG_KINDS: dict[str, str] = {"distance": "距离异常", "duration": "时长异常", "overlap": "时间重叠"}
# Issue 19: the authenticity signals, stored as ``record_flag`` rows (at submission or later).
FLAG_KINDS |= {kind: label for kind, label in KIND_LABELS.items() if kind not in FLAG_KINDS}

_COLUMNS = {"distance": "flag_distance", "duration": "flag_duration", "overlap": "flag_overlap"}


def record_flag_kinds(record: Any, extra: Mapping[int, Iterable[str]] | None = None) -> list[str]:
    """The flag kinds raised on ``record`` (a ``MaintenanceRecord`` or a row with its ``flag_*`` columns);
    ``extra`` maps record ids to kinds stored elsewhere (flags raised after submission)."""
    kinds = [kind for kind, column in _COLUMNS.items() if getattr(record, column)]
    if extra is not None:
        kinds.extend(kind for kind in extra.get(record.id, ()) if kind not in kinds)
    return kinds


def flag_columns() -> list[Any]:
    """The record columns ``record_flag_kinds`` reads (for queries that select only what they need)."""
    return [getattr(MaintenanceRecord, column) for column in _COLUMNS.values()]


def flag_condition(kind: str) -> ColumnElement[bool]:
    """Records raising ``kind``, as SQL (drill-downs)."""
    if kind not in _COLUMNS:
        return MaintenanceRecord.id.in_(db.select(RecordFlag.record_id).where(RecordFlag.kind == kind))
    return getattr(MaintenanceRecord, _COLUMNS[kind]).is_(True)


def extra_flag_kinds(record_ids: Iterable[int]) -> dict[int, list[str]]:
    """Flag kinds stored apart from the record's own columns, by record id: issue 19's ``record_flag`` rows
    (raised at submission or later; a later one marks its record dirty, ``records.signals.write_flags``)."""
    ids = list(record_ids)
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            db.select(RecordFlag.record_id, RecordFlag.kind)
            .where(RecordFlag.record_id.in_(ids[start : start + 1000]))
            .order_by(RecordFlag.id)
        )
        for record_id, kind in rows:
            kinds = found.setdefault(record_id, [])
            if kind not in kinds:
                kinds.append(kind)
    return found
