"""Keeping the public history read model (``public_history_entry``) in step with the records and sign-offs.

Every function flushes and never commits: each runs inside the transaction of the write it mirrors, so the
page never shows a record without its entry or a sign-off the database does not have. Each write touches only
its own record's row (keyed by record id), so concurrent writes to one elevator's records never race.
``rebuild_public_history`` recomputes the whole table from the source tables alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, cast, delete, distinct, exists, func, insert, select, update
from sqlalchemy.orm import aliased

from miniback.extensions import db
from miniback.models import (
    Account,
    MaintenanceRecord,
    PublicHistoryEntry,
    RecordFlag,
    RecordTechnician,
    SignoffState,
)
from miniback.projections.masking import mask_name

REBUILD_BATCH = 5000


def stored_signoff(state: str | None, objection_open: bool) -> str:
    """The sign-off as the read model stores it (see ``PUBLIC_SIGNOFF``): an open objection shows whatever came
    before it; a pending or default-confirmed record is ``awaiting`` its deadline (pending before it, default
    confirmation from it on, so the deadline job needs no write here) — a sign-off reopened by a resolved
    objection too, awaiting its new deadline; no sign-off at all yet (or a resolution the sweep has not reopened
    yet) stays pending."""
    if objection_open or state == "objected":
        return "objected"
    if state == "signed":
        return "signed"
    if state in ("pending", "default_confirmed"):
        return "awaiting"
    return "pending"


def _signoff_values(state: str | None, objection_open: bool, deadline_at: datetime | None) -> dict[str, Any]:
    signoff = stored_signoff(state, objection_open)
    return {"signoff": signoff, "deadline_at": deadline_at if signoff == "awaiting" else None}


def masked_technicians(names: Iterable[str]) -> str:
    return " ".join(mask_name(name) for name in names)


_ENTRIES = PublicHistoryEntry.__table__
# Built once: both run in every submission.
_INSERT_ENTRY = insert(_ENTRIES)
_DELETE_SUPERSEDED = delete(_ENTRIES).where(_ENTRIES.c.record_id == bindparam("superseded_id"))


# An alias: the count also runs correlated to maintenance_record itself (the rebuild).
_RECORDS, _FLAGS = MaintenanceRecord.__table__.alias("flagged"), RecordFlag.__table__


def _flag_count(record_id: Any) -> Any:
    """How many kinds of flag the record ``record_id`` (a column) carries: its three flag columns that are set and
    its distinct ``record_flag`` kinds (two correlated look-ups by primary key and ``ix_record_flag_record_kind``)."""
    columns = (
        select(
            cast(_RECORDS.c.flag_distance, Integer)
            + cast(_RECORDS.c.flag_duration, Integer)
            + cast(_RECORDS.c.flag_overlap, Integer)
        )
        .where(_RECORDS.c.id == record_id)
        .scalar_subquery()
    )
    kinds = select(func.count(distinct(_FLAGS.c.kind))).where(_FLAGS.c.record_id == record_id).scalar_subquery()
    return columns + kinds


_REFRESH_FLAGS = (
    update(_ENTRIES)
    .where(_ENTRIES.c.record_id.in_(bindparam("record_ids", expanding=True)))
    .values(flags=_flag_count(_ENTRIES.c.record_id))
)


def refresh_public_flags(record_ids: Sequence[int]) -> None:
    """After flags were raised later on earlier records: their entries show the new count (one statement; the
    entry's update trigger makes each elevator's stored page stale, so residents see it on the next view)."""
    if record_ids:
        db.session.connection().execute(_REFRESH_FLAGS, {"record_ids": list(record_ids)})


def photos_text(present: int | None, required: int | None) -> str | None:
    """What the public page says of a record's photos ("4/4"), never the photos themselves."""
    if required is None or present is None:
        return None
    return f"{present}/{required}"


def add_public_entry(
    record: MaintenanceRecord,
    technician_names: Sequence[str],
    signoff: SignoffState | None = None,
    flags: int = 0,
) -> None:
    """The freshly submitted ``record`` appears on its elevator's page, with the sign-off its submission opened
    (one insert, not an insert and an update) and ``flags``, how many kinds of flag its submission raised; without
    ``signoff`` it shows pending until ``record_submitted`` opens one. The record it corrects disappears."""
    db.session.flush()  # the statements run on the connection, past the session's autoflush
    connection = db.session.connection()
    if record.supersedes_id is not None:
        connection.execute(_DELETE_SUPERSEDED, {"superseded_id": record.supersedes_id})
    opened = (signoff.state, signoff.objection_open, signoff.deadline_at) if signoff else (None, False, None)
    connection.execute(
        _INSERT_ENTRY,
        {
            "elevator_id": record.elevator_id,
            "maintenance_day": record.maintenance_day,
            "record_id": record.id,
            "category": record.category,
            "technicians": masked_technicians(technician_names),
            "late_upload": record.late_upload,
            "photos": photos_text(record.photos_present, record.photos_required),
            "flags": flags,
            **_signoff_values(*opened),
        },
    )


