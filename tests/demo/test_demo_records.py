"""The embedded demo (SQLite): migrations with SQLite triggers, and seeded submitted records."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from miniback import create_app
from miniback.demo.records import JOBS
from miniback.demo.seed import seed_demo
from miniback.extensions import db
from miniback.models import ElevatorDue, MaintenanceRecord
from signoff.ledger.hashing import verify_canonical


def test_demo_seeds_records_that_sqlite_refuses_to_change(tmp_path):
    app = create_app({"ENV_MODE": "demo", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}"})
    with app.app_context():
        upgrade()
        seed_demo(echo=lambda _: None)
        db.session.commit()
        records = db.session.execute(db.select(MaintenanceRecord)).scalars().all()
        assert len(records) == 14  # the records story's eleven jobs plus the sign-off story's three
        assert len(JOBS) == 11
        assert {record.category for record in records} == {"half_month", "quarter", "half_year"}
        assert all(verify_canonical(record.canonical_content, record.content_hash) for record in records)
        assert any(record.flag_duration for record in records)
        due_rows = db.session.execute(db.select(db.func.count()).select_from(ElevatorDue)).scalar_one()
        assert due_rows == len({record.elevator_id for record in records})
        for statement in ("UPDATE maintenance_record SET remarks = 'x'", "DELETE FROM record_item"):
            with pytest.raises(IntegrityError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        db.engine.dispose()
