"""Throughput of the resident's page /e/<code> against a bare Flask endpoint, same gunicorn, same run.

MariaDB holds 1,000,000 maintenance records (20,000 elevators × 50 jobs, 1.5 million technician rows, a
sign-off state for each), generated server-side with MariaDB's SEQUENCE engine and kept between runs; the public
history read model is then built from them by ``rebuild_public_history`` (what ``flask public rebuild-history``
runs), as an operator would after migration 0006, and every elevator's page is rendered and stored by
``render_pages`` (``flask public render-pages``, the deploy step after a change to the page). Rate limiting stays
on (counted in Redis, with a limit high enough never to trip) so the page pays its real per-request cost. Each
request asks for a random elevator's page, without ETag revalidation and without ``Accept-Encoding: gzip`` (so
every view decompresses the stored page, which phones never need).

The ratio is for the page as residents get it between changes (stored). For information the bench also measures
the first view after a change, which renders the page and stores it: a fresh set of elevators has its pages
marked stale (as the triggers do on a write) and is viewed once each, about.

    .venv/bin/python bench/public_history.py [--records 1000000] [--seconds 8] [--clients 4] [--workers 2]

MariaDB's packaged default buffer pool (128 MB) holds about a fifth of this data set, so a page view reads
dozens of InnoDB pages from the OS cache; a production server is sized to its working set. ``--size-buffer-pool``
raises ``innodb_buffer_pool_size`` to 2 GiB for the run (a dynamic setting; the old value is put back
afterwards). By default the shared server is left as it is.

Prints figures and ends with ``ratio=<page/bare> target=0.4 ok|FAIL``.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pymysql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.keys import bench_key_env  # noqa: E402

DB = os.environ.get("BENCH_DATABASE", "miniback_bench_qrpublic")
DB_URL = f"mysql+pymysql://root@127.0.0.1/{DB}?charset=utf8mb4"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
TARGET = 0.4
RECORDS_PER_ELEVATOR = 50
TECHNICIANS = 40
CHUNK = 200_000
BUFFER_POOL_BYTES = 2 * 1024**3


def env() -> dict[str, str]:
    return {
        **os.environ,
        "MINIBACK_ENV_MODE": "production",
        "MINIBACK_SECRET_KEY": "bench-secret-key-bench-secret-key-0000",
        "MINIBACK_SQLALCHEMY_DATABASE_URI": DB_URL,
        "MINIBACK_REDIS_URL": REDIS_URL,
        "MINIBACK_PUBLIC_BASE_URL": "https://lift.bench.example",
        **bench_key_env(),
        "MINIBACK_WECHAT_APPID": "wxbench00000000000",
        "MINIBACK_WECHAT_SECRET": "bench-secret",
        "MINIBACK_WECHAT_SIGNOFF_TEMPLATE_ID": "bench-signoff-template",
        "MINIBACK_PUBLIC_RATE_LIMIT": "100000000 per minute",
    }


def sql(statement: str, *args: object) -> list[tuple[object, ...]]:
    connection = pymysql.connect(host="127.0.0.1", user="root", database=DB, autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
        cursor.execute(statement, args or None)
        rows = list(cursor.fetchall())
    connection.close()
    return rows


def prepare(records: int) -> list[str]:
    """The bench database at ``records`` records (created once, reused by later runs); returns public codes."""
    elevators = max(1, records // RECORDS_PER_ELEVATOR)
    server = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with server.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{DB}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    server.close()
    os.environ.update(env())
    from flask_migrate import upgrade

    from miniback import create_app
    from miniback.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        db.engine.dispose()
    have = sql("SELECT COUNT(*) FROM maintenance_record")[0][0]
    if have != records or sql("SELECT COUNT(*) FROM elevator")[0][0] != elevators:
        seed(app, elevators, records)
    if sql("SELECT COUNT(*) FROM signoff_state")[0][0] != records:
        seed_signoff(records)
        sql("DELETE FROM public_history_entry")
    if sql("SELECT COUNT(*) FROM public_history_entry")[0][0] != records:
        seed_public_history(app)
    render_public_pages(app)
    return [str(row[0]) for row in sql("SELECT public_code FROM elevator ORDER BY id")]


def seed(app: object, elevators: int, records: int) -> None:
    from miniback.extensions import db
    from miniback.registry.credit_code import check_character
    from miniback.registry.staff import create_staff
    from miniback.registry.units import MAINTENANCE_UNIT, USE_UNIT, register_unit

    started = time.monotonic()
    print(f"准备数据：{elevators} 台电梯，{records} 条维保记录 …", flush=True)
    for table in (
        "public_history_entry",
        "record_technician",
        "maintenance_record",
        "record_draft",
        "elevator_due",
        "signature_image",
        "elevator_assignment",
        "elevator",
        "change_log",
        "api_token",
        "account",
        "org_node",
        "use_unit",
        "maintenance_unit",
    ):
        sql(f"TRUNCATE TABLE `{table}`")
    with app.app_context():  # type: ignore[attr-defined]
        unit, admin = register_unit(
            MAINTENANCE_UNIT,
            {
                "name": "广州基准电梯维保有限公司",
                "credit_code": "91440106MA59B0002" + check_character("91440106MA59B0002"),
                "filing_no": "粤特维备-2024-9999",
                "address": "广州市天河区",
                "office_address": "广州市天河区",
                "contact_name": "陈工",
                "contact_phone": "020-38880000",
                "emergency_phone": "020-38889600",
            },
            {"name": "管理员", "username": "bench-admin", "password": "Bench2026pass"},
        )
        unit.status = "active"
        use_unit, _ = register_unit(
            USE_UNIT,
            {
                "name": "广州基准物业管理有限公司",
                "credit_code": "91440104MA59D0004" + check_character("91440104MA59D0004"),
                "address": "广州市越秀区",
                "district": "越秀区",
            },
            {"name": "物业管理员", "username": "bench-uu", "password": "Bench2026pass"},
        )
        surnames, given = "张李王刘陈杨黄赵吴周", "伟明国强志勇德华建军"
        techs = [
            create_staff(
                admin, {"role": "technician", "name": surnames[n % 10] + given[n % 10] + given[(n * 3) % 10]}, None
            )
            for n in range(TECHNICIANS)
        ]
        db.session.commit()
        unit_id, use_unit_id, first_tech = unit.id, use_unit.id, min(t.id for t in techs)
        db.engine.dispose()
    sql(
        "INSERT INTO elevator (public_code, device_code, rescue_code, elevator_type, address, district, position,"
        " use_unit_id, maintenance_unit_id, status, created_at)"
        " SELECT CONCAT('bench', LPAD(seq, 11, '0')), CONCAT('3110', LPAD(seq, 16, '0')), LPAD(seq, 5, '0'),"
        " 'traction', CONCAT('广州市越秀区北京路 ', seq, ' 号'), '越秀区', CONCAT(1 + seq % 4, ' 号客梯'),"
        f" {use_unit_id}, {unit_id}, 'in_service', NOW(6) - INTERVAL 800 DAY FROM seq_1_to_{elevators}"
    )
    first_elevator = int(sql("SELECT MIN(id) FROM elevator")[0][0])  # type: ignore[arg-type]
    sql(
        "INSERT INTO signature_image (sha256, content, width, height, size_bytes, created_at)"
        " VALUES (%s, %s, 1, 1, 8, NOW(6))",
        "0" * 64,
        b"\x89PNG\r\n\x1a\n",
    )
    for low in range(1, records + 1, CHUNK):
        high = min(records, low + CHUNK - 1)
        sql(
            "INSERT INTO record_draft (id, elevator_id, maintenance_unit_id, technician_id, category,"
            " template_version, status, replaced_parts, hazards, created_at, updated_at)"
            f" SELECT seq, {first_elevator} + (seq - 1) % {elevators}, {unit_id}, {first_tech} + seq % {TECHNICIANS},"
            " 'half_month', 'tsg-t5002-2017/1', 'submitted', '[]', '[]', NOW(6), NOW(6)"
            f" FROM seq_{low}_to_{high}"
        )
        # Job k of an elevator happened 15·k days ago (k = 0 is the latest); every 6th is quarterly, etc.
        sql(
            "INSERT INTO maintenance_record (id, draft_id, elevator_id, elevator_type, maintenance_unit_id,"
            " use_unit_id, district, technician_id, category, template_version, maintenance_day, check_in_at,"
            " check_in_lat, check_in_lng, check_in_coord_system, check_out_at, check_out_lat, check_out_lng,"
            " check_out_coord_system, duration_seconds, received_at, late_upload, flag_distance, flag_duration,"
            " flag_overlap, flagged, replaced_parts, hazards, signature_sha256, source, content_hash,"
            " canonical_content)"
            " SELECT d.id, d.id, d.elevator_id, 'traction', d.maintenance_unit_id,"
            f" {use_unit_id}, '越秀区', d.technician_id,"
            f" CASE WHEN k % 24 = 0 THEN 'year' WHEN k % 12 = 0 THEN 'half_year'"
            "   WHEN k % 6 = 0 THEN 'quarter' ELSE 'half_month' END,"
            " 'tsg-t5002-2017/1', CURDATE() - INTERVAL (k * 15 + 1) DAY,"
            " NOW(6), 23.1291, 113.2644, 'gcj02', NOW(6), 23.1291, 113.2644, 'gcj02', 3600, NOW(6),"
            " d.id % 37 = 0, 0, 0, 0, 0, '[]', '[]', REPEAT('0', 64), 'miniprogram', REPEAT('0', 64), '{}'"
            f" FROM (SELECT id, elevator_id, maintenance_unit_id, technician_id, (id - 1) DIV {elevators} AS k"
            f"   FROM record_draft WHERE id BETWEEN {low} AND {high}) AS d"
        )
        sql(
            "INSERT INTO record_technician (record_id, account_id, role, maintenance_day, check_in_at, check_out_at)"
            " SELECT id, technician_id, 'primary', maintenance_day, check_in_at, check_out_at FROM maintenance_record"
            f" WHERE id BETWEEN {low} AND {high}"
            " UNION ALL"
            f" SELECT id, {first_tech} + (technician_id - {first_tech} + 1) % {TECHNICIANS}, 'second',"
            f" maintenance_day, check_in_at, check_out_at FROM maintenance_record"
            f" WHERE id BETWEEN {low} AND {high} AND id % 2 = 0"
        )
        print(f"  {high}/{records} 条记录（{time.monotonic() - started:.0f} 秒）", flush=True)
    sql(
        "INSERT INTO elevator_due (elevator_id, last_half_month_on, half_month_due_on, updated_at)"
        " SELECT elevator_id, MAX(maintenance_day), MAX(maintenance_day) + INTERVAL 15 DAY, NOW(6)"
        " FROM maintenance_record GROUP BY elevator_id"
    )
    sql("ANALYZE TABLE maintenance_record, record_technician, elevator, elevator_due")
    print(f"数据准备完成，用时 {time.monotonic() - started:.0f} 秒", flush=True)


def seed_signoff(records: int) -> None:
    """Every record's sign-off projection: mostly signed, every 7th default-confirmed, every 53rd objected."""
    started = time.monotonic()
    sql("TRUNCATE TABLE signoff_state")
    for low in range(1, records + 1, CHUNK):
        high = min(records, low + CHUNK - 1)
        sql(
            "INSERT INTO signoff_state (record_id, elevator_id, use_unit_id, maintenance_unit_id, maintenance_day,"
            " submitted_at, deadline_at, state, decided_at, objection_open)"
            " SELECT id, elevator_id, use_unit_id, maintenance_unit_id, maintenance_day, received_at, received_at,"
            " CASE WHEN id % 53 = 0 THEN 'objected' WHEN id % 7 = 0 THEN 'default_confirmed' ELSE 'signed' END,"
            f" received_at, id % 53 = 0 FROM maintenance_record WHERE id BETWEEN {low} AND {high}"
        )
    sql("ANALYZE TABLE signoff_state")
    print(f"签名确认状态 {records} 条，用时 {time.monotonic() - started:.0f} 秒", flush=True)


