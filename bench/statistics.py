"""Benchmark: the statistics API at city scale against a direct SQL aggregation of the same answer, same run.

On MariaDB: 1,000,000 records over two years, 20,000 elevators, 11 districts (``bench/stats_data.py`` writes them
set-based into the source tables), then the rollups built by ``miniback.statistics.rollup.rebuild`` (what
``flask stats rebuild`` runs). miniback is served by gunicorn (``bench.bench_wsgi:app``, one sync worker) and
timed over HTTP with a city regulator's token:

- the city's monthly indicator table by district (``/stats/table?group_by=district``, last whole month);
- one maintenance unit's 12-month series (``/stats/series?granularity=month``);
- the top-20 ranking of units (``/stats/ranking?by=maintenance_unit&limit=20``);

each against one SQL statement computing the same figures from the source tables (records, sign-off states and
events; effective records only), whose answers are checked equal to the API's. Then 100,000 records exported to
xlsx (``/records/export.xlsx``) and the worker's peak RSS (VmHWM). Targets: p95 ≤ 100 ms per statistics request,
direct ÷ API (medians) ≥ 10, peak RSS < 300 MB. Ends ``ratio=<min direct/API> target=10 ok|FAIL``.

    .venv/bin/python bench/statistics.py [--records 1000000] [--elevators 20000] [--runs 30] [--reuse] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

# Run as ``python bench/statistics.py``, this file's folder comes first on the path, where its name would hide the
# standard library's ``statistics`` from every module imported after it: take the folder off, put the root on.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import pymysql  # noqa: E402

from bench.keys import bench_key_env  # noqa: E402
from bench.stats_data import Shape, generate  # noqa: E402

DB = os.environ.get("BENCH_DATABASE", "miniback_bench_statistics")
DB_URL = f"mysql+pymysql://root@127.0.0.1/{DB}?charset=utf8mb4"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
TARGET_RATIO = 10.0
TARGET_P95_MS = 100.0
TARGET_RSS_MB = 300.0
EXPORT_RECORDS = 100_000
HALF_MONTH_DAYS = 15

TABLE_INDICATORS = (
    "on_time_rate",
    "same_day_upload_rate",
    "signed_rate",
    "default_confirmed_rate",
    "objected_rate",
    "pending_rate",
    "onsite_verified_rate",
)
SERIES_INDICATOR = "signed_rate"
RANKING_INDICATOR = "default_confirmed_rate"


def sql_connection() -> Any:
    return pymysql.connect(host="127.0.0.1", user="root", database=DB, autocommit=True, charset="utf8mb4")


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
    }


def app_config() -> dict[str, Any]:
    return {
        "ENV_MODE": "bench",
        "SECRET_KEY": "bench-secret-key-bench-secret-key-0000",
        "SQLALCHEMY_DATABASE_URI": DB_URL,
        "REDIS_URL": REDIS_URL,
    }


def create_schema() -> None:
    connection = pymysql.connect(host="127.0.0.1", user="root")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB}`")
        cursor.execute(f"CREATE DATABASE `{DB}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()
    from flask_migrate import upgrade

    from miniback import create_app
    from miniback.extensions import db

    app = create_app(app_config())
    with app.app_context():
        upgrade()
        db.engine.dispose()


def build_rollups() -> float:
    from miniback import create_app
    from miniback.extensions import db
    from miniback.statistics.rollup import rebuild

    app = create_app(app_config())
    started = time.perf_counter()
    with app.app_context():
        last = [0.0]

        def progress(message: str) -> None:
            if time.perf_counter() - last[0] > 20:  # one line every 20 s is enough to see it move
                last[0] = time.perf_counter()
                print(f"  rebuild: {message}", flush=True)

        result = rebuild(progress=progress)
        db.session.commit()
        db.engine.dispose()
    seconds = time.perf_counter() - started
    print(f"  rollups rebuilt in {seconds:.1f} s ({result.days} days, {result.elevators:,} elevators)", flush=True)
    return seconds


def regulator_token(shape: Shape) -> str:
    from miniback import create_app
    from miniback.auth.tokens import issue_token
    from miniback.extensions import db
    from miniback.models import Account

    app = create_app(app_config())
    with app.app_context():
        account = db.session.get(Account, shape.regulator_id)
        assert account is not None and account.role == "regulator"
        token, _ = issue_token(account, 3 * 3600)
        db.session.commit()
        db.engine.dispose()
    return token


# --- the direct aggregations ---------------------------------------------------------------------------------

EFFECTIVE = "NOT EXISTS (SELECT 1 FROM maintenance_record c WHERE c.supersedes_id = r.id)"
OBJECTED = "EXISTS (SELECT 1 FROM signoff_event o WHERE o.record_id = r.id AND o.kind = 'objected')"


def _pct(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


def direct_table(cursor: Any, start: date, end: date) -> dict[str, dict[str, tuple[int, int]]]:
    """Per district, each indicator's (numerator, denominator), from the source tables in one statement."""
    cursor.execute(
        f"""
        SELECT x.district, x.records, x.same_day, x.signed, x.default_confirmed, x.objected, x.pending,
               x.onsite, COALESCE(i.intervals, 0), COALESCE(i.on_time, 0)
        FROM (SELECT r.district, COUNT(*) records, SUM(NOT r.late_upload) same_day,
                     SUM(s.state = 'signed') signed, SUM(s.state = 'default_confirmed') default_confirmed,
                     SUM({OBJECTED}) objected, SUM(s.state = 'pending') pending,
                     SUM(r.check_in_distance_m IS NOT NULL AND r.check_out_distance_m IS NOT NULL
                         AND NOT r.flag_distance) onsite
              FROM maintenance_record r LEFT JOIN signoff_state s ON s.record_id = r.id
              WHERE r.maintenance_day BETWEEN %(start)s AND %(end)s AND {EFFECTIVE}
              GROUP BY r.district) x
        LEFT JOIN (
            -- An interval closes on an elevator's first effective record of a day, counted in that record's
            -- district; its length is the days since the elevator's previous effective maintenance day.
            SELECT f.district, COUNT(*) intervals, SUM(f.gap <= {HALF_MONTH_DAYS}) on_time
            FROM (SELECT d.day, r.district,
                         DATEDIFF(d.day, LAG(d.day) OVER (PARTITION BY d.elevator_id ORDER BY d.day)) gap
                  FROM (SELECT r.elevator_id, r.maintenance_day day, MIN(r.id) first_id
                        FROM maintenance_record r WHERE r.maintenance_day <= %(end)s AND {EFFECTIVE}
                        GROUP BY r.elevator_id, r.maintenance_day) d
                  JOIN maintenance_record r ON r.id = d.first_id) f
            WHERE f.day BETWEEN %(start)s AND %(end)s AND f.gap IS NOT NULL
            GROUP BY f.district) i ON i.district = x.district
        """,
        {"start": start, "end": end},
    )
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for district, records, same_day, signed, default, objected, pending, onsite, intervals, on_time in cursor:
        n = int(records)
        out[district] = {
            "on_time_rate": (int(on_time), int(intervals)),
            "same_day_upload_rate": (int(same_day), n),
            "signed_rate": (int(signed), n),
            "default_confirmed_rate": (int(default), n),
            "objected_rate": (int(objected), n),
            "pending_rate": (int(pending), n),
            "onsite_verified_rate": (int(onsite), n),
        }
    return out


