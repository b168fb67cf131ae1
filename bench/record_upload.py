"""Record upload benchmark: concurrent submissions through gunicorn + MariaDB vs a bare Flask JSON endpoint.

Seeds a bench database with complete drafts (checked in, every item filled, checked out), starts miniback and
a bare Flask app under the same gunicorn configuration, and measures
  1. throughput: N submissions by C concurrent clients, vs N requests to the bare endpoint with the same bodies;
  2. latency at a fixed rate (20 requests/s, open loop): p50/p95/p99 of submissions.
The last line is ``ratio=<x> target=<y> ok`` (or FAIL): ok when ratio ≥ target and p95 ≤ 200 ms.

How the throughput is measured, so that both sides meet the same machine (2 cores shared with MariaDB, Redis, this
client and whatever else runs): after a warm-up of both servers (every gunicorn worker thread has opened its
connections and compiled its statements), the N requests of each side run in R alternating rounds (bare then
submit, then submit then bare, …), so a slow spell of the machine hits both sides alike instead of one of them.
Each side's throughput is its requests over its summed round times. One pool of C client threads with persistent
HTTP connections serves every round, so no round pays for new threads or TCP connections.

    .venv/bin/python bench/record_upload.py [--requests 300] [--rounds 6] [--concurrency 8] [--rate 20] [--seconds 15]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pymysql
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.keys import bench_key_env  # noqa: E402

DB_NAME = os.environ.get("BENCH_DATABASE", "miniback_bench_records")
DB_URL = f"mysql+pymysql://root@127.0.0.1/{DB_NAME}?charset=utf8mb4"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
APP_PORT, BARE_PORT = 18731, 18732
GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"]
TARGET_RATIO, TARGET_P95_MS = 0.15, 200.0
# Enough to reach every worker thread of both servers several times (connections opened, statements compiled).
WARMUP_SUBMISSIONS, WARMUP_BARE = 40, 200


def env() -> dict[str, str]:
    return {
        **os.environ,
        "MINIBACK_ENV_MODE": "production",
        "MINIBACK_SECRET_KEY": "bench-secret-key-with-enough-length-0000",
        "MINIBACK_SQLALCHEMY_DATABASE_URI": DB_URL,
        "MINIBACK_REDIS_URL": REDIS_URL,
        "MINIBACK_PUBLIC_BASE_URL": "https://lift.bench.example",
        **bench_key_env(),
        "MINIBACK_WECHAT_APPID": "wxbench0000000000",
        "MINIBACK_WECHAT_SECRET": "bench-secret",
        "MINIBACK_WECHAT_SIGNOFF_TEMPLATE_ID": "bench-signoff-template",
    }


def seed(drafts_needed: int) -> list[tuple[str, int]]:
    """A fresh bench database with ``drafts_needed`` complete drafts; returns (token, draft id) pairs."""
    conn = pymysql.connect(host="127.0.0.1", user="root")
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()
    os.environ.update(env())
    from flask_migrate import upgrade

    from miniback import create_app
    from miniback.auth.tokens import issue_token
    from miniback.extensions import db
    from miniback.models import DraftPhoto, ElevatorLocation, utcnow
    from miniback.records.drafts import draft_items, start_draft
    from miniback.records.onsite import Point, distance_to_elevator
    from miniback.records.templates import tsg_template
    from tests.factories.registry import make_elevator, make_staff, make_world

    app = create_app()
    pairs: list[tuple[str, int]] = []
    with app.app_context():
        upgrade()
        world = make_world()
        technicians = [world.tech1, world.tech2] + [
            make_staff(world.admin, "technician", world.team1) for _ in range(6)
        ]
        elevators = [make_elevator(world.admin, world.use_unit) for _ in range(40)]
        for elevator in elevators:
            db.session.add(
                ElevatorLocation(
                    elevator_id=elevator.id,
                    kind="initial",
                    lat=Decimal("23.1327"),
                    lng=Decimal("113.3322"),
                    accuracy_m=Decimal("10"),
                    coord_system="gcj02",
                    lat_gcj02=Decimal("23.1327"),
                    lng_gcj02=Decimal("113.3322"),
                    captured_by_id=world.tech1.id,
                    captured_at=utcnow(),
                )
            )
        db.session.flush()
        tokens = {tech.id: issue_token(tech, 24 * 3600)[0] for tech in technicians}
        template = tsg_template("traction", "half_month")
        start = utcnow() - timedelta(minutes=45)
        for index in range(drafts_needed):
            tech = technicians[index % len(technicians)]
            elevator = elevators[index % len(elevators)]
            draft = start_draft(tech, elevator, template)
            reference = db.session.execute(
                db.select(ElevatorLocation).where(ElevatorLocation.elevator_id == elevator.id)
            ).scalar_one()
            for prefix, at in (("check_in", start), ("check_out", start + timedelta(minutes=40))):
                point = Point(Decimal("23.1328"), Decimal("113.3322"), Decimal("8"), "gcj02", at)
                setattr(draft, f"{prefix}_at", at)
                setattr(draft, f"{prefix}_received_at", at)
                setattr(draft, f"{prefix}_lat", point.lat)
                setattr(draft, f"{prefix}_lng", point.lng)
                setattr(draft, f"{prefix}_accuracy_m", point.accuracy_m)
                setattr(draft, f"{prefix}_coord_system", "gcj02")
                setattr(draft, f"{prefix}_distance_m", distance_to_elevator(reference, point))
            for item in draft_items(draft):
                item.result = "normal"
            # A photo for every required position, as the mini-program uploads them before submitting: the
            # submission checks and freezes them (rows only: it never reads or decodes the stored bytes, so the
            # bench inserts the rows an upload would have written).
            for seq, position in enumerate(draft.photo_positions or []):
                digest = hashlib.sha256(f"bench-photo-{draft.id}-{seq}".encode()).hexdigest()
                db.session.add(
                    DraftPhoto(
                        draft_id=draft.id,
                        position=position["code"],
                        sha256=digest,
                        phash=digest[:16],
                        format="jpeg",
                        width=1600,
                        height=1200,
                        size_bytes=350_000,
                        captured_at=start + timedelta(minutes=5 + seq),
                        received_at=start + timedelta(minutes=5 + seq),
                        lat=Decimal("23.1328"),
                        lng=Decimal("113.3322"),
                        accuracy_m=Decimal("8"),
                        coord_system="gcj02",
                        uploaded_by_id=tech.id,
                    )
                )
            pairs.append((tokens[tech.id], draft.id))
            if index % 100 == 99:
                db.session.commit()
                print(f"  seeded {index + 1}/{drafts_needed} drafts", flush=True)
        db.session.commit()
        db.engine.dispose()
    return pairs


def serve(target: str, port: int, environment: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``target`` under this benchmark's gunicorn configuration, once it answers (``environment``: other settings,
    e.g. another benchmark's database)."""
    command = [str(Path(sys.executable).with_name("gunicorn")), *GUNICORN, "--bind", f"127.0.0.1:{port}", target]
    process = subprocess.Popen(command, cwd=ROOT, env=environment or env())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn on port {port} did not start")