def seed_public_history(app: object) -> None:
    """The public history read model, built the way an operator would: ``flask public rebuild-history``'s
    function, from the records, sign-off states and accounts just seeded."""
    from miniback.extensions import db
    from miniback.projections.public_history import rebuild_public_history

    started = time.monotonic()
    with app.app_context():  # type: ignore[attr-defined]
        total = rebuild_public_history(
            progress=lambda done: (
                print(f"  {done} 条公开记录（{time.monotonic() - started:.0f} 秒）", flush=True)
                if done % 200_000 == 0
                else None
            )
        )
        db.session.commit()
        db.engine.dispose()
    sql("ANALYZE TABLE public_history_entry")
    print(f"公开维保记录 {total} 条，用时 {time.monotonic() - started:.0f} 秒", flush=True)


def render_public_pages(app: object) -> None:
    """Every elevator's page rendered and kept, as ``flask public render-pages`` leaves them after a deploy (only
    pages missing or out of date are rendered: after a change to the page's code or templates, all of them)."""
    from miniback.extensions import db
    from miniback.public.pages import render_pages

    started = time.monotonic()
    with app.app_context():  # type: ignore[attr-defined]
        total = render_pages(
            progress=lambda done: (
                print(f"  {done} 页（{time.monotonic() - started:.0f} 秒）", flush=True) if done % 5000 == 0 else None
            )
        )
        db.engine.dispose()
    print(f"电梯公示页面：生成 {total} 页，用时 {time.monotonic() - started:.0f} 秒", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def server_pids(gunicorn: int) -> dict[str, list[int]]:
    """The processes serving a page view: gunicorn's workers, MariaDB and Redis."""
    workers = [int(pid) for pid in Path(f"/proc/{gunicorn}/task/{gunicorn}/children").read_text().split()]
    found = {"gunicorn": [gunicorn, *workers], "mariadb": [], "redis": []}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name in ("mariadbd", "mysqld"):
                found["mariadb"].append(int(entry.name))
            elif name == "redis-server":
                found["redis"].append(int(entry.name))
    return found


def client_loop(port: int, paths: list[str], seconds: float, seed: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path = rng.choice(paths)
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except OSError:
            errors += 1
        finally:
            connection.close()
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors, time.process_time()))


