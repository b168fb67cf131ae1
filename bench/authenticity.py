"""Authenticity benchmark: a planted-fraud data set built through the real API, and the flags' recall on it.

Genuine work: technicians doing their rounds over several days in normal hours — GPS fixes jittered 5–60 m around
each elevator (independently at check-in and check-out, accuracy 5–60 m), durations by category above the minimum,
travel between consecutive jobs at city speeds, a different photo for every required position, each record
uploaded minutes after its check-out. Among them, planted cases of each fraud kind (each kind's own technicians
and elevators, so one plant never explains another's flag):

  off_site        check-out 350–900 m from the elevator                      → flag_distance
  too_short       a job well under its category's minimum                     → flag_duration
  two_places      one technician checked in on two elevators at once          → flag_overlap
  impossible_trip two consecutive jobs 15–25 km apart, 4–9 minutes between    → impossible_travel
  photo_exact     a photo of another record uploaded again, byte for byte     → photo_reused
  photo_altered   another record's photo re-encoded (quality 55) or cropped 2% → photo_reused
  mock_location   a mock-location app: accuracy 0, or one point for a whole job → suspect_location
  night_bulk      a technician's records uploaded together at night          → bulk_upload
  late_upload     records uploaded together a day or two after the jobs      → bulk_upload

Every request goes through the app's test client (the real views, validation, submission and signals) on a
MariaDB database of its own. The clock: ``miniback.models.types.utcnow`` reads a bench clock, set before each
request to the moment the phone would send it (device times in the past, server receive times controlled).

It prints each kind's recall and the share of genuine records that got any flag (column or ``record_flag``), and
ends ``ratio=<min recall> target=1.0 ok`` (or FAIL; FAIL too when false flags reach 2%).

    .venv/bin/python bench/authenticity.py [--genuine 2000] [--per-kind 50]
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import os
import random
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pymysql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_DATABASE", "miniback_bench_authenticity")
DB_URL = f"mysql+pymysql://root@127.0.0.1/{DB_NAME}?charset=utf8mb4"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
TARGET_RECALL, MAX_FALSE_FLAG_RATE = 1.0, 0.02
CENTRE = (23.1291, 113.2644)  # Guangzhou (GCJ-02)
KINDS = {
    "off_site": "flag_distance",
    "too_short": "flag_duration",
    "two_places": "flag_overlap",
    "impossible_trip": "impossible_travel",
    "photo_exact": "photo_reused",
    "photo_altered": "photo_reused",
    "mock_location": "suspect_location",
    "night_bulk": "bulk_upload",
    "late_upload": "bulk_upload",
}
DURATION_MINUTES = {"half_month": (25, 55), "quarter": (36, 70), "half_year": (52, 95), "year": (68, 120)}
CATEGORY_WEIGHTS = (("half_month", 0.7), ("quarter", 0.15), ("half_year", 0.1), ("year", 0.05))
rng = random.Random(1919)
PHOTO_SEEDS = itertools.count(1)  # every fresh photo its own image, across threads


class _Clock(threading.local):
    """The server's clock for the next request of this thread (``miniback.models.types.utcnow`` reads it)."""

    now = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


Clock = _Clock()


def install_clock() -> None:
    import miniback.models.types as types

    class BenchDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return Clock.now.astimezone(tz) if tz is not None else Clock.now.replace(tzinfo=None)

    types.datetime = BenchDatetime  # type: ignore[misc]


