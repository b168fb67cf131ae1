"""Benchmark: default confirmation of 40,000 pending records due at one deadline, on MariaDB.

Times the real job (``jobs.signoff.apply_deadline``: chunked, locking, committing between chunks) against the
floor — one raw set-based statement pair (``INSERT … SELECT`` the events, ``UPDATE`` the projection) — on an
identical copy built the same way in a second database, in the same run. Prints the figures and ends with
``ratio=<x> target=<y> ok|FAIL``.

    .venv/bin/python bench/default_confirmation.py [--records 40000] [--batch N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pymysql  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import func, insert, literal, select, text  # noqa: E402

from jobs.context import use_app  # noqa: E402
from jobs.signoff import apply_deadline  # noqa: E402
from miniback import create_app  # noqa: E402
from miniback.extensions import db  # noqa: E402
from miniback.models import MaintenanceRecord, SignoffEvent, SignoffState, utcnow  # noqa: E402
from signoff.deadlines import ceil_to_minute  # noqa: E402

HOST = os.environ.get("MINIBACK_BENCH_DB_HOST", "127.0.0.1")
TARGET_RATIO = 2.0
TARGET_SECONDS = 60.0


def fresh_app(name: str, batch: int | None) -> Flask:
    connection = pymysql.connect(host=HOST, user="root")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()
    config = {
        "ENV_MODE": "test",
        "SECRET_KEY": "bench-secret-key-with-enough-length-0000",
        "SQLALCHEMY_DATABASE_URI": f"mysql+pymysql://root@{HOST}/{name}?charset=utf8mb4",
        "WECHAT_APPID": "wxbench",
        "WECHAT_SECRET": "bench",
        "WECHAT_SIGNOFF_TEMPLATE_ID": "bench-signoff-template",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
    }
    if batch:
        config["SIGNOFF_BATCH_SIZE"] = batch
    return create_app(config)


def seed(app: Flask, records: int) -> object:
    """Migrate, then ``records`` submitted records all pending at one deadline (set-based inserts)."""
    from flask_migrate import upgrade

    from tests.factories.registry import make_world
    from tests.factories.signoff import record_rows, today_shanghai

    with app.app_context():
        upgrade()
        world = make_world()
        day = today_shanghai() - timedelta(days=2)
        for start in range(0, records, 10_000):
            record_rows(world, world.elevators[start // 10_000 % 2], min(10_000, records - start), day)
            db.session.commit()
        submitted_at = utcnow() - timedelta(hours=3)
        deadline = ceil_to_minute(utcnow() - timedelta(minutes=10))
        record = MaintenanceRecord
        db.session.execute(
            insert(SignoffState).from_select(
                [
                    "record_id",
                    "elevator_id",
                    "use_unit_id",
                    "maintenance_unit_id",
                    "maintenance_day",
                    "submitted_at",
                    "deadline_at",
                    "state",
                    "objection_open",
                ],
                select(
                    record.id,
                    record.elevator_id,
                    record.use_unit_id,
                    record.maintenance_unit_id,
                    record.maintenance_day,
                    literal(submitted_at, SignoffState.submitted_at.type),
                    literal(deadline, SignoffState.deadline_at.type),
                    literal("pending"),
                    literal(False),
                ),
            )
        )
        db.session.execute(
            insert(SignoffEvent).from_select(
                ["record_id", "kind", "once_key", "occurred_at", "deadline_at"],
                select(
                    record.id,
                    literal("submitted"),
                    literal("submitted"),
                    literal(submitted_at, SignoffEvent.occurred_at.type),
                    literal(deadline, SignoffEvent.deadline_at.type),
                ),
            )
        )
        db.session.commit()
        db.session.execute(text("ANALYZE TABLE signoff_state, signoff_event"))
        return deadline


def confirmed(app: Flask) -> tuple[int, int]:
    with app.app_context():
        events = db.session.execute(
            select(func.count()).select_from(SignoffEvent).where(SignoffEvent.kind == "default_confirmed")
        ).scalar_one()
        states = db.session.execute(
            select(func.count()).select_from(SignoffState).where(SignoffState.state == "default_confirmed")
        ).scalar_one()
        return events, states


def run_job(app: Flask, deadline: object) -> float:
    use_app(app)
    started = time.perf_counter()
    apply_deadline(deadline.isoformat())  # type: ignore[attr-defined]
    return time.perf_counter() - started


def run_raw_pair(app: Flask, deadline: object) -> float:
    now = utcnow()
    with app.app_context():
        started = time.perf_counter()
        with db.engine.begin() as connection:
            params = {"now": now.replace(tzinfo=None), "deadline": deadline.replace(tzinfo=None)}  # type: ignore[attr-defined]
            connection.execute(
                text(
                    "INSERT INTO signoff_event (record_id, kind, once_key, occurred_at, deadline_at, pushed_at) "
                    "SELECT record_id, 'default_confirmed', 'terminal', :now, deadline_at, pushed_at "
                    "FROM signoff_state WHERE state = 'pending' AND deadline_at <= :deadline"
                ),
                params,
            )
            connection.execute(
                text(
                    "UPDATE signoff_state SET state = 'default_confirmed', decided_at = :now "
                    "WHERE state = 'pending' AND deadline_at <= :deadline"
                ),
                params,
            )
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--batch", type=int, default=None, help="SIGNOFF_BATCH_SIZE for the job (default: config)")
    args = parser.parse_args()

    job_app = fresh_app("miniback_bench_signoff_job", args.batch)
    raw_app = fresh_app("miniback_bench_signoff_raw", args.batch)
    started = time.perf_counter()
    job_deadline = seed(job_app, args.records)
    raw_deadline = seed(raw_app, args.records)
    print(f"seeded {args.records} pending records twice in {time.perf_counter() - started:.1f} s")
    print(f"batch size (SIGNOFF_BATCH_SIZE): {job_app.config['SIGNOFF_BATCH_SIZE']}")

    job_seconds = run_job(job_app, job_deadline)
    raw_seconds = run_raw_pair(raw_app, raw_deadline)
    job_counts, raw_counts = confirmed(job_app), confirmed(raw_app)
    print(f"real job (UPDATE…LIMIT + INSERT…SELECT, commit per chunk): {job_seconds:.2f} s  events/states {job_counts}")
    print(f"raw INSERT…SELECT + UPDATE pair (one transaction): {raw_seconds:.2f} s  events/states {raw_counts}")
    exact = job_counts == raw_counts == (args.records, args.records)
    ratio = job_seconds / raw_seconds
    ok = exact and ratio <= TARGET_RATIO and job_seconds < TARGET_SECONDS
    if not exact:
        print("FAIL: counts differ from the number of records")
    for app in (job_app, raw_app):
        with app.app_context():
            db.engine.dispose()
    for name in ("miniback_bench_signoff_job", "miniback_bench_signoff_raw"):
        connection = pymysql.connect(host=HOST, user="root")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()
    print(f"ratio={ratio:.2f} target={TARGET_RATIO} {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
