"""Platform upload benchmark: signed batches of 100 records against the mini-program's own submissions of the same
records, both through gunicorn + MariaDB, in the same run.

Seeds a bench database with one maintenance unit (technicians with operator certificates, elevators with a known
location, a use unit) and one connected platform it authorised, with an Ed25519 key. Every record is the same
shape on both sides: a half-month job on one elevator by one technician, checked in and out on site, every item of
the template ``normal``, the technician's signature image. Each record has its own technician time slot, so no
record overlaps another (the overlap check would otherwise grow with the run).

- **single**: the mini-program's real request sequence for one record, one request after another, as the phone
  sends it: ``POST /drafts``, ``POST …/check-in``, ``POST …/check-out``, ``PUT …/results``, ``POST …/submit``.
  ``--concurrency`` technicians at once (the phones of a busy morning).
- **batch**: ``POST /api/v1/platform/records/batch`` with 100 complete records, signed (``MINIBACK-SIG-V1``, a
  fresh nonce each), ``--batch-concurrency`` requests at once (a platform's uploader: one per gunicorn worker),
  each on a new connection (so it reaches a free worker, as behind a load balancer).

After a warm-up of both, the records of each side run in ``--rounds`` alternating rounds (single then batch, then
batch then single, …) so a slow spell of the shared machine hits both alike; each side's records/s is its records
over its summed round time. Then ``--seconds`` of back-to-back batches give the sustained records/s. Batch p95 is
over every timed batch. Finally the records are counted in the database, and ``ledger verify``'s origin pass
(``signoff.ledger.origins``) is timed over every uploaded record, for information.

Targets: batch records/s ÷ single records/s ≥ 3.0, and batch p95 ≤ 2 s. The last line is
``ratio=<x> target=3.0 ok`` (or ``FAIL``).

    .venv/bin/python bench/platform_upload.py [--single 400] [--batches 16] [--rounds 4] [--concurrency 8]
        [--batch-concurrency 2] [--seconds 30]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pymysql
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import record_upload  # noqa: E402 (the same server and settings, run the same way)
from bench.record_upload import GUNICORN, _session, serve  # noqa: E402

DB_NAME = os.environ.get("BENCH_DATABASE", "miniback_bench_platform")
DB_URL = f"mysql+pymysql://root@127.0.0.1/{DB_NAME}?charset=utf8mb4"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
APP_PORT = 18741
TARGET_RATIO, TARGET_P95_S = 3.0, 2.0
BATCH = 100
TECHNICIANS, ELEVATORS = 80, 200
# Each technician's jobs, one after another: 21 minutes on site (over the half-month minimum), 25 minutes apart.
SLOT, ON_SITE = timedelta(minutes=25), timedelta(minutes=21)
WARMUP_SINGLE, WARMUP_BATCHES = 16, 2
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH_PATH = "/api/v1/platform/records/batch"
SITE = (Decimal("23.1327"), Decimal("113.3322"))


def env() -> dict[str, str]:
    """The record-upload benchmark's production settings, with this benchmark's database and Redis."""
    return {**record_upload.env(), "MINIBACK_SQLALCHEMY_DATABASE_URI": DB_URL, "MINIBACK_REDIS_URL": REDIS_URL}


@dataclass(frozen=True)
class Job:
    """One record: who, where, when (the same on both sides)."""

    index: int
    token: str
    certificate_no: str
    elevator_id: int
    device_code: str
    check_in: datetime
    check_out: datetime


@dataclass
class World:
    jobs: list[Job]
    codes: list[str]  # the half-month template's item codes, all answered "normal"
    key_id: str
    private_pem: bytes
    # The half-month photo positions: both paths upload no photo, each with a reason (the comparison is about
    # records, and a photo's upload is its own request).
    missing_photos: list[dict[str, str]]


def seed(records: int) -> World:
    """A fresh bench database: one unit, its people and elevators, one connected platform it authorised."""
    conn = pymysql.connect(host="127.0.0.1", user="root")
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()
    os.environ.update(env())
    import redis
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from flask_migrate import upgrade

    from miniback import create_app
    from miniback.auth.tokens import issue_token
    from miniback.extensions import db
    from miniback.models import (
        Account,
        ElevatorLocation,
        PlatformAuthorisation,
        PlatformClient,
        PlatformKey,
        utcnow,
    )
    from miniback.records.templates import tsg_template
    from miniback.registry.staff import create_staff
    from signoff.ledger.origin import load_public_key
    from tests.factories.registry import make_elevator, make_world

    with redis.Redis.from_url(REDIS_URL) as connection:
        connection.flushdb()
    app = create_app()
    with app.app_context():
        upgrade()
        world = make_world()
        technicians = [
            create_staff(
                world.admin,
                {
                    "role": "technician",
                    "name": f"技术员{n}",
                    "mobile": f"1370000{n:04d}",
                    "certificate_no": f"TS-BENCH-{n:05d}",
                },
                world.team1,
            )
            for n in range(TECHNICIANS)
        ]
        elevators = [make_elevator(world.admin, world.use_unit) for _ in range(ELEVATORS)]
        now = utcnow()
        for elevator in elevators:
            db.session.add(
                ElevatorLocation(
                    elevator_id=elevator.id,
                    kind="initial",
                    lat=SITE[0],
                    lng=SITE[1],
                    accuracy_m=Decimal("10"),
                    coord_system="gcj02",
                    lat_gcj02=SITE[0],
                    lng_gcj02=SITE[1],
                    captured_by_id=world.tech1.id,
                    captured_at=now,
                )
            )
        account = Account(role="platform_client", name="基准测试平台", username="platform-bench")
        db.session.add(account)
        db.session.flush()
        client = PlatformClient(
            code="bench",
            name="基准测试维保平台",
            company_name="广州基准科技有限公司",
            company_credit_code="91440101MA5BENCH0X",
            contact_name="王工",
            contact_phone="020-12345678",
            status="connected",
            connected_at=now,
            account_id=account.id,
            created_by_id=world.admin.id,
        )
        db.session.add(client)
        db.session.flush()
        private = ed25519.Ed25519PrivateKey.generate()
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        public = load_public_key(public_pem.decode())
        key_id = "pk_" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(20))
        db.session.add(
            PlatformKey(
                key_id=key_id,
                platform_client_id=client.id,
                algorithm=public.algorithm,
                public_key_pem=public.pem,
                fingerprint=public.fingerprint,
            )
        )
        db.session.add(
            PlatformAuthorisation(
                platform_client_id=client.id, maintenance_unit_id=world.unit.id, granted_by_id=world.admin.id
            )
        )
        tokens = [issue_token(tech, 24 * 3600)[0] for tech in technicians]
        codes = [item.code for item in tsg_template(elevators[0].elevator_type, "half_month").items]
        slots = -(-records // TECHNICIANS)
        first = now - slots * SLOT - timedelta(minutes=30)
        jobs = []
        for index in range(records):
            tech, elevator = index % TECHNICIANS, elevators[index % ELEVATORS]
            start = first + (index // TECHNICIANS) * SLOT
            certificate = technicians[tech].certificate_no
            assert certificate is not None
            jobs.append(
                Job(index, tokens[tech], certificate, elevator.id, elevator.device_code, start, start + ON_SITE)
            )
        db.session.commit()
        db.engine.dispose()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    from miniback.records.photos import shipped_positions

    missing = [{"position": p.code, "reason": "压测记录，未拍照"} for p in shipped_positions("traction", "half_month")]
    return World(jobs, codes, key_id, private_pem, missing)


def call(method: str, url: str, expect: int, **kwargs: Any) -> Any:
    try:
        response = _session().request(method, url, timeout=60, **kwargs)
    except requests.ConnectionError:
        # gunicorn closes a keep-alive connection idle for 2 s (one side's connections wait while the other side
        # runs its round): the request went out on a connection the server had just closed and never reached
        # the app. Sent again on a new connection, as browsers do.
        response = _session().request(method, url, timeout=60, **kwargs)
    if response.status_code != expect:
        raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:400]}")
    return response.json()


def _point(**extra: Any) -> dict[str, Any]:
    return {"lat": float(SITE[0]) + 0.0001, "lng": float(SITE[1]), "accuracy_m": 8.0, "coord_system": "gcj02"} | extra


def local(at: datetime) -> str:
    return at.astimezone(SHANGHAI).isoformat()


class Client:
    """Both sides' requests for a job."""

    def __init__(self, base: str, world: World, signature: str) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        self.base, self.world, self.signature = base, world, signature
        key = serialization.load_pem_private_key(world.private_pem, password=None)
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        self.key = key

    def single(self, job: Job) -> float:
        """The mini-program's sequence for one record; returns its duration (s)."""
        started = time.perf_counter()
        headers = {"Authorization": f"Bearer {job.token}"}
        api = f"{self.base}/api/v1"
        draft = call(
            "POST",
            f"{api}/drafts",
            201,
            json={"elevator_id": job.elevator_id, "category": "half_month"},
            headers=headers,
        )
        drafts = f"{api}/drafts/{draft['id']}"
        call("POST", f"{drafts}/check-in", 200, json=_point(captured_at=local(job.check_in)), headers=headers)
        call("POST", f"{drafts}/check-out", 200, json=_point(captured_at=local(job.check_out)), headers=headers)
        results = [{"code": code, "result": "normal"} for code in self.world.codes]
        call("PUT", f"{drafts}/results", 200, json={"results": results}, headers=headers)
        completed = job.check_out + timedelta(minutes=1)
        body = {
            "signature_png": self.signature,
            "device_submitted_at": local(completed),
            "missing_photos": self.world.missing_photos,
        }
        call("POST", f"{drafts}/submit", 201, json=body, headers=headers)
        return time.perf_counter() - started

    def record(self, job: Job) -> dict[str, Any]:
        """The same record as a platform uploads it (RecordUpload)."""
        return {
            "platform_record_id": f"bench-{job.index}",
            "elevator": {"device_code": job.device_code},
            "technicians": [{"certificate_no": job.certificate_no}],
            "category": "half_month",
            "check_in": _point(at=local(job.check_in)),
            "check_out": _point(at=local(job.check_out)),
            "results": [{"code": code, "result": "normal"} for code in self.world.codes],
            "signature_png": self.signature,
            "completed_at": local(job.check_out + timedelta(minutes=1)),
            "missing_photos": self.world.missing_photos,
        }

    def authorization(self, method: str, path: str, raw: bytes) -> str:
        from signoff.ledger.origin import string_to_sign

        timestamp = datetime.now(SHANGHAI).isoformat(timespec="seconds")
        nonce = secrets.token_urlsafe(18)
        signature = base64.b64encode(self.key.sign(string_to_sign(method, path, timestamp, nonce, raw))).decode()
        return (
            f'MINIBACK-SIG-V1 key_id="{self.world.key_id}", timestamp="{timestamp}", nonce="{nonce}", '
            f'signature="{signature}"'
        )

    def batch(self, jobs: list[Job]) -> float:
        """One signed batch of these jobs' records; every item must be created. Returns its duration (s)."""
        raw = json.dumps({"records": [self.record(job) for job in jobs]}).encode()
        started = time.perf_counter()
        # Each batch on a connection of its own, as a platform's uploader behind a load balancer sends it: the new
        # connection goes to a gunicorn worker that is free. A kept-alive one would pin both uploaders to whichever
        # worker accepted them first, for the whole run (seconds-long requests, few connections), and time one
        # process's GIL instead of the server. A connection costs about a millisecond against a batch's seconds.
        headers = {
            "Content-Type": "application/json",
            "Authorization": self.authorization("POST", BATCH_PATH, raw),
            "Connection": "close",
        }
        answer = call("POST", f"{self.base}{BATCH_PATH}", 200, data=raw, headers=headers)
        elapsed = time.perf_counter() - started
        results = [item["result"] for item in answer["results"]]
        if len(results) != len(jobs) or set(results) - {"created", "duplicate"}:
            refused = [item for item in answer["results"] if item["result"] not in ("created", "duplicate")]
            raise RuntimeError(f"batch refused items: {refused[:3]}")
        return elapsed