Run = tuple[float, float, float, int, dict[str, float]]


def measure(port: int, paths: list[str], seconds: float, clients: int, pids: dict[str, list[int]]) -> Run:
    """Requests per second, median and p95 latency (ms), errors, and CPU µs per request by process group (``pids``
    plus the load clients), for ``clients`` concurrent clients."""
    before = {group: sum(map(cpu_seconds, members)) for group, members in pids.items()}
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [
        multiprocessing.Process(target=client_loop, args=(port, paths, seconds, n, queue)) for n in range(clients)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    latencies = sorted(latency for result in results for latency in result[0])
    cpu = {group: sum(map(cpu_seconds, members)) - before[group] for group, members in pids.items()}
    cpu["clients"] = sum(result[2] for result in results)
    cpu = {group: seconds_used / len(latencies) * 1e6 for group, seconds_used in cpu.items()}
    errors = sum(result[1] for result in results)
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p95, errors, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-buffer-pool", action="store_true", help="raise innodb_buffer_pool_size to 2 GiB")
    args = parser.parse_args()

    codes = prepare(args.records)
    original_pool = int(sql("SELECT @@innodb_buffer_pool_size")[0][0])  # type: ignore[arg-type]
    if args.size_buffer_pool and original_pool < BUFFER_POOL_BYTES:
        sql(f"SET GLOBAL innodb_buffer_pool_size = {BUFFER_POOL_BYTES}")
        for _ in range(120):  # the resize runs in the background
            status = str(sql("SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'")[0][1])
            if int(sql("SELECT @@innodb_buffer_pool_size")[0][0]) >= BUFFER_POOL_BYTES and (  # type: ignore[arg-type]
                not status or "complete" in status.lower() or "finished" in status.lower()
            ):
                break
            time.sleep(0.5)
        # Read the page's working set once (indexes and rows it touches), as a running server would have it.
        sql("SELECT COUNT(*), SUM(category = 'year'), SUM(late_upload) FROM maintenance_record")
        sql("SELECT COUNT(*) FROM record_technician FORCE INDEX (uq_record_technician_record_account)")
        sql("SELECT COUNT(*) FROM maintenance_record FORCE INDEX (ix_record_elevator_day_cover)")
    pool_mb = int(sql("SELECT @@innodb_buffer_pool_size")[0][0]) // 1024**2  # type: ignore[arg-type]
    print(f"innodb_buffer_pool_size = {pool_mb} MB (server default was {original_pool // 1024**2} MB)")
    print(f"数据库 {DB}: {sql('SELECT COUNT(*) FROM maintenance_record')[0][0]} 条记录，{len(codes)} 台电梯")
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.bench_wsgi:app",
        ],
        cwd=ROOT,
        env=env(),
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/bench/bare")
                break
            except OSError:
                time.sleep(0.1)
        page_paths = [f"/e/{code}" for code in codes]
        check = http.client.HTTPConnection("127.0.0.1", port)
        check.request("GET", page_paths[0])
        body = check.getresponse().read().decode()
        assert "维保记录" in body and body.count("<li>") == 24, "the page must show a full history"
        pids = server_pids(gunicorn.pid)
        measure(port, page_paths[:50], 1.5, args.clients, pids)  # warm-up: connections, imports, templates
        measure(port, ["/bench/bare"], 1.5, args.clients, pids)
        bare_runs, page_runs = [], []
        for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits both alike
            bare_runs.append(measure(port, ["/bench/bare"], args.seconds, args.clients, pids))
            page_runs.append(measure(port, page_paths, args.seconds, args.clients, pids))
        stale_paths = page_paths[: len(page_paths) // 2]
        sql(  # what a write's trigger does to its elevator's page
            "UPDATE public_page SET generation = generation + 1, html_gzip = NULL ORDER BY elevator_id LIMIT %s",
            len(stale_paths),
        )
        first_view_runs = [measure(port, stale_paths, args.seconds / 2, args.clients, pids)]
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        if int(sql("SELECT @@innodb_buffer_pool_size")[0][0]) != original_pool:  # type: ignore[arg-type]
            sql(f"SET GLOBAL innodb_buffer_pool_size = {original_pool}")  # leave the shared server as found

    def summary(name: str, runs: list[Run]) -> float:
        rps = statistics.mean(run[0] for run in runs)
        print(
            f"{name:<28} {rps:8.1f} req/s   median {statistics.mean(r[1] for r in runs):6.2f} ms"
            f"   p95 {max(r[2] for r in runs):6.2f} ms   errors {sum(r[3] for r in runs)}"
        )
        # Where a request's CPU goes (all of it shares this machine's cores): µs per request by process group.
        cpu = {group: statistics.mean(run[4][group] for run in runs) for group in runs[0][4]}
        print("    CPU µs/request: " + ", ".join(f"{group} {value:.0f}" for group, value in cpu.items()))
        return rps

    print(f"gunicorn sync workers={args.workers}, clients={args.clients}, {args.rounds}×{args.seconds:.0f} s each")
    bare = summary("bare Flask endpoint", bare_runs)
    page = summary("public page /e/<code>", page_runs)
    first_view = summary("first view after a change", first_view_runs)
    print(f"    (renders and stores the page: {first_view / bare:.2f} of bare, for information)")
    ratio = page / bare
    print(f"ratio={ratio:.2f} target={TARGET} {'ok' if ratio >= TARGET else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
