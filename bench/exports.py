"""Benchmark: the spreadsheet exports at their row cap, against the floor of writing the same cells, same run.

Seeds one maintenance unit with 50,000 submitted records (each with its sign-off state) and 50,000 overdue
elevators, set-based, on MariaDB. Then times, in process (the app's test client, a real token):

- ``GET /records/export.xlsx`` — the list's keyset pages, batch look-ups, typed cells — against the floor: one
  raw joined SELECT of the same rows (pymysql) written by XlsxWriter in constant_memory mode, cell by cell with
  the same types, no look-ups, no scope;
- ``GET /overdue/export.xlsx`` the same way against its own floor.

Also the export's peak Python memory (tracemalloc, separate untimed runs of all records and of two fifths of
them: constant_memory keeps it flat). Prints figures and ends with ``ratio=<worst export/floor> target=<y> ok|FAIL``.

    .venv/bin/python bench/exports.py [--records 50000] [--elevators 50000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pymysql  # noqa: E402
import xlsxwriter  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import func, insert, literal, select, text  # noqa: E402

from miniback import create_app  # noqa: E402
from miniback.extensions import db  # noqa: E402
from miniback.models import Elevator, MaintenanceRecord, SignoffState, utcnow  # noqa: E402

HOST = os.environ.get("MINIBACK_BENCH_DB_HOST", "127.0.0.1")
DB_NAME = os.environ.get("BENCH_DATABASE", "miniback_bench_exports")
TARGET_RATIO = 3.0  # the export may cost at most 3× writing the same cells straight from one SELECT
TARGET_PEAK_GROWTH = 1.5  # constant_memory: 2.5× the rows may not take 1.5× the memory


def fresh_app() -> Flask:
    connection = pymysql.connect(host=HOST, user="root")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()
    return create_app(
        {
            "ENV_MODE": "test",
            "SECRET_KEY": "bench-secret-key-with-enough-length-0000",
            "SQLALCHEMY_DATABASE_URI": f"mysql+pymysql://root@{HOST}/{DB_NAME}?charset=utf8mb4",
            "WECHAT_APPID": "wxbench",
            "WECHAT_SECRET": "bench",
            "WECHAT_SIGNOFF_TEMPLATE_ID": "bench-signoff-template",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        }
    )


def seed(app: Flask, records: int, elevators: int) -> dict[str, str]:
    """Migrate; ``records`` records of one unit with pending sign-offs; ``elevators`` more elevators, registered
    60 days ago and never maintained (so all overdue). Returns the unit admin's auth header."""
    from flask_migrate import upgrade

    from tests.factories.registry import auth, make_world
    from tests.factories.signoff import record_rows, today_shanghai

    with app.app_context():
        upgrade()
        world = make_world()
        day = today_shanghai() - timedelta(days=1)
        for start in range(0, records, 10_000):
            record_rows(world, world.elevators[start // 10_000 % 2], min(10_000, records - start), day)
            db.session.commit()
        now = utcnow()
        record = MaintenanceRecord
        columns = ["record_id", "elevator_id", "use_unit_id", "maintenance_unit_id", "maintenance_day"]
        db.session.execute(
            insert(SignoffState).from_select(
                [*columns, "submitted_at", "deadline_at", "state", "objection_open"],
                select(
                    record.id,
                    record.elevator_id,
                    record.use_unit_id,
                    record.maintenance_unit_id,
                    record.maintenance_day,
                    literal(now, SignoffState.submitted_at.type),
                    literal(now + timedelta(hours=2), SignoffState.deadline_at.type),
                    literal("pending"),
                    literal(False),
                ),
            )
        )
        registered = now - timedelta(days=60)
        rows = [
            {
                "public_code": f"bench{n:012d}",
                "device_code": f"BENCH{n:011d}",
                "elevator_type": "traction",
                "address": f"广州市天河区体育西路 {n} 号",
                "district": "天河区",
                "use_unit_id": world.use_unit.id,
                "maintenance_unit_id": world.unit.id,
                "status": "in_service",
                "created_at": registered,
            }
            for n in range(elevators)
        ]
        for start in range(0, elevators, 10_000):
            db.session.execute(insert(Elevator), rows[start : start + 10_000])
        db.session.commit()
        db.session.execute(text("ANALYZE TABLE maintenance_record, signoff_state, elevator"))
        headers = auth(world.admin)
        db.session.commit()
        return headers


def timed_export(app: Flask, url: str, headers: dict[str, str]) -> tuple[float, float, int]:
    """Wall-clock and this process's CPU seconds of one export request, and the file's size."""
    client = app.test_client()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, headers=headers)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return seconds, cpu, len(response.data)


def peak_memory(app: Flask, url: str, headers: dict[str, str]) -> float:
    """Peak Python memory (MiB) while answering ``url``."""
    client = app.test_client()
    tracemalloc.start()
    response = client.get(url, headers=headers)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 200
    return peak / 2**20


# The floors read the same cells the exports write (names joined in, labels as literals), in one statement each.
RECORD_FLOOR_SQL = (
    "SELECT r.id, r.maintenance_day, e.device_code, e.registration_code, '曳引与强制驱动电梯', e.address, r.district, "
    "'半月维保', mu.name, uu.name, (SELECT GROUP_CONCAT(a.name SEPARATOR '、') FROM record_technician t "
    "JOIN account a ON a.id = t.account_id WHERE t.record_id = r.id), r.check_in_at, r.check_out_at, "
    "r.duration_seconds / 60, r.check_in_distance_m, r.check_out_distance_m, r.received_at, "
    "IF(r.late_upload, '是', '否'), IF(r.flagged, '位置偏离', ''), '待确认', s.decided_at, "
    "JSON_LENGTH(r.hazards), r.remarks, r.content_hash "
    "FROM maintenance_record r JOIN elevator e ON e.id = r.elevator_id "
    "JOIN maintenance_unit mu ON mu.id = r.maintenance_unit_id LEFT JOIN use_unit uu ON uu.id = r.use_unit_id "
    "LEFT JOIN signoff_state s ON s.record_id = r.id ORDER BY r.maintenance_day DESC, r.id DESC"
)
OVERDUE_FLOOR_SQL = (
    "SELECT e.id, e.device_code, e.registration_code, e.address, e.district, mu.name, uu.name, "
    "d.last_half_month_on, DATE(e.created_at + INTERVAL 15 DAY), DATEDIFF(NOW(), e.created_at) - 15, '未说明', '' "
    "FROM elevator e LEFT JOIN elevator_due d ON d.elevator_id = e.id "
    "LEFT JOIN maintenance_unit mu ON mu.id = e.maintenance_unit_id LEFT JOIN use_unit uu ON uu.id = e.use_unit_id "
    "WHERE e.status = 'in_service' AND e.created_at < NOW() - INTERVAL 15 DAY ORDER BY e.id"
)


def floor(sql: str, kinds: list[str]) -> tuple[float, float, int]:
    """One SELECT streamed from the server, each cell written with its type: what any export must at least do."""
    started, cpu = time.perf_counter(), time.process_time()
    connection = pymysql.connect(host=HOST, user="root", database=DB_NAME, charset="utf8mb4")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "floor.xlsx"
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = workbook.add_worksheet()
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for index, _ in enumerate(kinds):
            sheet.write_string(0, index, f"列{index}")
        with connection.cursor(pymysql.cursors.SSCursor) as cursor:
            cursor.execute(sql)
            for number, row in enumerate(cursor, start=1):
                for index, (kind, value) in enumerate(zip(kinds, row, strict=True)):
                    if value is None or value == "":
                        continue
                    if kind == "datetime":
                        value = value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())
                        sheet.write_datetime(number, index, value, when)
                    elif kind == "number":
                        sheet.write_number(number, index, float(value))
                    else:
                        sheet.write_string(number, index, str(value))
        workbook.close()
        size = path.stat().st_size
    connection.close()
    return time.perf_counter() - started, time.process_time() - cpu, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--elevators", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    from miniback.api.exports import OVERDUE_COLUMNS, RECORD_COLUMNS

    app = fresh_app()
    started = time.perf_counter()
    headers = seed(app, args.records, args.elevators)
    print(
        f"seeded {args.records} records and {args.elevators} overdue elevators in {time.perf_counter() - started:.1f} s"
    )

    record_kinds = [column.kind if column.kind != "date" else "datetime" for column in RECORD_COLUMNS]
    overdue_kinds = [column.kind if column.kind != "date" else "datetime" for column in OVERDUE_COLUMNS]
    results: list[tuple[str, float, float]] = []
    cases: list[tuple[str, str, str, list[str], int]] = [
        ("records", "/api/v1/records/export.xlsx", RECORD_FLOOR_SQL, record_kinds, args.records),
        ("overdue", "/api/v1/overdue/export.xlsx", OVERDUE_FLOOR_SQL, overdue_kinds, args.elevators),
    ]
    for name, url, sql, kinds, rows in cases:
        export_seconds, export_cpu, export_size = timed_export(app, url, headers)
        floor_seconds, floor_cpu, floor_size = floor(sql, kinds)
        ratio = export_seconds / floor_seconds
        results.append((name, ratio, export_seconds))
        print(
            f"{name}: export {export_seconds:.2f} s, CPU {export_cpu:.2f} s ({rows / export_seconds:,.0f} rows/s, "
            f"{export_size / 2**20:.1f} MiB)  floor {floor_seconds:.2f} s, CPU {floor_cpu:.2f} s "
            f"({floor_size / 2**20:.1f} MiB)  ratio={ratio:.2f}"
        )

    # Peak memory: all records against the records of one of the two elevators (two fifths of them).
    with app.app_context():
        elevator_id, part = db.session.execute(
            select(MaintenanceRecord.elevator_id, func.count())
            .group_by(MaintenanceRecord.elevator_id)
            .order_by(func.count())
            .limit(1)
        ).one()
    full_peak = peak_memory(app, "/api/v1/records/export.xlsx", headers)
    part_peak = peak_memory(app, f"/api/v1/records/export.xlsx?elevator_id={elevator_id}", headers)
    growth = full_peak / part_peak
    print(f"peak Python memory: {full_peak:.1f} MiB for {args.records} records, {part_peak:.1f} MiB for {part}")
    print(f"memory growth={growth:.2f} target<={TARGET_PEAK_GROWTH} (rows ×{args.records / part:.1f})")

    with app.app_context():
        db.engine.dispose()
    if not args.keep:
        connection = pymysql.connect(host=HOST, user="root")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        connection.close()
    worst = max(ratio for _, ratio, _ in results)
    ok = worst <= TARGET_RATIO and growth <= TARGET_PEAK_GROWTH
    print(f"ratio={worst:.2f} target={TARGET_RATIO} {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
