"""The current sign-off state is a projection of the events; this rebuilds it from them alone
(plus the record's own immutable facts: elevator, units, maintenance day)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from miniback.extensions import db
from miniback.models import MaintenanceRecord, SignoffEvent, SignoffState

PROJECTED_COLUMNS = (
    "record_id",
    "elevator_id",
    "use_unit_id",
    "maintenance_unit_id",
    "maintenance_day",
    "district",
    "org_node_id",
    "submitted_at",
    "deadline_at",
    "state",
    "round_no",
    "reopened_at",
    "pushed_at",
    "decided_at",
    "signed_by_id",
    "signature_hash",
    "objection_open",
    "objection_reason",
)


def fold(row: dict[str, Any], event: SignoffEvent) -> None:
    """Apply one event to a projection row (the same transitions the operations make)."""
    if event.kind == "submitted":
        row.update(state="pending", submitted_at=event.occurred_at, deadline_at=event.deadline_at)
    elif event.kind == "pushed":
        row["pushed_at"] = event.occurred_at
    elif event.kind == "signed":
        row.update(
            state="signed",
            decided_at=event.occurred_at,
            signed_by_id=event.actor_id,
            signature_hash=event.signature_hash,
        )
    elif event.kind == "default_confirmed":
        row.update(state="default_confirmed", decided_at=event.occurred_at)
    elif event.kind == "objected":
        if row["state"] == "pending":
            row.update(state="objected", decided_at=event.occurred_at)
        row.update(objection_open=True, objection_reason=event.reason)
    elif event.kind == "objection_resolved":
        row["objection_open"] = False
        if row["state"] == "objected":
            row["state"] = "objection_resolved"
    elif event.kind == "deadline_renewed":
        row["deadline_at"] = event.deadline_at
    elif event.kind == "reopened":
        row.update(
            state="pending",
            round_no=row["round_no"] + 1,
            deadline_at=event.deadline_at,
            decided_at=None,
            reopened_at=event.occurred_at,
        )


def events_of(record_ids: Sequence[int]) -> list[SignoffEvent]:
    """The sign-off events of these records, record by record, each record's in the order they happened."""
    return list(
        db.session.execute(
            select(SignoffEvent)
            .where(SignoffEvent.record_id.in_(list(record_ids)))
            .order_by(SignoffEvent.record_id, SignoffEvent.id)
        ).scalars()
    )


def _empty_row(record: MaintenanceRecord) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(PROJECTED_COLUMNS)
    row.update(
        record_id=record.id,
        elevator_id=record.elevator_id,
        use_unit_id=record.use_unit_id,
        maintenance_unit_id=record.maintenance_unit_id,
        maintenance_day=record.maintenance_day,
        round_no=1,
        district=record.district,
        org_node_id=record.org_node_id,
        objection_open=False,
    )
    return row


def project_all(batch: int = 1000) -> Iterable[list[dict[str, Any]]]:
    """Projection rows computed from the events, ``batch`` records at a time, in record order."""
    last = 0
    while True:
        records = list(
            db.session.execute(
                select(MaintenanceRecord)
                .where(
                    MaintenanceRecord.id > last,
                    MaintenanceRecord.id.in_(select(SignoffEvent.record_id).where(SignoffEvent.kind == "submitted")),
                )
                .order_by(MaintenanceRecord.id)
                .limit(batch)
            ).scalars()
        )
        if not records:
            return
        rows = {record.id: _empty_row(record) for record in records}
        events = events_of(list(rows))
        for event in events:
            fold(rows[event.record_id], event)
        yield list(rows.values())
        last = records[-1].id
        # Keep memory flat over millions of records: drop what this batch loaded (and only that).
        for loaded in (*records, *events):
            db.session.expunge(loaded)


def rebuild_projection(batch: int = 1000) -> int:
    """Replace every projection row by one recomputed from the events (flushes; the caller commits once, so
    readers see the old or the new projection, never a half-rebuilt one). Returns the number of rows."""
    db.session.execute(delete(SignoffState))
    total = 0
    for rows in project_all(batch):
        db.session.execute(insert(SignoffState), rows)
        total += len(rows)
    db.session.flush()
    return total
