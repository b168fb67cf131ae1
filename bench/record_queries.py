"""List-query benchmark: seed 1 million submitted records (bulk INSERT … SELECT) with their sign-off states and
time the main record lists (also filtered by sign-off state) and the sign-off lists as each role sees them, with
the index MariaDB chose (EXPLAIN). Prints p50/p95 per query; the last
line is ``ratio=<worst p95 / target> target=1.0 ok`` (or FAIL) with a 100 ms p95 target per query.

    .venv/bin/python bench/record_queries.py [--records 1000000] [--runs 30] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pymysql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_DATABASE", "miniback_bench_records_q")
DB_URL = f"mysql+pymysql://root@127.0.0.1/{DB_NAME}?charset=utf8mb4"
UNITS, USE_UNITS, ELEVATORS, TEAMS_PER_UNIT, TECHS_PER_TEAM = 50, 500, 20000, 4, 5
TECHS_PER_UNIT = TEAMS_PER_UNIT * TECHS_PER_TEAM
NODES_PER_UNIT = 2 + TEAMS_PER_UNIT  # company, branch, teams
FIRST_DAY, DAYS = date(2022, 11, 26), 1460
TARGET_P95_MS = 100.0
DISTRICTS = (
    "越秀区",
    "海珠区",
    "荔湾区",
    "天河区",
    "白云区",
    "黄埔区",
    "番禺区",
    "花都区",
    "南沙区",
    "从化区",
    "增城区",
)


def sql_connection() -> Any:
    return pymysql.connect(host="127.0.0.1", user="root", database=DB_NAME, autocommit=True, charset="utf8mb4")


def create_schema() -> None:
    conn = pymysql.connect(host="127.0.0.1", user="root")
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()
    from flask_migrate import upgrade

    from miniback import create_app
    from miniback.extensions import db

    app = create_app(config())
    with app.app_context():
        upgrade()
        db.engine.dispose()


def config() -> dict[str, Any]:
    return {"ENV_MODE": "bench", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": DB_URL}


def seed(records: int, resume: bool = False) -> None:
    """Registry rows and ``records`` records, ids growing with the maintenance day as in production.

    ``resume`` continues an interrupted seeding from the last complete chunk."""
    districts = ",".join(f"'{d}'" for d in DISTRICTS)
    statements = [
        "SET SESSION foreign_key_checks = 0",
        "CREATE TABLE seq (n INT PRIMARY KEY)",
        "INSERT INTO seq SELECT a.n * 100 + b.n FROM "
        "(SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 "
        "UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) a CROSS JOIN (SELECT seq_0_to_99.seq n FROM seq_0_to_99) b",
        f"INSERT INTO maintenance_unit (id, name, credit_code, filing_no, address, office_address, contact_name, "
        f"contact_phone, emergency_phone, status, created_at) SELECT n + 1, CONCAT('维保单位', n), "
        f"CONCAT('M', LPAD(n, 17, '0')), 'x', 'x', 'x', 'x', '1', '1', 'active', NOW() FROM seq WHERE n < {UNITS}",
        f"INSERT INTO use_unit (id, name, credit_code, address, district, status, created_at) SELECT n + 1, "
        f"CONCAT('使用单位', n), CONCAT('U', LPAD(n, 17, '0')), 'x', ELT(1 + n % 11, {districts}), 'active', NOW() "
        f"FROM seq WHERE n < {USE_UNITS}",
        # Per unit: node 1 = company, node 2 = branch under it, then the teams under the branch.
        f"INSERT INTO org_node (id, maintenance_unit_id, parent_id, name, path, created_at) "
        f"SELECT u.n * {NODES_PER_UNIT} + k.n + 1, u.n + 1, "
        f"CASE WHEN k.n = 0 THEN NULL WHEN k.n = 1 THEN u.n * {NODES_PER_UNIT} + 1 "
        f"ELSE u.n * {NODES_PER_UNIT} + 2 END, "
        f"CONCAT('节点', k.n), CASE WHEN k.n = 0 THEN CONCAT('/', u.n * {NODES_PER_UNIT} + 1, '/') "
        f"WHEN k.n = 1 THEN CONCAT('/', u.n * {NODES_PER_UNIT} + 1, '/', u.n * {NODES_PER_UNIT} + 2, '/') "
        f"ELSE CONCAT('/', u.n * {NODES_PER_UNIT} + 1, '/', u.n * {NODES_PER_UNIT} + 2, '/', "
        f"u.n * {NODES_PER_UNIT} + k.n + 1, '/') END, NOW() "
        f"FROM seq u CROSS JOIN seq k WHERE u.n < {UNITS} AND k.n < {NODES_PER_UNIT}",
        f"INSERT INTO account (id, role, name, maintenance_unit_id, org_node_id, active, failed_logins, created_at) "
        f"SELECT u.n * {TECHS_PER_UNIT} + t.n + 1, 'technician', CONCAT('维保员', t.n), u.n + 1, "
        f"u.n * {NODES_PER_UNIT} + 3 + t.n % {TEAMS_PER_UNIT}, 1, 0, NOW() "
        f"FROM seq u CROSS JOIN seq t WHERE u.n < {UNITS} AND t.n < {TECHS_PER_UNIT}",
        f"INSERT INTO elevator (id, public_code, device_code, elevator_type, address, district, use_unit_id, "
        f"maintenance_unit_id, status, created_at) "
        f"SELECT e.id, CONCAT('pc', e.id), CONCAT('3110', LPAD(e.id, 12, '0')), "
        f"'traction', '广州市', ELT(1 + (e.id % {USE_UNITS}) % 11, {districts}), 1 + e.id % {USE_UNITS}, "
        f"1 + e.id % {UNITS}, 'in_service', '2022-01-01' "
        f"FROM (SELECT a.n * 1000 + b.n + 1 id FROM seq a CROSS JOIN seq b WHERE a.n < {ELEVATORS // 1000}) e",
        "INSERT INTO signature_image (sha256, content, width, height, size_bytes, created_at) "
        "VALUES (REPEAT('a', 64), 'png', 1, 1, 3, NOW())",
    ]
    conn = sql_connection()
    with conn.cursor() as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 0")
        chunk = 25_000
        done = 0
        if resume:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM maintenance_record")
            done = cursor.fetchone()[0] // chunk * chunk
            # Each chunk is two autocommitted statements; an interruption between them is repaired here
            # (rows cannot be deleted: the tables are append-only).
            cursor.execute(
                "INSERT INTO record_technician (record_id, account_id, role, maintenance_day, check_in_at, "
                "check_out_at) SELECT id, technician_id, 'primary', maintenance_day, check_in_at, check_out_at "
                "FROM maintenance_record "
                "WHERE id > (SELECT COALESCE(MAX(record_id), 0) FROM record_technician)"
            )
        else:
            for statement in statements[1:]:
                cursor.execute(statement)
        started = time.monotonic()
        for first in range(done, records, chunk):
            last = min(records, first + chunk)
            # n = record number; elevator, unit, use unit, technician and day all derive from it.
            cursor.execute(
                f"""
                INSERT INTO maintenance_record (id, draft_id, elevator_id, elevator_type, maintenance_unit_id,
                    use_unit_id, district, technician_id, org_node_id, category, template_version, maintenance_day,
                    check_in_at, check_in_lat, check_in_lng, check_in_coord_system, check_in_distance_m,
                    check_out_at, check_out_lat, check_out_lng, check_out_coord_system, check_out_distance_m,
                    duration_seconds, received_at, late_upload, flag_distance, flag_duration, flag_overlap, flagged,
                    replaced_parts, hazards, signature_sha256, source, content_hash, canonical_content)
                SELECT r.n, r.n, r.e, 'traction', 1 + r.e % {UNITS}, 1 + r.e % {USE_UNITS},
                    ELT(1 + (r.e % {USE_UNITS}) % 11, {districts}),
                    (r.e % {UNITS}) * {TECHS_PER_UNIT} + r.t + 1,
                    (r.e % {UNITS}) * {NODES_PER_UNIT} + 3 + r.t % {TEAMS_PER_UNIT},
                    CASE WHEN r.n % 24 = 0 THEN 'year' WHEN r.n % 12 = 0 THEN 'half_year'
                         WHEN r.n % 6 = 0 THEN 'quarter' ELSE 'half_month' END,
                    'TSG-T5002-2017/1', r.d,
                    TIMESTAMP(r.d, '01:00:00'), 23.1, 113.3, 'gcj02', 10, TIMESTAMP(r.d, '02:00:00'), 23.1, 113.3,
                    'gcj02', 10, 3600, TIMESTAMP(r.d, '02:05:00'), r.n % 100 = 0, r.n % 50 = 0, 0, 0, r.n % 50 = 0,
                    '[]', '[]', REPEAT('a', 64), 'miniprogram', SHA2(r.n, 256), '{{}}'
                FROM (SELECT s.n, 1 + (s.n * 7919) % {ELEVATORS} e, (s.n DIV {UNITS}) % {TECHS_PER_UNIT} t,
                             DATE_ADD('{FIRST_DAY.isoformat()}', INTERVAL FLOOR(s.n * {DAYS} / {records}) DAY) d
                      FROM (SELECT a.n * 1000 + b.n + 1 n FROM seq a CROSS JOIN seq b) s
                      WHERE s.n > {first} AND s.n <= {last}) r
                """
            )
            cursor.execute(
                f"INSERT INTO record_technician (record_id, account_id, role, maintenance_day, check_in_at, "
                f"check_out_at) SELECT id, technician_id, 'primary', maintenance_day, check_in_at, check_out_at "
                f"FROM maintenance_record "
                f"WHERE id > {first} AND id <= {last}"
            )
            rate = (last - done) / (time.monotonic() - started)
            print(f"  seeded {last:>9,} / {records:,} records ({rate:,.0f} rows/s)", flush=True)
        # Each record's sign-off: the newest still pending, then mostly signed or default-confirmed, a few
        # objected, and some default confirmations objected to afterwards (objection open).
        pending_from = records - 2000
        cursor.execute(
            f"""
            INSERT INTO signoff_state (record_id, elevator_id, use_unit_id, maintenance_unit_id, maintenance_day,
                district, org_node_id, submitted_at, deadline_at, state, pushed_at, decided_at, objection_open)
            SELECT s.id, s.elevator_id, s.use_unit_id, s.maintenance_unit_id, s.maintenance_day, s.district,
                s.org_node_id, s.received_at,
                CASE WHEN s.state = 'pending' THEN NOW() + INTERVAL 1 DAY
                     ELSE TIMESTAMP(s.maintenance_day, '16:00:00') END,
                s.state, s.received_at,
                CASE WHEN s.state = 'pending' THEN NULL WHEN s.state = 'signed'
                     THEN TIMESTAMP(s.maintenance_day, '08:00:00') ELSE TIMESTAMP(s.maintenance_day, '16:00:00') END,
                s.state = 'objected' OR (s.state = 'default_confirmed' AND CRC32(s.id) % 500 = 1)
            FROM (SELECT r.*, CASE WHEN r.id > {pending_from} THEN 'pending'
                                   WHEN CRC32(r.id) % 200 = 3 THEN 'objected'
                                   WHEN r.id % 3 = 0 THEN 'signed' ELSE 'default_confirmed' END state
                  FROM maintenance_record r
                  WHERE r.id > (SELECT COALESCE(MAX(record_id), 0) FROM signoff_state)) s
            """
        )
        cursor.execute(
            "INSERT INTO elevator_due (elevator_id, last_half_month_on, half_month_due_on, updated_at) "
            "SELECT elevator_id, MAX(maintenance_day), DATE_ADD(MAX(maintenance_day), INTERVAL 15 DAY), NOW() "
            "FROM maintenance_record GROUP BY elevator_id"
        )
        cursor.execute("ANALYZE TABLE maintenance_record, record_technician, elevator, elevator_due, signoff_state")
    conn.close()


def timed(runs: int, make: Any, call: Any) -> tuple[list[float], Any]:
    durations, last = [], None
    for _ in range(runs):
        arguments = make()
        started = time.perf_counter()
        last = call(*arguments)
        durations.append((time.perf_counter() - started) * 1000)
    return durations, last


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse an already seeded bench database")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted seeding")
    args = parser.parse_args()
    if args.resume:
        seed(args.records, resume=True)
    elif not args.keep:
        print(f"creating {DB_NAME} and seeding {args.records:,} records …", flush=True)
        create_schema()
        seed(args.records)

    from sqlalchemy.dialects import mysql

    from miniback import create_app
    from miniback.api.records import record_page
    from miniback.api.schemas.records import RecordQuery
    from miniback.api.signoff import SignoffQuery, signoff_page
    from miniback.extensions import db
    from miniback.models import Account
    from miniback.records.due import overdue_query

    app = create_app(config())
    rng = random.Random(7)

    def unit() -> int:
        return rng.randint(1, UNITS)

    def actor(role: str, **fields: Any) -> Account:
        return Account(role=role, name="bench", **fields)

    def technician() -> Account:
        u = unit() - 1
        t = rng.randrange(TECHS_PER_UNIT)
        return actor(
            "technician",
            id=u * TECHS_PER_UNIT + t + 1,
            maintenance_unit_id=u + 1,
            org_node_id=u * NODES_PER_UNIT + 3 + t % TEAMS_PER_UNIT,
        )

    def supervisor() -> Account:
        u = unit() - 1
        return actor("mu_supervisor", id=10**8, maintenance_unit_id=u + 1, org_node_id=u * NODES_PER_UNIT + 2)

    def middle_cursor() -> str:
        return f"2024-11-25.{args.records // 2}"

    queries: list[tuple[str, Any]] = [
        ("city (inspector), newest first", lambda: (actor("inspector"), RecordQuery())),
        ("regulator, own district", lambda: (actor("regulator", district=rng.choice(DISTRICTS)), RecordQuery())),
        ("unit admin, whole unit", lambda: (actor("mu_admin", maintenance_unit_id=unit()), RecordQuery())),
        ("supervisor, org subtree", lambda: (supervisor(), RecordQuery())),
        ("technician, own + team", lambda: (technician(), RecordQuery())),
        ("use unit manager", lambda: (actor("uu_manager", use_unit_id=rng.randint(1, USE_UNITS)), RecordQuery())),
        (
            "city, one elevator's history",
            lambda: (actor("inspector"), RecordQuery(elevator_id=rng.randint(1, ELEVATORS))),
        ),
        (
            "city, by device code",
            lambda: (actor("inspector"), RecordQuery(device_code=f"3110{rng.randint(1, ELEVATORS):012d}")),
        ),
        (
            "unit admin, one month",
            lambda: (
                actor("mu_admin", maintenance_unit_id=unit()),
                RecordQuery(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)),
            ),
        ),
        (
            "unit admin, flagged only",
            lambda: (actor("mu_admin", maintenance_unit_id=unit()), RecordQuery(flagged=True)),
        ),
        (
            "regulator, district + category + month",
            lambda: (
                actor("regulator", district=rng.choice(DISTRICTS)),
                RecordQuery(category="quarter", date_from=date(2025, 6, 1), date_to=date(2025, 6, 30)),
            ),
        ),
        (
            "unit admin, deep page (keyset cursor)",
            lambda: (actor("mu_admin", maintenance_unit_id=unit()), RecordQuery(cursor=middle_cursor())),
        ),
        (
            "unit admin, signed only",
            lambda: (actor("mu_admin", maintenance_unit_id=unit()), RecordQuery(signoff_state="signed")),
        ),
        (
            "regulator, objected only (rare)",
            lambda: (actor("regulator", district=rng.choice(DISTRICTS)), RecordQuery(signoff_state="objected")),
        ),
        ("technician, own + team, pending", lambda: (technician(), RecordQuery(signoff_state="pending"))),
    ]
    # The sign-off lists (OFFSET pages with a total), as each role asks for them.
    signoff_queries: list[tuple[str, Any]] = [
        (
            "sign-off list, manager's pending",
            lambda: (actor("uu_manager", use_unit_id=rng.randint(1, USE_UNITS)), SignoffQuery()),
        ),
        (
            "sign-off list, unit admin open objections",
            lambda: (actor("mu_admin", maintenance_unit_id=unit()), SignoffQuery(objection_open=True)),
        ),
        (
            "sign-off list, supervisor objected",
            lambda: (supervisor(), SignoffQuery(state="objected")),
        ),
        (
            "sign-off list, regulator open objections",
            lambda: (actor("regulator", district=rng.choice(DISTRICTS)), SignoffQuery(objection_open=True)),
        ),
    ]
    worst = 0.0
    with app.app_context():
        print(f"\n{'query':42} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5}  index (EXPLAIN)")
        for label, make in queries:
            durations, page = timed(args.runs, make, record_page)
            worst = max(worst, p(durations, 0.95))
            print(f"{label:42} {p(durations, 0.5):8.1f} {p(durations, 0.95):8.1f} {len(page['items']):5}  ", end="")
            print(explain_key(db, make, mysql))

        for label, make in signoff_queries:
            durations, page = timed(args.runs, make, signoff_page)
            worst = max(worst, p(durations, 0.95))
            print(f"{label:42} {p(durations, 0.5):8.1f} {p(durations, 0.95):8.1f} {len(page['items']):5}")

        def overdue(a: Account) -> Any:
            query = overdue_query(a, date(2026, 11, 25))
            return db.session.execute(query.limit(20)).all()

        durations, rows = timed(args.runs, lambda: (actor("mu_admin", maintenance_unit_id=unit()),), overdue)
        worst = max(worst, p(durations, 0.95))
        print(f"{'overdue list, unit admin':42} {p(durations, 0.5):8.1f} {p(durations, 0.95):8.1f} {len(rows):5}")
    ratio = worst / TARGET_P95_MS
    print(f"worst p95 {worst:.1f} ms over {args.records:,} records (target p95 ≤ {TARGET_P95_MS:.0f} ms per query)")
    print(f"ratio={ratio:.3f} target=1.0 {'ok' if ratio <= 1.0 else 'FAIL'}")


def explain_key(db: Any, make: Any, mysql: Any) -> str:
    """The index MariaDB uses for the records table in this query."""
    from miniback.records.queries import RecordFilters, scoped_queries

    account, args = make()
    keys = []
    for query in scoped_queries(account, RecordFilters(**args.model_dump())):
        query = query.limit(21)
        sql = str(query.compile(dialect=mysql.dialect(), compile_kwargs={"literal_binds": True}))
        rows = db.session.execute(db.text(f"EXPLAIN {sql}")).mappings().all()
        keys += [
            f"{row['table']}:{row['key']}"
            for row in rows
            if row["table"] in ("maintenance_record", "record_technician")
        ]
    return " + ".join(keys)


if __name__ == "__main__":
    main()