def direct_series(cursor: Any, unit_id: int, start: date, end: date) -> dict[str, tuple[int, int]]:
    cursor.execute(
        f"""
        SELECT DATE_FORMAT(r.maintenance_day, '%%Y-%%m'), SUM(s.state = 'signed'), COUNT(*)
        FROM maintenance_record r LEFT JOIN signoff_state s ON s.record_id = r.id
        WHERE r.maintenance_unit_id = %(unit)s AND r.maintenance_day BETWEEN %(start)s AND %(end)s AND {EFFECTIVE}
        GROUP BY 1
        """,
        {"unit": unit_id, "start": start, "end": end},
    )
    return {month: (int(n), int(d)) for month, n, d in cursor}


def direct_ranking(cursor: Any, start: date, end: date) -> list[tuple[str, str, int, int]]:
    cursor.execute(
        f"""
        SELECT r.maintenance_unit_id, u.name, SUM(s.state = 'default_confirmed') n, COUNT(*) d
        FROM maintenance_record r LEFT JOIN signoff_state s ON s.record_id = r.id
        JOIN maintenance_unit u ON u.id = r.maintenance_unit_id
        WHERE r.maintenance_day BETWEEN %(start)s AND %(end)s AND {EFFECTIVE}
        GROUP BY r.maintenance_unit_id, u.name
        ORDER BY ROUND(100 * SUM(s.state = 'default_confirmed') / COUNT(*), 2) DESC,
                 CAST(r.maintenance_unit_id AS CHAR) LIMIT 20
        """,
        {"start": start, "end": end},
    )
    return [(str(unit_id), name, int(n), int(d)) for unit_id, name, n, d in cursor]