def sync_public_signoff(state: SignoffState) -> None:
    """After a sign-off change of one record: its entry shows the new outcome (no entry, nothing to do)."""
    db.session.execute(
        update(PublicHistoryEntry)
        .where(PublicHistoryEntry.record_id == state.record_id)
        .values(**_signoff_values(state.state, state.objection_open, state.deadline_at))
        .execution_options(synchronize_session=False)
    )


def _technician_names(record_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each record's technicians' names, the submitter first (insertion order of ``record_technician``)."""
    names: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(RecordTechnician.record_id, Account.name)
        .join(Account, Account.id == RecordTechnician.account_id)
        .where(RecordTechnician.record_id.in_(record_ids))
        .order_by(RecordTechnician.record_id, RecordTechnician.id)
    )
    for record_id, name in rows:
        names.setdefault(record_id, []).append(name)
    return names


def refresh_public_technicians(account_id: int) -> int:
    """After a technician's name changed: every entry of their records shows the new (masked) name."""
    record_ids = list(
        db.session.execute(
            select(PublicHistoryEntry.record_id)
            .join(RecordTechnician, RecordTechnician.record_id == PublicHistoryEntry.record_id)
            .where(RecordTechnician.account_id == account_id)
        ).scalars()
    )
    table = PublicHistoryEntry.__table__
    rename = (
        update(table)
        .where(table.c.record_id == bindparam("b_record_id"))
        .values(technicians=bindparam("b_technicians"))
    )
    for start in range(0, len(record_ids), REBUILD_BATCH):
        names = _technician_names(record_ids[start : start + REBUILD_BATCH])
        rows = [{"b_record_id": rid, "b_technicians": masked_technicians(n)} for rid, n in names.items()]
        if rows:
            db.session.connection().execute(rename, rows)  # one executemany per chunk
    return len(record_ids)


def project_public_history(batch: int = REBUILD_BATCH) -> Iterable[list[dict[str, Any]]]:
    """The entries computed from the source tables alone, ``batch`` records at a time, in record order."""
    correction = aliased(MaintenanceRecord)
    last = 0
    while True:
        rows = db.session.execute(
            select(
                MaintenanceRecord.id,
                MaintenanceRecord.elevator_id,
                MaintenanceRecord.maintenance_day,
                MaintenanceRecord.category,
                MaintenanceRecord.late_upload,
                MaintenanceRecord.photos_present,
                MaintenanceRecord.photos_required,
                SignoffState.state,
                SignoffState.objection_open,
                SignoffState.deadline_at,
                _flag_count(MaintenanceRecord.id).label("flags"),
            )
            .outerjoin(SignoffState, SignoffState.record_id == MaintenanceRecord.id)
            .where(
                MaintenanceRecord.id > last,
                ~exists().where(correction.supersedes_id == MaintenanceRecord.id),
            )
            .order_by(MaintenanceRecord.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        names = _technician_names([row.id for row in rows])
        yield [
            {
                "elevator_id": row.elevator_id,
                "maintenance_day": row.maintenance_day,
                "record_id": row.id,
                "category": row.category,
                "technicians": masked_technicians(names.get(row.id, ())),
                "late_upload": row.late_upload,
                "photos": photos_text(row.photos_present, row.photos_required),
                "flags": row.flags,
                **_signoff_values(row.state, bool(row.objection_open), row.deadline_at),
            }
            for row in rows
        ]
        last = rows[-1].id


def rebuild_public_history(batch: int = REBUILD_BATCH, progress: Any = None) -> int:
    """Replace every entry by one recomputed from the records, sign-off states and accounts (flushes; the
    caller commits once, so readers see the old or the new read model). Returns the number of entries."""
    db.session.execute(delete(PublicHistoryEntry))
    total = 0
    for rows in project_public_history(batch):
        db.session.execute(insert(PublicHistoryEntry), rows)
        total += len(rows)
        if progress is not None:
            progress(total)
    db.session.flush()
    return total
