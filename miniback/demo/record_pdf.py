"""The demo's record PDF and verification page: the addresses ``make demo`` prints."""

from __future__ import annotations

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordVerification
from miniback.records.verification import verification_url


def demo_record_urls(base: str, elevator_id: int | None) -> tuple[str, str]:
    """The PDF (log-in needed) and the public verification page of the demo elevator's latest verifiable record."""
    query = (
        db.select(MaintenanceRecord.id, RecordVerification.code)
        .join(RecordVerification, RecordVerification.record_id == MaintenanceRecord.id)
        .order_by(MaintenanceRecord.id.desc())
        .limit(1)
    )
    if elevator_id is not None:
        query = query.where(MaintenanceRecord.elevator_id == elevator_id)
    row = db.session.execute(query).first()
    if row is None:
        return "", ""
    return f"{base}/api/v1/records/{row.id}/pdf", verification_url(row.code)