_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    session: requests.Session = _local.session
    return session


def post(url: str, body: dict[str, Any], token: str | None, expect: int) -> float:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    try:
        response = _session().post(url, json=body, headers=headers, timeout=30)
    except requests.ConnectionError:
        # gunicorn closes a keep-alive connection idle for 2 s (a side's connections wait while the other side
        # runs its round): the request went out on a connection the server had just closed, so it never reached
        # the app. Send it again on a new connection, as browsers do; the time lost stays in its latency.
        response = _session().post(url, json=body, headers=headers, timeout=30)
    elapsed = time.perf_counter() - started
    if response.status_code != expect:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed


def body(signature: str) -> dict[str, Any]:
    from miniback.models import utcnow

    return {"signature_png": signature, "device_submitted_at": utcnow().isoformat()}


Job = tuple[str, str | None, int]


def timed_round(pool: ThreadPoolExecutor, jobs: list[Job], signature: str) -> tuple[float, list[float]]:
    """Run ``jobs`` on the pool's threads; returns the round's duration (s) and each request's latency."""
    started = time.perf_counter()
    latencies = list(pool.map(lambda job: post(job[0], body(signature), job[1], job[2]), jobs))
    return time.perf_counter() - started, latencies


def interleaved(
    pool: ThreadPoolExecutor, sides: dict[str, list[Job]], rounds: int, signature: str
) -> dict[str, tuple[float, list[float]]]:
    """Each side's jobs split into ``rounds`` rounds, the sides alternating (and swapping order every round);
    returns each side's throughput (requests over summed round time) and latencies."""
    spent = dict.fromkeys(sides, 0.0)
    latencies: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            jobs = sides[name]
            chunk = jobs[index * len(jobs) // rounds : (index + 1) * len(jobs) // rounds]
            seconds, lat = timed_round(pool, chunk, signature)
            spent[name] += seconds
            latencies[name] += lat
        round_rps = {name: len(latencies[name]) / spent[name] for name in names}
        print(f"  after round {index + 1}/{rounds}: " + "  ".join(f"{n} {r:.1f} req/s" for n, r in round_rps.items()))
    return {name: (len(sides[name]) / spent[name], latencies[name]) for name in names}


def fixed_rate(jobs: list[tuple[str, str | None, int]], signature: str, rate: float) -> list[float]:
    """Open loop: requests start on schedule whatever the previous ones are doing."""
    latencies: list[float] = []
    with ThreadPoolExecutor(64) as pool:
        futures = []
        start = time.perf_counter()
        for index, job in enumerate(jobs):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(post, job[0], body(signature), job[1], job[2]))
        latencies = [future.result() for future in futures]
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    at_rate = int(args.rate * args.seconds)
    print(f"seeding {args.requests + at_rate + WARMUP_SUBMISSIONS} complete drafts into {DB_NAME} …", flush=True)
    pairs = seed(args.requests + at_rate + WARMUP_SUBMISSIONS)

    from tests.factories.signatures import signature_png

    signature = base64.b64encode(signature_png()).decode()
    app_url, bare_url = f"http://127.0.0.1:{APP_PORT}", f"http://127.0.0.1:{BARE_PORT}"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(serve("wsgi:app", APP_PORT))
        processes.append(serve("bench.bare_app:app", BARE_PORT))
        submit_jobs = [(f"{app_url}/api/v1/drafts/{draft}/submit", token, 201) for token, draft in pairs]
        warmup, timed = submit_jobs[:WARMUP_SUBMISSIONS], submit_jobs[WARMUP_SUBMISSIONS:][: args.requests]
        paced = submit_jobs[WARMUP_SUBMISSIONS + args.requests :]
        bare_job: Job = (f"{bare_url}/bare", None, 201)
        with ThreadPoolExecutor(args.concurrency) as pool:
            timed_round(pool, warmup, signature)
            timed_round(pool, [bare_job] * WARMUP_BARE, signature)
            measured = interleaved(pool, {"bare": [bare_job] * args.requests, "submit": timed}, args.rounds, signature)
        (bare_rps, bare_lat), (app_rps, app_lat) = measured["bare"], measured["submit"]
        paced_lat = fixed_rate(paced, signature, args.rate)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    ratio = app_rps / bare_rps
    p95 = pct(paced_lat, 0.95)
    print(
        f"gunicorn {' '.join(GUNICORN)}; concurrency {args.concurrency}; "
        f"{args.requests} requests each in {args.rounds} alternating rounds"
    )
    for label, rps, lat in (("bare flask json:  ", bare_rps, bare_lat), ("record submission:", app_rps, app_lat)):
        print(f"{label} {rps:8.1f} req/s   p50 {pct(lat, 0.5):6.1f} ms   p95 {pct(lat, 0.95):6.1f} ms")
    print(
        f"at {args.rate:.0f} req/s for {args.seconds:.0f} s ({len(paced_lat)} submissions): "
        f"p50 {pct(paced_lat, 0.5):.1f} ms  p95 {p95:.1f} ms  p99 {pct(paced_lat, 0.99):.1f} ms  "
        f"max {max(paced_lat) * 1000:.1f} ms (target p95 ≤ {TARGET_P95_MS:.0f} ms)"
    )
    ok = ratio >= TARGET_RATIO and p95 <= TARGET_P95_MS
    print(f"ratio={ratio:.3f} target={TARGET_RATIO} {'ok' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
