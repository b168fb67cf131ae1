"""Submitted records written straight into the tables, for the public page's tests.

The records domain (issue 3) submits records through drafts and the API; the public page only reads the
tables, so its tests insert rows directly: each is what a submission leaves behind (its public history entry
included).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from miniback.extensions import db
from miniback.models import (
    Account,
    Elevator,
    ElevatorDue,
    MaintenanceRecord,
    RecordDraft,
    RecordTechnician,
)
from miniback.projections.public_history import add_public_entry
from tests.factories.signatures import placeholder_signature

_counter = itertools.count(1)


def insert_record(
    elevator: Elevator,
    technicians: list[Account],
    day: date,
    category: str = "half_month",
    late_upload: bool = False,
    supersedes: MaintenanceRecord | None = None,
) -> MaintenanceRecord:
    assert elevator.maintenance_unit_id is not None
    check_in = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
    draft = RecordDraft(
        elevator_id=elevator.id,
        maintenance_unit_id=elevator.maintenance_unit_id,
        technician_id=technicians[0].id,
        category=category,
        template_version="tsg-t5002-2017/1",
        status="submitted",
    )
    db.session.add(draft)
    image = placeholder_signature()
    db.session.flush()
    point = {"lat": Decimal("23.1291000"), "lng": Decimal("113.2644000")}
    record = MaintenanceRecord(
        draft_id=draft.id,
        supersedes_id=supersedes.id if supersedes else None,
        elevator_id=elevator.id,
        elevator_type=elevator.elevator_type,
        maintenance_unit_id=elevator.maintenance_unit_id,
        use_unit_id=elevator.use_unit_id,
        district=elevator.district,
        technician_id=technicians[0].id,
        category=category,
        template_version="tsg-t5002-2017/1",
        maintenance_day=day,
        check_in_at=check_in,
        check_in_lat=point["lat"],
        check_in_lng=point["lng"],
        check_in_coord_system="gcj02",
        check_out_at=check_in + timedelta(hours=1),
        check_out_lat=point["lat"],
        check_out_lng=point["lng"],
        check_out_coord_system="gcj02",
        duration_seconds=3600,
        late_upload=late_upload,
        signature_sha256=image.sha256,
        content_hash="0" * 64,
        canonical_content="{}",
    )
    db.session.add(record)
    db.session.flush()
    for index, tech in enumerate(technicians):
        db.session.add(
            RecordTechnician(
                record_id=record.id,
                account_id=tech.id,
                role="primary" if index == 0 else "second",
                maintenance_day=record.maintenance_day,
                check_in_at=record.check_in_at,
                check_out_at=record.check_out_at,
            )
        )
    add_public_entry(record, [tech.name for tech in technicians])
    due = db.session.get(ElevatorDue, elevator.id) or ElevatorDue(elevator_id=elevator.id)
    if due.last_half_month_on is None or day > due.last_half_month_on:
        due.last_half_month_on = day
        due.half_month_due_on = day + timedelta(days=15)
    db.session.add(due)
    db.session.flush()
    return record