def timed(pool: ThreadPoolExecutor, work: Callable[[Any], float], units: list[Any]) -> tuple[float, list[float]]:
    """Run ``work`` over ``units`` on the pool; returns the wall time (s) and each unit's own duration."""
    started = time.perf_counter()
    durations = list(pool.map(work, units))
    return time.perf_counter() - started, durations


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def chunks(jobs: list[Job], size: int) -> list[list[Job]]:
    return [jobs[start : start + size] for start in range(0, len(jobs), size)]


def count_and_verify() -> tuple[int, int, int, float]:
    """(records, production uploads, origin problems, seconds the origin pass took) in the bench database."""
    from miniback import create_app
    from miniback.extensions import db
    from signoff.ledger.origins import verify_origins

    app = create_app()
    with app.app_context():
        records = db.session.execute(db.text("SELECT COUNT(*) FROM maintenance_record")).scalar_one()
        started = time.perf_counter()
        checked, problems = verify_origins()
        elapsed = time.perf_counter() - started
        for problem in problems[:5]:
            print(f"  origin problem: {problem}")
        db.engine.dispose()
    return int(records), checked, len(problems), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=400, help="records submitted through the mini-program")
    parser.add_argument("--batches", type=int, default=16, help="timed batches of 100 in the alternating rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8, help="mini-program clients at once")
    parser.add_argument("--batch-concurrency", type=int, default=2, help="batch requests at once")
    parser.add_argument("--seconds", type=float, default=30.0, help="sustained batches, back to back")
    parser.add_argument("--sustained-max", type=int, default=60, help="batches seeded for the sustained phase")
    args = parser.parse_args()
    singles_needed = WARMUP_SINGLE + args.single
    batches_needed = WARMUP_BATCHES + args.batches + args.sustained_max
    total = singles_needed + batches_needed * BATCH
    print(f"seeding {DB_NAME}: {TECHNICIANS} technicians, {ELEVATORS} elevators, {total} job slots …", flush=True)
    world = seed(total)
    # Interleaved, so both sides' records spread over the same technicians, days and elevators.
    single_jobs = world.jobs[: singles_needed * 2 : 2][:singles_needed]
    taken = {job.index for job in single_jobs}
    batch_jobs = chunks([job for job in world.jobs if job.index not in taken], BATCH)[:batches_needed]

    from tests.factories.signatures import signature_b64

    client = Client(f"http://127.0.0.1:{APP_PORT}", world, signature_b64(7))
    process = serve("wsgi:app", APP_PORT, env())
    load_before = os.getloadavg()[0]
    batch_times: list[float] = []
    spent = {"single": 0.0, "batch": 0.0}
    done = {"single": 0, "batch": 0}
    try:
        with ThreadPoolExecutor(args.concurrency) as singles, ThreadPoolExecutor(args.batch_concurrency) as batches:
            timed(singles, client.single, single_jobs[:WARMUP_SINGLE])
            timed(batches, client.batch, batch_jobs[:WARMUP_BATCHES])
            single_timed, batch_timed = single_jobs[WARMUP_SINGLE:], batch_jobs[WARMUP_BATCHES:][: args.batches]
            sides: dict[str, tuple[ThreadPoolExecutor, Callable[[Any], float], list[Any], int]] = {
                "single": (singles, client.single, single_timed, 1),
                "batch": (batches, client.batch, batch_timed, BATCH),
            }
            for index in range(args.rounds):
                for name in list(sides) if index % 2 == 0 else reversed(list(sides)):
                    pool, work, units, per_unit = sides[name]
                    part = units[index * len(units) // args.rounds : (index + 1) * len(units) // args.rounds]
                    seconds, durations = timed(pool, work, part)
                    spent[name] += seconds
                    done[name] += len(part) * per_unit
                    if name == "batch":
                        batch_times += durations
                print(
                    f"  after round {index + 1}/{args.rounds}: "
                    + "  ".join(f"{name} {done[name] / spent[name]:.1f} records/s" for name in sides),
                    flush=True,
                )
            # Sustained: batches back to back for the given time (each client sends its next as soon as one ends).
            remaining = batch_jobs[WARMUP_BATCHES + args.batches :]
            lock, sustained_times = threading.Lock(), []
            started = time.perf_counter()
            stop_at = started + args.seconds

            def uploader() -> int:
                sent = 0
                while time.perf_counter() < stop_at:
                    with lock:
                        if not remaining:
                            return sent
                        batch = remaining.pop(0)
                    duration = client.batch(batch)
                    with lock:
                        sustained_times.append(duration)
                    sent += len(batch)
                return sent

            sustained_records = sum(
                future.result() for future in [batches.submit(uploader) for _ in range(args.batch_concurrency)]
            )
            sustained_seconds = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(10)
    load_after = os.getloadavg()[0]
    if not remaining:
        print(f"  (the sustained phase ran out of seeded batches: raise --sustained-max above {args.sustained_max})")
    batch_times += sustained_times
    single_rps, batch_rps = done["single"] / spent["single"], done["batch"] / spent["batch"]
    sustained_rps = sustained_records / sustained_seconds
    ratio = batch_rps / single_rps
    p95 = pct(batch_times, 0.95)
    records, uploads, problems, verify_seconds = count_and_verify()
    expected = len(single_jobs) + (WARMUP_BATCHES * BATCH + done["batch"] + sustained_records)
    print(
        f"gunicorn {' '.join(GUNICORN)}; mini-program concurrency {args.concurrency}, batch concurrency "
        f"{args.batch_concurrency}; {done['single']} single records and {done['batch']} batch records in "
        f"{args.rounds} alternating rounds; load average {load_before:.1f} before, {load_after:.1f} after "
        f"({os.cpu_count()} cores shared with MariaDB, Redis and this client)"
    )
    print(f"mini-program (5 requests per record): {single_rps:8.1f} records/s")
    print(f"signed batches of {BATCH}:            {batch_rps:8.1f} records/s")
    print(
        f"batch latency over {len(batch_times)} batches: p50 {pct(batch_times, 0.5):.2f} s  p95 {p95:.2f} s  "
        f"max {max(batch_times):.2f} s (target p95 ≤ {TARGET_P95_S:.0f} s)"
    )
    print(
        f"sustained: {sustained_records} records in {sustained_seconds:.1f} s = {sustained_rps:.1f} records/s "
        f"(batches back to back, {args.batch_concurrency} at once)"
    )
    print(
        f"database: {records} records (sent {expected}); ledger verify's origin pass: {uploads} uploads in "
        f"{verify_seconds:.2f} s, {problems} problems"
    )
    ok = ratio >= TARGET_RATIO and p95 <= TARGET_P95_S and problems == 0 and records == expected
    print(f"ratio={ratio:.2f} target={TARGET_RATIO} {'ok' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