# --- the API over HTTP ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Api:
    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> tuple[int, bytes]:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def json(self, path: str) -> Any:
        status, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)


def timed(runs: int, call: Callable[[], Any]) -> tuple[list[float], Any]:
    durations, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        durations.append((time.perf_counter() - started) * 1000)
    return durations, answer


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def export_range(cursor: Any, last: date, records: int) -> tuple[date, date, int]:
    """The latest days holding at most ``records`` records city-wide (the export's row cap)."""
    cursor.execute(
        "SELECT maintenance_day, COUNT(*) FROM maintenance_record WHERE maintenance_day <= %s "
        "GROUP BY maintenance_day ORDER BY maintenance_day DESC",
        (last,),
    )
    total, first = 0, last
    for day, count in cursor.fetchall():
        if total + count > records:
            break
        total, first = total + count, day
    return first, last, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--elevators", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--direct-runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="reuse a database a previous run generated and kept")
    parser.add_argument(
        "--month", default=None, help="the month measured (YYYY-MM; default: the last whole month of the data)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    shape = Shape(records=args.records, elevators=args.elevators)

    if args.reuse:
        connection = sql_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT MAX(maintenance_day), COUNT(*) FROM maintenance_record")
            last_day, count = cursor.fetchone()
        shape = Shape(records=count, elevators=args.elevators, last_day=last_day)
        print(f"reusing {DB}: {count:,} records up to {last_day}")
    else:
        print(f"creating {DB}: {shape.records:,} records, {shape.elevators:,} elevators, 11 districts", flush=True)
        create_schema()
        connection = sql_connection()
        seconds = generate(connection, shape, progress=lambda line: print(line, flush=True))
        print(f"generation: {seconds:.1f} s ({shape.records / seconds:,.0f} records/s)")
        build_rollups()

    # The last whole month, the 12 months ending with it, and the busiest unit.
    if args.month:
        month_start = date(int(args.month[:4]), int(args.month[5:7]), 1)
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        month_end = shape.last_day.replace(day=1) - timedelta(days=1)
        month_start = month_end.replace(day=1)
    year_start = (month_start.replace(day=1) - timedelta(days=330)).replace(day=1)
    unit_id = 1
    token = regulator_token(shape)

    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "1",
            "--timeout",
            "600",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.bench_wsgi:app",
        ],
        cwd=ROOT,
        env=env(),
    )
    results: list[tuple[str, float, float, float, float]] = []  # name, api p50, api p95, direct p50, ratio
    try:
        for _ in range(200):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                probe.request("GET", "/bench/bare")
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        api = Api(port, token)
        cursor = connection.cursor()

        table_path = (
            f"/api/v1/stats/table?indicators={','.join(TABLE_INDICATORS)}&group_by=district"
            f"&from={month_start}&to={month_end}"
        )
        series_path = (
            f"/api/v1/stats/series?indicator={SERIES_INDICATOR}&granularity=month&maintenance_unit_id={unit_id}"
            f"&from={year_start}&to={month_end}"
        )
        ranking_path = (
            f"/api/v1/stats/ranking?indicator={RANKING_INDICATOR}&by=maintenance_unit&order=desc&limit=20"
            f"&from={month_start}&to={month_end}"
        )

        def check_table(body: Any, direct: dict[str, dict[str, tuple[int, int]]]) -> None:
            assert len(body["rows"]) == 11, len(body["rows"])
            for row in body["rows"]:
                for code in TABLE_INDICATORS:
                    figure = row["values"][code]
                    expected = direct.get(row["key"], {}).get(code, (0, 0))
                    got = (figure["numerator"], figure["denominator"])
                    assert got == expected, (row["key"], code, got, expected)
                    assert figure["value"] == _pct(*expected), (row["key"], code, figure)

        def check_series(body: Any, direct: dict[str, tuple[int, int]]) -> None:
            assert len(body["points"]) == 12, len(body["points"])
            for point in body["points"]:
                expected = direct.get(point["period"], (0, 0))
                assert (point["numerator"], point["denominator"]) == expected, (point, expected)
                assert point["value"] == _pct(*expected)

        def check_ranking(body: Any, direct: list[tuple[str, str, int, int]]) -> None:
            got = [(row["key"], row["label"], row["numerator"], row["denominator"]) for row in body["rows"]]
            assert got == direct, (got[:3], direct[:3])

        cases: list[tuple[str, str, Callable[[], Any], Callable[[Any, Any], None]]] = [
            (
                "city table by district, 1 month",
                table_path,
                lambda: direct_table(cursor, month_start, month_end),
                check_table,
            ),
            (
                "one unit's 12-month series",
                series_path,
                lambda: direct_series(cursor, unit_id, year_start, month_end),
                check_series,
            ),
            (
                "top-20 units ranking, 1 month",
                ranking_path,
                lambda: direct_ranking(cursor, month_start, month_end),
                check_ranking,
            ),
        ]
        print(
            f"\nperiod {month_start} … {month_end} (series from {year_start}); unit {unit_id}; "
            f"{args.runs} API runs, {args.direct_runs} direct runs"
        )
        print(f"{'query':36} {'API p50':>9} {'API p95':>9} {'direct p50':>11} {'direct/API':>11}  answers")
        for name, path, direct_call, check in cases:
            api.json(path)  # warm-up: connections, imports
            api_ms, body = timed(args.runs, partial(api.json, path))
            direct_ms, direct = timed(args.direct_runs, direct_call)
            check(body, direct)
            ratio = median(direct_ms) / median(api_ms)
            results.append((name, median(api_ms), p95(api_ms), median(direct_ms), ratio))
            print(
                f"{name:36} {median(api_ms):7.1f}ms {p95(api_ms):7.1f}ms "
                f"{median(direct_ms):9.1f}ms {ratio:11.1f}  equal",
                flush=True,
            )

        first, last, rows = export_range(cursor, shape.last_day, EXPORT_RECORDS)
        workers = worker_pids(gunicorn.pid)
        before = max(peak_rss_mb(pid) for pid in workers)
        started = time.perf_counter()
        status, data = api.get(f"/api/v1/records/export.xlsx?date_from={first}&date_to={last}")
        seconds = time.perf_counter() - started
        assert status == 200, (status, data[:300])
        peak = max(peak_rss_mb(pid) for pid in workers)
        print(
            f"\nxlsx export of {rows:,} records ({first} … {last}): {seconds:.1f} s, {len(data) / 2**20:.1f} MiB; "
            f"worker peak RSS {peak:.0f} MB (before the export {before:.0f} MB) target<{TARGET_RSS_MB:.0f}"
        )
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        connection.close()

    if not args.keep and not args.reuse:
        drop = pymysql.connect(host="127.0.0.1", user="root")
        with drop.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{DB}`")
        drop.close()

    worst_p95 = max(result[2] for result in results)
    ratio = min(result[4] for result in results)
    ok = ratio >= TARGET_RATIO and worst_p95 <= TARGET_P95_MS and peak < TARGET_RSS_MB
    print(f"worst API p95 {worst_p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f}); peak RSS {peak:.0f} MB")
    print(f"ratio={ratio:.1f} target={TARGET_RATIO:.0f} {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
