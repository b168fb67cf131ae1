"""Records with every fact a statistic reads, made directly (set-based) on fixed days, and delay notices."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, update

from miniback.extensions import db
from miniback.models import (
    DelayNotice,
    DelayNoticeElevator,
    Elevator,
    MaintenanceRecord,
    RecordDraft,
    RecordItem,
    RecordTechnician,
    SignoffEvent,
    SignoffState,
)
from miniback.records.calendar import SHANGHAI
from tests.factories.signoff import TECH_SIGNATURE, ensure_technician_signature

_ids = itertools.count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """``hour:minute`` of an Asia/Shanghai day, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def registered_on(elevator: Elevator, day: date) -> None:
    """Backdate an elevator's registration (the overdue baseline) to ``day``."""
    db.session.execute(update(Elevator).where(Elevator.id == elevator.id).values(created_at=at(day, 9)))
    db.session.expire(elevator)


def add_record(
    elevator: Elevator,
    day: date,
    technician_id: int,
    *,
    category: str = "half_month",
    late_upload: bool = False,
    source: str = "miniprogram",
    flags: tuple[str, ...] = (),
    supersedes_id: int | None = None,
    duration_minutes: int = 60,
    hazards: int = 0,
    hazard_items: int = 0,
    state: str = "pending",
    decided_at: datetime | None = None,
    objected: bool = False,
    received_at: datetime | None = None,
    second_technician_id: int | None = None,
    distances: tuple[float | None, float | None] = (12.0, 15.0),
) -> int:
    """One submitted record of ``elevator`` on ``day`` with its sign-off state and events; returns its id."""
    ensure_technician_signature()
    record_id = 5_000_000 + next(_ids)
    check_in = at(day, 10)
    check_out = check_in + timedelta(minutes=duration_minutes)
    received = received_at or check_out + timedelta(minutes=1)
    db.session.execute(
        insert(RecordDraft),
        [
            {
                "id": record_id,
                "elevator_id": elevator.id,
                "maintenance_unit_id": elevator.maintenance_unit_id,
                "technician_id": technician_id,
                "category": category,
                "template_version": "tsg-t5002-2017",
                "status": "submitted",
                "replaced_parts": [],
                "hazards": [],
                "created_at": check_in,
                "updated_at": received,
            }
        ],
    )
    db.session.execute(
        insert(MaintenanceRecord),
        [
            {
                "id": record_id,
                "draft_id": record_id,
                "supersedes_id": supersedes_id,
                "elevator_id": elevator.id,
                "elevator_type": elevator.elevator_type,
                "maintenance_unit_id": elevator.maintenance_unit_id,
                "use_unit_id": elevator.use_unit_id,
                "district": elevator.district,
                "technician_id": technician_id,
                "category": category,
                "template_version": "tsg-t5002-2017",
                "maintenance_day": day,
                "check_in_at": check_in,
                "check_in_lat": Decimal("23.1291"),
                "check_in_lng": Decimal("113.2644"),
                "check_in_coord_system": "gcj02",
                "check_in_distance_m": None if distances[0] is None else Decimal(str(distances[0])),
                "check_out_at": check_out,
                "check_out_lat": Decimal("23.1291"),
                "check_out_lng": Decimal("113.2644"),
                "check_out_coord_system": "gcj02",
                "check_out_distance_m": None if distances[1] is None else Decimal(str(distances[1])),
                "duration_seconds": duration_minutes * 60 + 17,
                "received_at": received,
                "late_upload": late_upload,
                "flag_distance": "distance" in flags,
                "flag_duration": "duration" in flags,
                "flag_overlap": "overlap" in flags,
                "flagged": bool(flags),
                "replaced_parts": [],
                "hazards": [{"item": f"隐患{i}"} for i in range(hazards)],
                "signature_sha256": TECH_SIGNATURE,
                "source": source,
                "content_hash": hashlib.sha256(str(record_id).encode()).hexdigest(),
                "canonical_content": "{}",
            }
        ],
    )
    technicians = [(technician_id, "submitter")]
    if second_technician_id is not None and second_technician_id != technician_id:
        technicians.append((second_technician_id, "second"))
    db.session.execute(
        insert(RecordTechnician),
        [
            {
                "record_id": record_id,
                "account_id": account_id,
                "role": role,
                "maintenance_day": day,
                "check_in_at": check_in,
                "check_out_at": check_out,
            }
            for account_id, role in technicians
        ],
    )
    items = [
        {
            "record_id": record_id,
            "seq": seq,
            "code": f"A{seq}",
            "item": "检查项",
            "requirement": "要求",
            "result": "hazard" if seq <= hazard_items else "normal",
        }
        for seq in range(1, max(hazard_items, 1) + 2)
    ]
    db.session.execute(insert(RecordItem), items)
    db.session.add(
        SignoffState(
            record_id=record_id,
            elevator_id=elevator.id,
            use_unit_id=elevator.use_unit_id,
            maintenance_unit_id=elevator.maintenance_unit_id,
            maintenance_day=day,
            district=elevator.district,
            submitted_at=received,
            deadline_at=received + timedelta(days=3),
            state=state,
            decided_at=decided_at,
        )
    )
    events = [{"record_id": record_id, "kind": "submitted", "once_key": "submitted", "occurred_at": received}]
    if objected:
        events.append({"record_id": record_id, "kind": "objected", "once_key": None, "occurred_at": received})
    if state in ("signed", "default_confirmed"):
        events.append(
            {"record_id": record_id, "kind": state, "once_key": "terminal", "occurred_at": decided_at or received}
        )
    db.session.execute(insert(SignoffEvent), events)
    db.session.flush()
    return record_id


def add_notice(unit_id: int, filed_by_id: int, elevators: list[Elevator], starts_on: date, ends_on: date) -> int:
    notice = DelayNotice(
        maintenance_unit_id=unit_id,
        cause="other",
        starts_on=starts_on,
        ends_on=ends_on,
        explanation="测试延期",
        filed_by_id=filed_by_id,
        created_at=at(starts_on, 8),
    )
    db.session.add(notice)
    db.session.flush()
    for elevator in elevators:
        db.session.add(DelayNoticeElevator(notice_id=notice.id, elevator_id=elevator.id))
    db.session.flush()
    return notice.id
