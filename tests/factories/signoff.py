"""Records ready for sign-off, made directly (the records API has its own tests)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from miniback.extensions import db
from miniback.models import Elevator, MaintenanceRecord, RecordDraft, SignatureImage, SignoffState, utcnow
from signoff.deadlines import SHANGHAI
from signoff.operations import object_to, record_submitted, resolve_objection
from tests.factories.registry import UnitWorld

_seq = itertools.count(1)
TECH_SIGNATURE = "b" * 64


def ensure_technician_signature() -> None:
    if db.session.get(SignatureImage, TECH_SIGNATURE) is None:
        db.session.add(SignatureImage(sha256=TECH_SIGNATURE, content=b"\x89PNG", width=1, height=1, size_bytes=4))
        db.session.flush()


def today_shanghai() -> date:
    return datetime.now(SHANGHAI).date()


def record_rows(world: UnitWorld, elevator: Elevator, count: int, day: date) -> list[int]:
    """Insert ``count`` submitted records set-based (drafts and records), returning their ids."""
    ensure_technician_signature()
    now = utcnow()
    first_draft = next(_seq) * 1_000_000
    drafts = [
        {
            "id": first_draft + i,
            "elevator_id": elevator.id,
            "maintenance_unit_id": world.unit.id,
            "technician_id": world.tech1.id,
            "category": "half_month",
            "template_version": "tsg-t5002-2017",
            "status": "submitted",
            "replaced_parts": [],
            "hazards": [],
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    db.session.execute(insert(RecordDraft), drafts)
    records = [
        {
            "id": first_draft + i,
            "draft_id": first_draft + i,
            "elevator_id": elevator.id,
            "elevator_type": elevator.elevator_type,
            "maintenance_unit_id": world.unit.id,
            "use_unit_id": elevator.use_unit_id,
            "district": elevator.district,
            "technician_id": world.tech1.id,
            "category": "half_month",
            "template_version": "tsg-t5002-2017",
            "maintenance_day": day,
            "check_in_at": now - timedelta(hours=1),
            "check_in_lat": Decimal("23.1291"),
            "check_in_lng": Decimal("113.2644"),
            "check_in_coord_system": "gcj02",
            "check_out_at": now,
            "check_out_lat": Decimal("23.1291"),
            "check_out_lng": Decimal("113.2644"),
            "check_out_coord_system": "gcj02",
            "duration_seconds": 3600,
            "received_at": now,
            "late_upload": False,
            "replaced_parts": [],
            "hazards": [],
            "signature_sha256": TECH_SIGNATURE,
            "source": "miniprogram",
            "content_hash": hashlib.sha256(str(first_draft + i).encode()).hexdigest(),
            "canonical_content": "{}",
        }
        for i in range(count)
    ]
    db.session.execute(insert(MaintenanceRecord), records)
    return [row["id"] for row in records]


def submitted_records(
    world: UnitWorld,
    count: int = 1,
    *,
    deadline_in: timedelta | None = None,
    elevator: Elevator | None = None,
    now: datetime | None = None,
) -> list[SignoffState]:
    """``count`` records submitted now. With ``deadline_in`` the maintenance day is long over, so the deadline
    is the minimum window: ``now + deadline_in`` (rounded up to the minute)."""
    elevator = elevator or world.elevators[0]
    now = now or utcnow()
    day = today_shanghai() - timedelta(days=2) if deadline_in is not None else today_shanghai()
    ids = record_rows(world, elevator, count, day)
    window = deadline_in if deadline_in is not None else timedelta(hours=2)
    states = []
    for record in db.session.execute(db.select(MaintenanceRecord).where(MaintenanceRecord.id.in_(ids))).scalars():
        states.append(record_submitted(record, now=now, min_window=window))
    db.session.commit()
    return states


def due_records(world: UnitWorld, count: int, *, overdue_by: timedelta = timedelta(minutes=5)) -> list[int]:
    """``count`` pending records whose deadline has already passed (submitted in the past)."""
    past = utcnow() - timedelta(hours=3)
    states = submitted_records(world, count, deadline_in=timedelta(hours=3) - overdue_by, now=past)
    return [state.record_id for state in states]


def reopened_due_records(world: UnitWorld, count: int, *, window: timedelta = timedelta(hours=2)) -> list[int]:
    """``count`` records whose sign-off an objection closed before its deadline and whose resolution reopened it
    yesterday (26 hours ago): pending in round 2, all with the same new deadline, already passed."""
    past = utcnow() - timedelta(days=4)
    states = submitted_records(world, count, deadline_in=timedelta(hours=3), now=past)
    resolved_at = utcnow() - timedelta(hours=26)
    for state in states:
        object_to(
            state.record_id, world.manager, "记录与现场不符", now=past + timedelta(hours=1), objection_period=window
        )
        resolve_objection(state.record_id, world.admin, "已复核", now=resolved_at, min_window=window)
    db.session.commit()
    return [state.record_id for state in states]
