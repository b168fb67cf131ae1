"""Helpers for the ledger tests: submitted records written directly, and an attacker with root's SQL access."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from miniback.extensions import db
from miniback.models import Elevator, MaintenanceRecord, RecordDraft
from signoff.ledger.chain import append_entry
from tests.factories.signatures import placeholder_signature

_seq = itertools.count(1)


def submit_record(
    elevator: Elevator, technician_id: int, remarks: str = "正常", source: str | None = None
) -> MaintenanceRecord:
    """A submitted record with canonical content and its hash, chained in the ledger in the same transaction.

    ``source`` (e.g. ``"platform:acme"``) is written into the content and the column; without it the content has
    none and the column keeps its default."""
    n = next(_seq)
    signature = placeholder_signature().sha256
    start = datetime(2026, 11, 20, 2, 0, tzinfo=UTC) + timedelta(hours=n)
    draft = RecordDraft(
        elevator_id=elevator.id,
        maintenance_unit_id=elevator.maintenance_unit_id,
        technician_id=technician_id,
        category="half_month",
        template_version="tsg-2017.1",
        status="submitted",
    )
    db.session.add(draft)
    db.session.flush()
    content = {
        "elevator_id": elevator.id,
        "category": "half_month",
        "check_in": {"at": start.isoformat(timespec="microseconds")},
        "check_out": {"at": (start + timedelta(minutes=40)).isoformat(timespec="microseconds")},
        "remarks": remarks,
        "signature_sha256": signature,
        "items": [],
    }
    if source is not None:
        content["source"] = source
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    record = MaintenanceRecord(
        draft_id=draft.id,
        elevator_id=elevator.id,
        elevator_type=elevator.elevator_type,
        maintenance_unit_id=elevator.maintenance_unit_id,
        use_unit_id=elevator.use_unit_id,
        district=elevator.district,
        technician_id=technician_id,
        category="half_month",
        template_version="tsg-2017.1",
        maintenance_day=date(2026, 11, 20),
        check_in_at=start,
        check_in_lat=Decimal("23.1291000"),
        check_in_lng=Decimal("113.2644000"),
        check_in_coord_system="gcj02",
        check_out_at=start + timedelta(minutes=40),
        check_out_lat=Decimal("23.1291000"),
        check_out_lng=Decimal("113.2644000"),
        check_out_coord_system="gcj02",
        duration_seconds=2400,
        received_at=start + timedelta(minutes=41),
        remarks=remarks,
        replaced_parts=[],
        hazards=[],
        signature_sha256=signature,
        content_hash=hashlib.sha256(canonical.encode()).hexdigest(),
        canonical_content=canonical,
    )
    if source is not None:
        record.source = source
    db.session.add(record)
    db.session.flush()
    append_entry(elevator.id, "record", record.id, record.content_hash, at=record.received_at)
    return record


def _triggers(table: str) -> list[str]:
    statements = []
    for row in db.session.execute(text(f"SHOW TRIGGERS WHERE `Table` = '{table}'")).mappings():
        create = db.session.execute(text(f"SHOW CREATE TRIGGER `{row['Trigger']}`")).mappings().one()
        statement = create["SQL Original Statement"]
        statements.append(statement[statement.index("TRIGGER") :].join(["CREATE ", ""]))
    return statements


@contextmanager
def attacker(*tables: str) -> Iterator[None]:
    """Root's access: the triggers of ``tables`` are dropped for the duration and put back afterwards."""
    db.session.commit()
    saved = {table: _triggers(table) for table in tables}
    for table in tables:
        for row in db.session.execute(text(f"SHOW TRIGGERS WHERE `Table` = '{table}'")).mappings().all():
            db.session.execute(text(f"DROP TRIGGER `{row['Trigger']}`"))
    try:
        yield
        db.session.commit()
    finally:
        for statements in saved.values():
            for statement in statements:
                db.session.execute(text(statement))
        db.session.commit()
