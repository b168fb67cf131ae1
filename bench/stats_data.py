"""A city's worth of maintenance history for the statistics bench, written straight into the source tables.

Set-based, on MariaDB: every table is filled by a few ``INSERT … SELECT`` statements over MariaDB's sequence
engine (``seq_1_to_N``), a chunk of records per statement, so a million records take a few minutes, not hours.
Everything derives from the row number (CRC32 of it where it should look random), so two runs write the same
data and a test or another bench can import and reuse it:

- ``units`` maintenance units (the last ``idle_units`` maintain nothing, so unit coverage is below 100 %), 500
  use units spread over Guangzhou's 11 districts, 20 technicians and one admin per unit, one city regulator;
- ``elevators`` elevators (about 2 % out of service, 1 % decommissioned), each with its assignment;
- ``records`` records spread evenly over ``days`` days ending yesterday (Asia/Shanghai), one every ~15 days per
  elevator with ± 2 days of jitter (so some half-month intervals exceed 15 days), a higher category every 6th,
  12th and 24th job, about 5 % late uploads, a few flags of each kind, hazards on 1 in 40, 10 % from a platform;
- each record's sign-off: its ``submitted`` event and its decision (signed within hours, default-confirmed at
  the 2-day deadline, or objected), the newest two days still pending, and the ``signoff_state`` row;
- ``elevator_due`` from the records, and delay notices (one a month for the first ten units, 20 elevators each).

    from bench.stats_data import Shape, generate
    seconds = generate(connection, Shape(records=1_000_000, elevators=20_000))
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from miniback.registry.districts import GUANGZHOU_DISTRICTS

PLATFORM_CODE = "bench-platform"


def _yesterday_in_shanghai() -> date:
    from miniback.models import utcnow
    from miniback.records.calendar import local_day

    return local_day(utcnow()) - timedelta(days=1)


@dataclass(frozen=True)
class Shape:
    records: int = 1_000_000
    elevators: int = 20_000
    units: int = 60
    idle_units: int = 10
    use_units: int = 500
    technicians_per_unit: int = 20
    days: int = 730
    last_day: date = field(default_factory=_yesterday_in_shanghai)
    chunk: int = 50_000

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)

    @property
    def active_units(self) -> int:
        return self.units - self.idle_units

    @property
    def jobs_per_elevator(self) -> int:
        return max(1, self.records // self.elevators)

    def technician_id(self, unit_id: int, number: int) -> int:
        """Accounts: per unit, the admin first (``unit_id``'s block + 1), then its technicians."""
        return (unit_id - 1) * (self.technicians_per_unit + 1) + 2 + number

    def admin_id(self, unit_id: int) -> int:
        return (unit_id - 1) * (self.technicians_per_unit + 1) + 1

    @property
    def regulator_id(self) -> int:
        return self.units * (self.technicians_per_unit + 1) + 1


def _districts_sql() -> str:
    return ",".join(f"'{name}'" for name in GUANGZHOU_DISTRICTS)


def registry_statements(shape: Shape) -> list[str]:
    s, districts, per = shape, _districts_sql(), shape.technicians_per_unit + 1
    created = f"'{(s.first_day - timedelta(days=30)).isoformat()} 00:00:00'"
    return [
        f"INSERT INTO maintenance_unit (id, name, credit_code, filing_no, address, office_address, contact_name, "
        f"contact_phone, emergency_phone, status, created_at) SELECT seq, CONCAT('广州维保单位', LPAD(seq, 3, '0'), "
        f"'有限公司'), CONCAT('91440100M', LPAD(seq, 9, '0')), CONCAT('TS', seq), '广州市', '广州市', '联系人', "
        f"'13800000000', '96333', 'active', {created} FROM seq_1_to_{s.units}",
        f"INSERT INTO use_unit (id, name, credit_code, address, district, status, created_at) SELECT seq, "
        f"CONCAT('使用单位', LPAD(seq, 4, '0')), CONCAT('91440100U', LPAD(seq, 9, '0')), '广州市', "
        f"ELT(1 + seq % 11, {districts}), 'active', {created} FROM seq_1_to_{s.use_units}",
        # One org node (the company) per unit; its admin and technicians hang from it.
        f"INSERT INTO org_node (id, maintenance_unit_id, parent_id, name, path, created_at) "
        f"SELECT seq, seq, NULL, '公司', CONCAT('/', seq, '/'), {created} FROM seq_1_to_{s.units}",
        f"INSERT INTO account (id, role, name, maintenance_unit_id, org_node_id, active, failed_logins, created_at) "
        f"SELECT (u.seq - 1) * {per} + 1 + t.seq, IF(t.seq = 0, 'mu_admin', 'technician'), "
        f"IF(t.seq = 0, CONCAT('管理员', u.seq), CONCAT('维保员', u.seq, '-', t.seq)), u.seq, "
        f"IF(t.seq = 0, NULL, u.seq), 1, 0, {created} "
        f"FROM seq_1_to_{s.units} u CROSS JOIN seq_0_to_{s.technicians_per_unit} t",
        f"INSERT INTO account (id, role, name, active, failed_logins, created_at) "
        f"VALUES ({s.regulator_id}, 'regulator', '市监管员', 1, 0, {created})",
        "INSERT INTO signature_image (sha256, content, width, height, size_bytes, created_at) "
        "VALUES (REPEAT('a', 64), 'png', 1, 1, 3, NOW())",
        f"INSERT INTO platform_client (id, code, name, company_name, company_credit_code, contact_name, "
        f"contact_phone, status, status_changed_at, webhook_secret_version, account_id, created_by_id, created_at) "
        f"VALUES (1, '{PLATFORM_CODE}', '测试平台', '测试平台公司', '91440100P00000000X', '联系人', '13800000000', "
        f"'active', {created}, 1, {s.regulator_id}, {s.regulator_id}, {created})",
        # Elevator e: use unit 1 + e % use_units (its district follows), maintenance unit 1 + e % active_units.
        f"INSERT INTO elevator (id, public_code, device_code, registration_code, elevator_type, address, district, "
        f"use_unit_id, maintenance_unit_id, status, created_at) "
        f"SELECT seq, CONCAT('pc', seq), CONCAT('3110', LPAD(seq, 12, '0')), CONCAT('REG', LPAD(seq, 12, '0')), "
        f"ELT(1 + CRC32(seq) % 10 DIV 7 + CRC32(seq) % 10 DIV 9, 'traction', 'escalator', 'hydraulic'), "
        f"CONCAT('广州市', ELT(1 + (1 + seq % {s.use_units}) % 11, {districts}), '某路 ', seq, ' 号'), "
        f"ELT(1 + (1 + seq % {s.use_units}) % 11, {districts}), 1 + seq % {s.use_units}, "
        f"1 + seq % {s.active_units}, "
        f"CASE WHEN seq % 50 = 7 THEN 'out_of_service' WHEN seq % 100 = 13 THEN 'decommissioned' "
        f"ELSE 'in_service' END, {created} FROM seq_1_to_{s.elevators}",
        "INSERT INTO elevator_assignment (elevator_id, maintenance_unit_id, started_at) "
        "SELECT id, maintenance_unit_id, created_at FROM elevator",
    ]


def record_statement(shape: Shape, first: int, last: int) -> str:
    """Records ``first + 1 … last``: record n is job k = (n - 1) DIV elevators of elevator (n - 1) % elevators + 1,
    so ids grow with the maintenance day as in production."""
    s, per = shape, shape.technicians_per_unit + 1
    jobs = s.jobs_per_elevator
    spacing = f"{s.days - 3} / {max(1, jobs - 1)}"
    return f"""
        INSERT INTO maintenance_record (id, draft_id, elevator_id, elevator_type, maintenance_unit_id, use_unit_id,
            district, technician_id, org_node_id, category, template_version, maintenance_day,
            check_in_at, check_in_lat, check_in_lng, check_in_coord_system, check_in_distance_m,
            check_out_at, check_out_lat, check_out_lng, check_out_coord_system, check_out_distance_m,
            duration_seconds, received_at, late_upload, flag_distance, flag_duration, flag_overlap, flagged,
            replaced_parts, hazards, signature_sha256, source, content_hash, canonical_content)
        SELECT r.n, r.n, r.e, e.elevator_type, e.maintenance_unit_id, e.use_unit_id, e.district,
            (e.maintenance_unit_id - 1) * {per} + 2 + r.c % {s.technicians_per_unit}, e.maintenance_unit_id,
            CASE WHEN r.k % 24 = 23 THEN 'year' WHEN r.k % 12 = 11 THEN 'half_year'
                 WHEN r.k % 6 = 5 THEN 'quarter' ELSE 'half_month' END,
            'TSG-T5002-2017/1', r.d,
            TIMESTAMP(r.d - INTERVAL 1 DAY, '23:30:00') + INTERVAL r.c % 600 MINUTE, 23.1, 113.3, 'gcj02',
            IF(r.c % 50 = 1, 850, 12),
            TIMESTAMP(r.d - INTERVAL 1 DAY, '23:30:00') + INTERVAL r.c % 600 + r.m MINUTE, 23.1, 113.3, 'gcj02',
            IF(r.c % 50 = 1, 850, 12),
            r.m * 60,
            TIMESTAMP(r.d - INTERVAL 1 DAY, '23:30:00') + INTERVAL r.c % 600 + r.m + 5 + IF(r.c % 20 = 0, 2880, 0)
                MINUTE,
            r.c % 20 = 0, r.c % 50 = 1, r.m < 20, r.c % 200 = 3, r.c % 50 = 1 OR r.m < 20 OR r.c % 200 = 3,
            '[]', IF(r.c % 40 = 5, '[{{"item": "曳引轮", "description": "磨损"}}]', '[]'),
            REPEAT('a', 64), IF(r.c % 10 = 4, 'platform:{PLATFORM_CODE}', 'miniprogram'), SHA2(r.n, 256), '{{}}'
        FROM (SELECT q.n, q.e, q.k, q.c, 15 + q.c % 60 m,
                     LEAST(DATE('{s.last_day.isoformat()}'), DATE('{s.first_day.isoformat()}')
                         + INTERVAL FLOOR(q.k * {spacing}) + 2 + (q.c DIV 7) % 5 - 2 DAY) d
              FROM (SELECT seq n, (seq - 1) % {s.elevators} + 1 e, (seq - 1) DIV {s.elevators} k, CRC32(seq) c
                    FROM seq_{first + 1}_to_{last}) q) r
        JOIN elevator e ON e.id = r.e
    """


def technician_statement(first: int, last: int) -> str:
    return (
        "INSERT INTO record_technician (record_id, account_id, role, maintenance_day, check_in_at, check_out_at) "
        "SELECT id, technician_id, 'primary', maintenance_day, check_in_at, check_out_at FROM maintenance_record "
        f"WHERE id > {first} AND id <= {last}"
    )


def _decision(pending_after: str) -> str:
    """Each record's sign-off outcome, from its id: pending if received after ``pending_after``."""
    return (
        f"CASE WHEN r.received_at > {pending_after} THEN 'pending' WHEN CRC32(r.id * 3) % 100 < 2 THEN 'objected' "
        "WHEN CRC32(r.id * 3) % 100 < 60 THEN 'signed' ELSE 'default_confirmed' END"
    )


def signoff_statements(shape: Shape, first: int, last: int) -> list[str]:
    pending_after = f"TIMESTAMP('{(shape.last_day - timedelta(days=1)).isoformat()}', '00:00:00')"
    decided = (
        "CASE s.state WHEN 'signed' THEN s.received_at + INTERVAL 5 + CRC32(s.id * 5) % 900 MINUTE "
        "WHEN 'default_confirmed' THEN s.received_at + INTERVAL 2 DAY "
        "WHEN 'objected' THEN s.received_at + INTERVAL 3 HOUR ELSE NULL END"
    )
    source = (
        f"SELECT r.*, {_decision(pending_after)} state FROM maintenance_record r "
        f"WHERE r.id > {first} AND r.id <= {last}"
    )
    return [
        "INSERT INTO signoff_event (record_id, kind, occurred_at, deadline_at) "
        f"SELECT id, 'submitted', received_at, received_at + INTERVAL 2 DAY FROM maintenance_record "
        f"WHERE id > {first} AND id <= {last}",
        "INSERT INTO signoff_event (record_id, kind, occurred_at, actor_id, deadline_at, pushed_at, signature_hash) "
        f"SELECT s.id, s.state, {decided}, NULL, IF(s.state = 'default_confirmed', s.received_at + INTERVAL 2 DAY, "
        f"NULL), IF(s.state = 'default_confirmed', s.received_at, NULL), IF(s.state = 'signed', REPEAT('b', 64), "
        f"NULL) FROM ({source}) s WHERE s.state <> 'pending'",
        "INSERT INTO signoff_state (record_id, elevator_id, use_unit_id, maintenance_unit_id, maintenance_day, "
        "district, org_node_id, submitted_at, deadline_at, state, pushed_at, decided_at, signature_hash, "
        "objection_open, objection_reason) "
        f"SELECT s.id, s.elevator_id, s.use_unit_id, s.maintenance_unit_id, s.maintenance_day, s.district, "
        f"s.org_node_id, s.received_at, s.received_at + INTERVAL 2 DAY, s.state, s.received_at, {decided}, "
        f"IF(s.state = 'signed', REPEAT('b', 64), NULL), s.state = 'objected', "
        f"IF(s.state = 'objected', '未见维保人员', NULL) FROM ({source}) s",
    ]


def finishing_statements(shape: Shape) -> list[str]:
    s = shape
    notice_units = min(10, s.active_units)
    months = s.days // 30
    spread = max(1, s.elevators // s.active_units - 1)  # how many of a unit's elevators a notice may name
    named = min(20, spread)
    return [
        "INSERT INTO elevator_due (elevator_id, last_half_month_on, last_quarter_on, last_half_year_on, "
        "last_year_on, half_month_due_on, updated_at) SELECT elevator_id, MAX(maintenance_day), "
        "MAX(IF(category IN ('quarter', 'half_year', 'year'), maintenance_day, NULL)), "
        "MAX(IF(category IN ('half_year', 'year'), maintenance_day, NULL)), "
        "MAX(IF(category = 'year', maintenance_day, NULL)), MAX(maintenance_day) + INTERVAL 15 DAY, NOW() "
        "FROM maintenance_record GROUP BY elevator_id",
        # Delay notices: unit u files one a month (month m covers days 30m + 10 … 30m + 19 of the range).
        f"INSERT INTO delay_notice (id, maintenance_unit_id, cause, starts_on, ends_on, explanation, filed_by_id, "
        f"created_at) SELECT (u.seq - 1) * {months} + m.seq + 1, u.seq, 'equipment_repair', "
        f"DATE('{s.first_day.isoformat()}') + INTERVAL 30 * m.seq + 10 DAY, "
        f"DATE('{s.first_day.isoformat()}') + INTERVAL 30 * m.seq + 19 DAY, '设备大修，暂停维保', "
        f"(u.seq - 1) * {s.technicians_per_unit + 1} + 1, "
        f"TIMESTAMP(DATE('{s.first_day.isoformat()}') + INTERVAL 30 * m.seq + 9 DAY, '02:00:00') "
        f"FROM seq_1_to_{notice_units} u CROSS JOIN seq_0_to_{max(0, months - 1)} m",
        # Each notice names 20 of its unit's elevators (elevator ids ≡ unit - 1 mod active_units).
        f"INSERT INTO delay_notice_elevator (notice_id, elevator_id) "
        f"SELECT n.id, (n.maintenance_unit_id - 1) + {s.active_units} * ((n.id * 7 + k.seq) % {spread}) "
        f"+ {s.active_units} FROM delay_notice n CROSS JOIN seq_0_to_{named - 1} k",
        "ANALYZE TABLE maintenance_record, record_technician, elevator, elevator_due, signoff_state, signoff_event, "
        "delay_notice, delay_notice_elevator",
    ]


def generate(connection: Any, shape: Shape, progress: Callable[[str], None] = print) -> float:
    """Fill an empty, migrated schema on ``connection`` (pymysql, autocommit) with ``shape``; returns the seconds
    taken. Foreign keys are not checked while loading (every id is built to exist)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
        for statement in registry_statements(shape):
            cursor.execute(statement)
        progress(f"  registry: {shape.units} units, {shape.elevators:,} elevators")
        for first in range(0, shape.records, shape.chunk):
            last = min(shape.records, first + shape.chunk)
            cursor.execute(record_statement(shape, first, last))
            cursor.execute(technician_statement(first, last))
            for statement in signoff_statements(shape, first, last):
                cursor.execute(statement)
            rate = last / (time.perf_counter() - started)
            progress(f"  records {last:>9,} / {shape.records:,} with sign-offs ({rate:,.0f} records/s)")
        for statement in finishing_statements(shape):
            cursor.execute(statement)
            cursor.fetchall()
        cursor.execute("SET SESSION foreign_key_checks = 1, unique_checks = 1")
    seconds = time.perf_counter() - started
    progress(f"  generated in {seconds:.1f} s")
    return seconds
