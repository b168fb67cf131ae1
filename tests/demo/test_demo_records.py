"""The embedded demo (SQLite): migrations with SQLite triggers, and seeded submitted records."""

from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from miniback import create_app
from miniback.demo.history import CORRECTIONS, jobs
from miniback.demo.records import JOBS
from miniback.demo.seed import seed_demo
from miniback.extensions import db
from miniback.models import DelayNotice, Elevator, ElevatorDue, MaintenanceRecord, SignoffState, utcnow
from miniback.records.calendar import local_day
from miniback.records.due import notices_covering, overdue_condition
from signoff.ledger.hashing import verify_canonical


def test_demo_seeds_records_that_sqlite_refuses_to_change(tmp_path):
    app = create_app({"ENV_MODE": "demo", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}"})
    with app.app_context():
        upgrade()
        seed_demo(echo=lambda _: None)
        db.session.commit()
        records = db.session.execute(db.select(MaintenanceRecord)).scalars().all()
        # The records story's eleven jobs, the sign-off story's three, and the history with its corrections.
        assert len(records) == 14 + len(jobs()) + len(CORRECTIONS)
        assert len(JOBS) == 11
        assert {record.category for record in records} == {"half_month", "quarter", "half_year", "year"}
        assert all(verify_canonical(record.canonical_content, record.content_hash) for record in records)
        assert any(record.flag_duration for record in records)
        due_rows = db.session.execute(db.select(db.func.count()).select_from(ElevatorDue)).scalar_one()
        assert due_rows == len({record.elevator_id for record in records})
        for statement in ("UPDATE maintenance_record SET remarks = 'x'", "DELETE FROM record_item"):
            with pytest.raises(IntegrityError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        db.engine.dispose()


def test_demo_history_gives_every_statistic_something_to_count(tmp_path):
    app = create_app({"ENV_MODE": "demo", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}"})
    with app.app_context():
        upgrade()
        seed_demo(echo=lambda _: None)
        db.session.commit()
        today = local_day(utcnow())
        records = db.session.execute(db.select(MaintenanceRecord)).scalars().all()
        # Months of history, in more than one district, from the mini-program and the platform.
        assert min(record.maintenance_day for record in records) <= today - timedelta(days=100)
        assert len({record.district for record in records}) == 5
        assert {record.source for record in records} == {"miniprogram", "platform:suiyun"}
        # Every flag, late uploads, hazards, corrections.
        for flag in ("late_upload", "flag_distance", "flag_duration", "flag_overlap"):
            flagged = [record for record in records if getattr(record, flag)]
            assert 0 < len(flagged) < len(records) / 5, flag
        assert sum(1 for record in records if record.hazards) >= 2
        assert sum(1 for record in records if record.supersedes_id) == len(CORRECTIONS)
        # Half-monthly intervals on time (one of exactly 15 days) and late (16 days and more).
        days: dict[int, list] = {}
        for record in sorted(records, key=lambda r: r.maintenance_day):
            if record.supersedes_id is None:
                days.setdefault(record.elevator_id, []).append(record.maintenance_day)
        gaps = [(b - a).days for day_list in days.values() for a, b in zip(day_list, day_list[1:], strict=False)]
        assert 15 in gaps and 16 in gaps and max(gaps) > 20 and sum(gap <= 15 for gap in gaps) > len(gaps) / 2
        # Sign-off: every outcome, the signed ones the majority.
        states = dict(
            db.session.execute(db.select(SignoffState.state, db.func.count()).group_by(SignoffState.state)).all()
        )
        assert set(states) == {"signed", "default_confirmed", "objected", "pending"}
        assert states["signed"] > states["default_confirmed"] > states["objected"] > 0
        # Overdue now: with and without a delay notice; and an elevator excused in the past.
        overdue = db.session.execute(
            db.select(Elevator.id)
            .outerjoin(ElevatorDue, ElevatorDue.elevator_id == Elevator.id)
            .where(overdue_condition(today))
        ).scalars()
        excused = {elevator_id: bool(notices_covering(elevator_id, today)) for elevator_id in overdue}
        assert set(excused.values()) == {True, False}, excused
        assert db.session.execute(db.select(db.func.count()).select_from(DelayNotice)).scalar_one() == 2
        db.engine.dispose()