def offset(point: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    dlat = metres * math.cos(bearing) / 111195.0
    dlng = metres * math.sin(bearing) / (111195.0 * math.cos(math.radians(point[0])))
    return point[0] + dlat, point[1] + dlng


def jitter(point: tuple[float, float], low: float = 5, high: float = 60) -> tuple[float, float]:
    return offset(point, rng.uniform(low, high), rng.uniform(0, 2 * math.pi))


def photo_bytes(seed: int, *, quality: int = 85, crop: float = 0.0, source: bytes | None = None) -> bytes:
    from PIL import Image

    if source is not None:
        image = Image.open(io.BytesIO(source)).convert("RGB")
    else:
        local = random.Random(seed)
        small = Image.frombytes("RGB", (8, 6), bytes(local.randrange(256) for _ in range(8 * 6 * 3)))
        image = small.resize((320, 240), Image.Resampling.BICUBIC)
    if crop:
        width, height = image.size
        dx, dy = int(width * crop / 2), int(height * crop / 2)
        image = image.crop((dx, dy, width - dx, height - dy)).resize((width, height), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@dataclass
class JobPlan:
    tech: Any
    elevator: Any
    site: tuple[float, float]
    category: str
    check_in_at: datetime
    minutes: float
    received_at: datetime
    check_in_where: tuple[float, float] | None = None
    check_out_where: tuple[float, float] | None = None
    accuracy_in: float | None = None
    accuracy_out: float | None = None
    photos: dict[int, bytes] = field(default_factory=dict)  # by position index, replacing the fresh photo
    kind: str = "genuine"
    subject: bool = True  # a planted case's record that must carry the kind's flag
    record_id: int | None = None
    photo_data: list[bytes] = field(default_factory=list)


class Runner:
    def __init__(self, client: Any, token: Any) -> None:
        self.client, self.token = client, token
        self.requests = 0

    def call(self, method: str, url: str, tech: Any, at: datetime, body: Any = None) -> Any:
        Clock.now = at
        self.requests += 1
        response = self.client.open(
            url, method=method, json=body, headers={"Authorization": f"Bearer {self.token[tech.id]}"}
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.json}")
        return response.json

    def run(self, job: JobPlan) -> int:
        from tests.factories.signatures import signature_b64

        start = job.check_in_at - timedelta(minutes=2)
        draft = self.call(
            "POST", "/api/v1/drafts", job.tech, start, {"elevator_id": job.elevator.id, "category": job.category}
        )
        check_in = job.check_in_where or jitter(job.site)
        accuracy_in = job.accuracy_in if job.accuracy_in is not None else round(rng.uniform(5, 60), 1)
        self.call(
            "POST",
            f"/api/v1/drafts/{draft['id']}/check-in",
            job.tech,
            job.check_in_at,
            point(check_in, accuracy_in, job.check_in_at),
        )
        results = [{"code": item["code"], "result": "normal"} for item in draft["items"]]
        out_at = job.check_in_at + timedelta(minutes=job.minutes)
        for index, position in enumerate(draft["photo_positions"]):
            data = job.photos.get(index) or photo_bytes(next(PHOTO_SEEDS))
            job.photo_data.append(data)
            captured = job.check_in_at + (out_at - job.check_in_at) * (index + 1) / (len(draft["photo_positions"]) + 1)
            body = {
                "position": position["code"],
                "image_base64": __import__("base64").b64encode(data).decode(),
                "captured_at": captured.isoformat(),
                "location": {"lat": check_in[0], "lng": check_in[1], "accuracy_m": 20.0, "coord_system": "gcj02"},
            }
            self.call("POST", f"/api/v1/drafts/{draft['id']}/photos", job.tech, captured + timedelta(seconds=20), body)
        self.call(
            "PUT",
            f"/api/v1/drafts/{draft['id']}/results",
            job.tech,
            out_at - timedelta(minutes=1),
            {"results": results},
        )
        check_out = job.check_out_where or jitter(job.site)
        accuracy_out = job.accuracy_out if job.accuracy_out is not None else round(rng.uniform(5, 60), 1)
        self.call(
            "POST", f"/api/v1/drafts/{draft['id']}/check-out", job.tech, out_at, point(check_out, accuracy_out, out_at)
        )
        body = {"signature_png": signature_b64(), "device_submitted_at": (out_at + timedelta(seconds=30)).isoformat()}
        record = self.call("POST", f"/api/v1/drafts/{draft['id']}/submit", job.tech, job.received_at, body)
        job.record_id = record["id"]
        return int(record["id"])


def point(where: tuple[float, float], accuracy: float, at: datetime) -> dict[str, Any]:
    return {
        "lat": round(where[0], 7),
        "lng": round(where[1], 7),
        "accuracy_m": accuracy,
        "coord_system": "gcj02",
        "captured_at": at.isoformat(),
    }


def local(day: date, hour: int, minute: int = 0) -> datetime:
    from miniback.records.calendar import SHANGHAI

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def category() -> str:
    roll, total = rng.random(), 0.0
    for name, weight in CATEGORY_WEIGHTS:
        total += weight
        if roll < total:
            return name
    return "half_month"


def genuine_round(
    tech: Any, elevators: list[Any], sites: dict[int, tuple[float, float]], day: date, jobs: int
) -> list[JobPlan]:
    """A technician's working day: jobs from 08:30, each elevator near the last, honest travel and uploads."""
    plans: list[JobPlan] = []
    at = local(day, 8, rng.randrange(20, 50))
    previous: tuple[float, float] | None = None
    pool = list(elevators)
    rng.shuffle(pool)
    for elevator in pool[:jobs]:
        site = sites[elevator.id]
        if previous is not None:
            metres = _distance(previous, site)
            # City driving at 15–35 km/h, plus parking and finding the machine room.
            at += timedelta(minutes=metres / 1000 / rng.uniform(15, 35) * 60 + rng.uniform(8, 25))
        kind = category()
        minutes = rng.uniform(*DURATION_MINUTES[kind])
        received = at + timedelta(minutes=minutes + rng.uniform(1, 20))
        plans.append(JobPlan(tech, elevator, site, kind, at, minutes, received))
        at += timedelta(minutes=minutes)
        previous = site
    return plans


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    from miniback.records.geo import haversine_m

    return haversine_m(a[0], a[1], b[0], b[1])


def build(args: argparse.Namespace) -> tuple[list[JobPlan], Any]:
    from miniback.auth.tokens import issue_token
    from miniback.extensions import db
    from miniback.models import ElevatorLocation
    from tests.factories.registry import make_elevator, make_staff, make_world

    world = make_world()
    genuine_techs = [make_staff(world.admin, "technician", world.team1, f"维保{i}") for i in range(args.technicians)]
    # Elevators in clusters around the city (a technician's area), 0.3–4 km apart inside a cluster.
    sites: dict[int, tuple[float, float]] = {}
    areas: list[list[Any]] = []
    for _ in range(args.technicians):
        centre = offset(CENTRE, rng.uniform(0, 9000), rng.uniform(0, 2 * math.pi))
        members = []
        for _ in range(12):
            elevator = make_elevator(world.admin, world.use_unit)
            sites[elevator.id] = offset(centre, rng.uniform(300, 4000), rng.uniform(0, 2 * math.pi))
            members.append(elevator)
        areas.append(members)
    plant_techs = {
        kind: [make_staff(world.admin, "technician", world.team2, f"人员{i}") for i in range(args.per_kind)]
        for kind in KINDS
    }
    plant_elevators = []
    for _ in range(args.per_kind * 2):
        elevator = make_elevator(world.admin, world.use_unit)
        sites[elevator.id] = offset(CENTRE, rng.uniform(0, 12000), rng.uniform(0, 2 * math.pi))
        plant_elevators.append(elevator)
    for elevator_id, (lat, lng) in sites.items():
        db.session.add(
            ElevatorLocation(
                elevator_id=elevator_id, kind="initial", lat=Decimal(f"{lat:.7f}"), lng=Decimal(f"{lng:.7f}"),
                accuracy_m=Decimal("10"), coord_system="gcj02", lat_gcj02=Decimal(f"{lat:.7f}"),
                lng_gcj02=Decimal(f"{lng:.7f}"), captured_by_id=world.admin.id, captured_at=Clock.now,
            )
        )  # fmt: skip
    everyone = [*genuine_techs, *(tech for techs in plant_techs.values() for tech in techs)]
    tokens = {tech.id: issue_token(tech, 60 * 24 * 3600)[0] for tech in everyone}
    db.session.commit()

    plans: list[JobPlan] = []
    first_day = (Clock.now + timedelta(days=1)).date()
    days = max(1, math.ceil(args.genuine / (args.technicians * 6)))
    for day_index in range(days):
        day = first_day + timedelta(days=day_index)
        for tech, area in zip(genuine_techs, areas, strict=True):
            plans += genuine_round(tech, area, sites, day, 6)
    plans = plans[: args.genuine]

    def plant_site(i: int) -> tuple[Any, tuple[float, float]]:
        elevator = plant_elevators[i % len(plant_elevators)]
        return elevator, sites[elevator.id]

    plant_day = first_day + timedelta(days=days + 1)
    for i in range(args.per_kind):
        day = plant_day + timedelta(days=i % 5)
        at = local(day, 9, 0) + timedelta(minutes=rng.uniform(0, 120))
        elevator, site = plant_site(i)
        other, other_site = plant_site(i + args.per_kind)

        def job(
            kind: str, tech: Any, at: datetime = at, elevator: Any = elevator, site: Any = site, **kw: Any
        ) -> JobPlan:
            minutes = kw.pop("minutes", rng.uniform(*DURATION_MINUTES["half_month"]))
            start = at
            received = kw.pop("received_at", start + timedelta(minutes=minutes + rng.uniform(1, 20)))
            return JobPlan(
                tech,
                elevator,
                site,
                "half_month",
                start,
                minutes,
                received,
                kind=kind,
                **kw,
            )

        techs = {kind: plant_techs[kind][i] for kind in KINDS}
        plans.append(
            job(
                "off_site", techs["off_site"], check_out_where=offset(site, rng.uniform(350, 900), rng.uniform(0, 6.28))
            )
        )
        plans.append(job("too_short", techs["too_short"], minutes=rng.uniform(4, 15)))
        first = job("two_places", techs["two_places"], subject=False, minutes=40)
        plans += [
            first,
            job(
                "two_places",
                techs["two_places"],
                elevator=other,
                site=other_site,
                at=at + timedelta(minutes=rng.uniform(5, 30)),
            ),
        ]
        # Impossible travel: the next job 15–25 km away, 4–9 minutes after the check-out (100 km/h and more).
        far_site = offset(site, rng.uniform(15000, 25000), rng.uniform(0, 6.28))
        far = make_far_elevator(world, far_site, sites)
        a = job("impossible_trip", techs["impossible_trip"], subject=False, minutes=30)
        b = job(
            "impossible_trip",
            techs["impossible_trip"],
            elevator=far,
            site=far_site,
            at=at + timedelta(minutes=30 + rng.uniform(4, 9)),
        )
        plans += [a, b]
        donor = job("photo_exact", techs["photo_exact"], subject=False)
        plans += [
            donor,
            job(
                "photo_exact",
                techs["photo_exact"],
                elevator=other,
                site=other_site,
                at=at + timedelta(hours=2),
                photos={0: "from-donor"},
            ),
        ]  # type: ignore[dict-item]
        donor2 = job("photo_altered", techs["photo_altered"], subject=False)
        altered = ("reencode", "crop")[i % 2]
        plans += [
            donor2,
            job(
                "photo_altered",
                techs["photo_altered"],
                elevator=other,
                site=other_site,
                at=at + timedelta(hours=2),
                photos={1: f"altered-{altered}"},
            ),
        ]  # type: ignore[dict-item]
        mock = offset(site, rng.uniform(5, 40), rng.uniform(0, 6.28))
        if i % 2:
            plans.append(job("mock_location", techs["mock_location"], accuracy_in=0.0, accuracy_out=0.0))
        else:
            plans.append(
                job(
                    "mock_location",
                    techs["mock_location"],
                    check_in_where=mock,
                    check_out_where=mock,
                    minutes=rng.uniform(32, 50),
                )
            )
        # Night burst: three jobs of the day before, uploaded between 01:00 and 03:00 within minutes.
        night = local(day, 1, 0) + timedelta(minutes=rng.uniform(0, 110))
        for n in range(3):
            start = local(day - timedelta(days=1), 14, 0) + timedelta(minutes=70 * n)
            plans.append(
                job(
                    "night_bulk",
                    techs["night_bulk"],
                    elevator=plant_site(i + n)[0],
                    site=plant_site(i + n)[1],
                    at=start,
                    received_at=night + timedelta(minutes=2 * n),
                )
            )
        # Late upload: three jobs of one or two days before, uploaded together in the afternoon.
        late_received = local(day, 15, 0) + timedelta(minutes=rng.uniform(0, 120))
        back = timedelta(days=1 + i % 2)
        for n in range(3):
            start = local(day, 9, 0) - back + timedelta(minutes=70 * n)
            plans.append(
                job(
                    "late_upload",
                    techs["late_upload"],
                    elevator=plant_site(i + n + 1)[0],
                    site=plant_site(i + n + 1)[1],
                    at=start,
                    received_at=late_received + timedelta(minutes=3 * n),
                )
            )
    db.session.flush()
    refs: dict[tuple[str, int], SimpleNamespace] = {}
    for plan in plans:  # plain ids: the requests below run in sessions of their own
        plan.tech = refs.setdefault(("tech", plan.tech.id), SimpleNamespace(id=plan.tech.id))
        plan.elevator = refs.setdefault(("elevator", plan.elevator.id), SimpleNamespace(id=plan.elevator.id))
    db.session.commit()
    return plans, tokens


def make_far_elevator(world: Any, site: tuple[float, float], sites: dict[int, tuple[float, float]]) -> Any:
    from miniback.extensions import db
    from miniback.models import ElevatorLocation
    from tests.factories.registry import make_elevator

    elevator = make_elevator(world.admin, world.use_unit)
    sites[elevator.id] = site
    lat, lng = Decimal(f"{site[0]:.7f}"), Decimal(f"{site[1]:.7f}")
    db.session.add(
        ElevatorLocation(
            elevator_id=elevator.id, kind="initial", lat=lat, lng=lng, accuracy_m=Decimal("10"), coord_system="gcj02",
            lat_gcj02=lat, lng_gcj02=lng, captured_by_id=world.admin.id, captured_at=Clock.now,
        )
    )  # fmt: skip
    return elevator


def run_lane(app: Any, runner: Runner, lane: list[JobPlan]) -> None:
    from miniback.extensions import db

    donors: dict[int, JobPlan] = {}
    with app.app_context():
        for plan in lane:
            if plan.kind in ("photo_exact", "photo_altered"):
                if not plan.subject:
                    donors[plan.tech.id] = plan
                else:
                    ((index, how),) = plan.photos.items()
                    source = donors[plan.tech.id].photo_data[index]
                    if how == "from-donor":
                        plan.photos = {index: source}
                    elif how == "altered-reencode":
                        plan.photos = {index: photo_bytes(0, quality=55, source=source)}
                    else:
                        plan.photos = {index: photo_bytes(0, crop=0.02, source=source)}
            runner.run(plan)
            db.session.remove()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--genuine", type=int, default=2000)
    parser.add_argument("--per-kind", type=int, default=50)
    parser.add_argument("--technicians", type=int, default=40)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    conn = pymysql.connect(host="127.0.0.1", user="root")
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()
    import tempfile

    from flask_migrate import upgrade

    from miniback import create_app
    from miniback.extensions import db
    from miniback.models import MaintenanceRecord, RecordFlag

    install_clock()
    scratch = tempfile.mkdtemp(prefix="bench-authenticity-")
    app = create_app(
        {
            "TESTING": True,
            "ENV_MODE": "test",
            "SECRET_KEY": "bench-secret-key-with-enough-length-0000",
            "SQLALCHEMY_DATABASE_URI": DB_URL,
            "REDIS_URL": REDIS_URL,
            "PUBLIC_BASE_URL": "https://lift.bench.example",
            "WECHAT_APPID": "wxbench0000000000",
            "WECHAT_SECRET": "bench-secret",
            "WECHAT_SIGNOFF_TEMPLATE_ID": "bench-signoff-template",
            "ARCHIVE_DIR": f"{scratch}/archive",
            "PHOTO_DIR": f"{scratch}/photos",
        }
    )
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        plans, tokens = build(args)
        # Each technician's jobs in order in one thread (a reused photo's donor, a burst, the two jobs of a trip
        # are one technician's), technicians spread over the threads.
        plans.sort(key=lambda plan: plan.check_in_at)
        lanes: list[list[JobPlan]] = [[] for _ in range(args.threads)]
        for plan in plans:
            lanes[plan.tech.id % args.threads].append(plan)
        runners = [Runner(app.test_client(), tokens) for _ in lanes]
        with ThreadPoolExecutor(args.threads) as pool:
            for done in [pool.submit(run_lane, app, runner, lane) for runner, lane in zip(runners, lanes, strict=True)]:
                done.result()
        requests = sum(runner.requests for runner in runners)
        built = time.perf_counter() - started

        flags: dict[int, set[str]] = defaultdict(set)
        for record_id, kind in db.session.execute(db.select(RecordFlag.record_id, RecordFlag.kind)):
            flags[record_id].add(kind)
        columns = {
            row.id: row
            for row in db.session.execute(
                db.select(
                    MaintenanceRecord.id,
                    MaintenanceRecord.flag_distance,
                    MaintenanceRecord.flag_duration,
                    MaintenanceRecord.flag_overlap,
                )
            )
        }

    def has(record_id: int, flag: str) -> bool:
        if flag.startswith("flag_"):
            return bool(getattr(columns[record_id], flag))
        return flag in flags[record_id]

    genuine = [plan for plan in plans if plan.kind == "genuine"]
    false_flagged = [
        plan for plan in genuine
        if flags[plan.record_id]
        or any(getattr(columns[plan.record_id], f"flag_{n}") for n in ("distance", "duration", "overlap"))
    ]  # fmt: skip
    print(f"records: {len(plans)} ({len(genuine)} genuine), {requests} API requests in {built:.0f} s")
    recalls = {}
    for kind, flag in KINDS.items():
        cases = [plan for plan in plans if plan.kind == kind and plan.subject]
        caught = [plan for plan in cases if has(plan.record_id, flag)]  # type: ignore[arg-type]
        recalls[kind] = len(caught) / len(cases)
        print(f"  {kind:16s} → {flag:18s} recall {len(caught)}/{len(cases)} = {recalls[kind]:.3f}")
    rate = len(false_flagged) / len(genuine)
    reasons: dict[str, int] = defaultdict(int)
    for plan in false_flagged:
        for name in flags[plan.record_id]:
            reasons[name] += 1
        for name in ("distance", "duration", "overlap"):
            if getattr(columns[plan.record_id], f"flag_{name}"):
                reasons[name] += 1
    print(f"false flags on genuine records: {len(false_flagged)}/{len(genuine)} = {rate:.4f} {dict(reasons)}")
    worst = min(recalls.values())
    ok = worst >= TARGET_RECALL and rate < MAX_FALSE_FLAG_RATE
    print(f"ratio={worst:.3f} target={TARGET_RECALL} {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
