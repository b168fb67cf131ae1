"""The demo's history: about three and a half months of half-monthly maintenance on all twelve elevators, so that
every statistics indicator (issue 17) shows a figure worth reading.

The story, by elevator (index in ``seed.ELEVATORS``; days are counted back from today in Shanghai):

- on-time intervals of 11–15 days (one exactly 15) and late ones of 16, 17, 19, 21, 24, 26 and 27 days;
- elevator 5 was overdue for a week some seven weeks ago, excused by a delay notice; elevators 2, 7, 9 and 11
  were overdue without one; elevators 6 and 7 are overdue now without a notice, elevator 9 is overdue now and
  excused by a notice that runs past today;
- late uploads (received a day or two after the job), jobs too short, check-ins a kilometre off site, two jobs of
  the same technician at the same time (overlap), hazards, quarterly, half-yearly and yearly jobs;
- the records of elevators 10 and 11 came in through the connected platform (``platform:suiyun``, registered by
  ``miniback/demo/platform.py`` when the demo starts);
- sign-off: most signed by the use unit's manager within hours (some the next day, after a late upload), some
  left to be default-confirmed at their deadline, two objected to; two records corrected later (a new record
  that supersedes the old one).

Everything goes through the domain operations (submission, sign-off, delay notices), like the rest of the seed, so
whatever those operations maintain (due dates, the ledger, the public pages, statistics rollups) is maintained.
The units and elevators are backdated to before the history begins: they were registered then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app

from miniback.demo.records import LOCATIONS, signature_png, submit_demo_job
from miniback.extensions import db
from miniback.models import (
    Account,
    Elevator,
    ElevatorAssignment,
    ElevatorLocation,
    MaintenanceRecord,
    MaintenanceUnit,
    SignoffState,
    UseUnit,
    utcnow,
)
from miniback.records.calendar import SHANGHAI, add_months, local_day
from miniback.records.due import file_delay_notice
from miniback.statistics.rollup import catch_up
from signoff.confirmation import apply_default_confirmations
from signoff.operations import Signature, object_to, sign

# How far back the history starts (days), and when the units and elevators were registered.
HISTORY_DAYS = 105
REGISTERED_DAYS_AGO = 120
# The connected platform's records (its code is miniback/demo/platform.py's CODE).
PLATFORM_SOURCE = "platform:suiyun"
PLATFORM_ELEVATORS = {10, 11}

# Per elevator: the day of its first job (days ago) and the gaps (days) to each next job. Tianhe's elevators
# (0–5) stop at 18 days ago, where the records story (miniback/demo/records.py) takes over.
SCHEDULE: dict[int, tuple[int, list[int]]] = {
    0: (104, [14, 15, 14, 13, 16, 14]),
    1: (103, [15, 14, 14, 15, 14, 13]),
    2: (102, [13, 14, 17, 14, 14, 12]),
    3: (101, [14, 14, 14, 14, 15]),
    4: (100, [15, 15, 15, 15, 15]),
    5: (99, [14, 13, 24, 14, 14]),
    6: (104, [14, 14, 14, 15, 14, 14]),
    7: (103, [14, 21, 14, 14, 14]),
    8: (102, [14, 14, 14, 14, 14, 14, 14]),
    9: (101, [14, 26, 14, 14]),
    10: (100, [15, 16, 14, 15, 14, 14]),
    11: (99, [14, 14, 14, 14, 14, 27]),
}
TIANHE = range(6)

# (elevator, days ago) → what is special about that job.
LATE_UPLOADS = {(2, 44): 1, (6, 62): 1, (8, 32): 2, (10, 55): 1}  # received this many days later, at 09:30
TOO_SHORT = {(4, 70), (7, 54), (11, 43)}  # 12 minutes
OFF_SITE = {(3, 59), (8, 60), (9, 47)}  # checked in about 1.1 km away
HAZARDS = {
    (6, 47): ("A-1-12", "层门地坎积尘导致关门受阻", "已清理"),
    (8, 74): ("A-1-05", "制动器闸瓦磨损接近极限", "已通知使用单位，择期更换"),
}
# Tianhe's elevators 0 and 1 stand side by side: on day 18 the same technician "did" both at once.
OVERLAP = (1, 18)
# Left pending: default-confirmed at the deadline. Objected: the manager disputes them before the deadline.
DEFAULT_CONFIRMED_EVERY = 5
OBJECTIONS = {
    (6, 76): "维保人员未按约定时间到场",
    (2, 75): "记录中的轿厢照明检查与现场不符",
}
# Corrections: (elevator, day of the corrected job) → the correction (same job times) is uploaded this many hours
# after the original.
CORRECTIONS = {(2, 58): 5, (8, 46): 26}
# Delay notices: (elevators, starts days ago, ends days ago (negative: after today), cause, explanation).
NOTICES = [
    ([5], 58, 46, "other", "扶梯所在商场区域封闭装修，维保人员无法进入"),
    ([9], 18, -5, "emergency_control", "所在园区实行应急管控，暂停外来人员进入"),
]


@dataclass(frozen=True)
class StatisticsUrls:
    """The banner's statistics links over the seeded history: the console screen, the API's table, its export."""

    console: str
    table: str
    export: str


def statistics_urls(base: str, today: date | None = None) -> StatisticsUrls:
    """From the first day of the month three months back to today (the history's span), by district."""
    today = today or local_day(utcnow())
    first = add_months(today.replace(day=1), -3)
    period = f"from={first.isoformat()}&to={today.isoformat()}"
    query = f"indicators={','.join(BANNER_INDICATORS)}&group_by=district&{period}"
    return StatisticsUrls(
        console=f"{base}/console/statistics?{period}&group_by=district",
        table=f"{base}/api/v1/stats/table?{query}",
        export=f"{base}/api/v1/exports/stats/table.xlsx?{query}",
    )


# The banner's table: the figures a regulator reads first.
BANNER_INDICATORS = ("on_time_rate", "overdue_unexcused", "signed_rate", "default_confirmed_rate")


@dataclass(frozen=True)
class Job:
    elevator: int
    days_ago: int
    seq: int  # the job's position in its elevator's schedule


def _day(today: date, days_ago: int) -> date:
    return today - timedelta(days=days_ago)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def jobs() -> list[Job]:
    """Every history job, oldest first."""
    out: list[Job] = []
    for which, (first, gaps) in SCHEDULE.items():
        days = [first]
        for gap in gaps:
            days.append(days[-1] - gap)
        out.extend(Job(which, days_ago, seq) for seq, days_ago in enumerate(days))
    return sorted(out, key=lambda job: (-job.days_ago, job.elevator))


def _category(job: Job) -> str:
    if (job.elevator, job.seq) == (8, 1):
        return "year"
    if (job.elevator, job.seq) == (3, 5):
        return "half_year"
    return "quarter" if job.seq % 6 == 2 else "half_month"


MINUTES = {"half_month": 40, "quarter": 55, "half_year": 75, "year": 100}


def _backdate(elevators: list[Elevator], registered: datetime) -> None:
    """The units and elevators were registered before the history begins."""
    unit_ids = {e.maintenance_unit_id for e in elevators}
    use_unit_ids = {e.use_unit_id for e in elevators}
    for elevator in elevators:
        elevator.created_at = registered
    for unit in db.session.execute(db.select(MaintenanceUnit).where(MaintenanceUnit.id.in_(unit_ids))).scalars():
        unit.created_at = registered
    for use_unit in db.session.execute(db.select(UseUnit).where(UseUnit.id.in_(use_unit_ids))).scalars():
        use_unit.created_at = registered
    assignments = db.select(ElevatorAssignment).where(ElevatorAssignment.elevator_id.in_([e.id for e in elevators]))
    for assignment in db.session.execute(assignments).scalars():
        assignment.started_at = registered
    db.session.flush()


def _locate(elevator: Elevator, account: Account, at: datetime) -> None:
    from decimal import Decimal

    lat, lng = LOCATIONS[elevator.device_code or ""]
    db.session.add(
        ElevatorLocation(
            elevator_id=elevator.id,
            kind="initial",
            lat=Decimal(f"{lat:.7f}"),
            lng=Decimal(f"{lng:.7f}"),
            accuracy_m=Decimal("12.0"),
            coord_system="gcj02",
            lat_gcj02=Decimal(f"{lat:.7f}"),
            lng_gcj02=Decimal(f"{lng:.7f}"),
            captured_by_id=account.id,
            captured_at=at,
        )
    )
    db.session.flush()


def _signature(seed: int) -> Signature:
    from io import BytesIO

    from PIL import Image

    png = signature_png(200 + seed)
    with Image.open(BytesIO(png)) as image:
        width, height = image.size
    return Signature(png=png, width=width, height=height)


def _submit(job: Job, today: date, elevators: list[Elevator], people: dict[str, Account]) -> MaintenanceRecord:
    key = (job.elevator, job.days_ago)
    day = _day(today, job.days_ago)
    tianhe = job.elevator in TIANHE
    tech, second = (people["tech1"], people["tech2"]) if tianhe else (people["tech3"], people["tech4"])
    # One slot of 70 minutes per elevator of the team, so that no two jobs of a technician overlap by accident.
    slot = job.elevator if tianhe else job.elevator - 6
    start = _at(day, 8) + timedelta(minutes=70 * slot)
    if key == OVERLAP:
        start = _at(day, 8, 20)  # while the same technician was on elevator 0 (08:00–08:40)
    category = _category(job)
    minutes = 12 if key in TOO_SHORT else MINUTES[category]
    finished = start + timedelta(minutes=minutes)
    received_at = None
    if key in LATE_UPLOADS:
        received_at = _at(day + timedelta(days=LATE_UPLOADS[key]), 9, 30)
    notes: dict[str, Any] = {}
    if key in HAZARDS:
        code, description, action = HAZARDS[key]
        notes[code] = ("hazard", description, action)
    return submit_demo_job(
        300 + job.elevator * 20 + job.seq,
        elevators[job.elevator],
        tech,
        second,
        category,
        start,
        minutes,
        notes,
        received_at=received_at or finished + timedelta(minutes=3),
        away_deg=0.01 if key in OFF_SITE else 0.0002,
        source=PLATFORM_SOURCE if job.elevator in PLATFORM_ELEVATORS else "miniprogram",
    )


def _settle(
    record: MaintenanceRecord, index: int, key: tuple[int, int], manager: Account, objection_period: timedelta
) -> str:
    """The use unit's answer to one history record; returns the sign-off state it ends in."""
    state = db.session.get(SignoffState, record.id)
    assert state is not None
    if key in OBJECTIONS:
        object_to(
            record.id,
            manager,
            OBJECTIONS[key],
            now=record.received_at + timedelta(hours=2),
            objection_period=objection_period,
        )
        return "objected"
    if index % DEFAULT_CONFIRMED_EVERY == DEFAULT_CONFIRMED_EVERY - 1:
        apply_default_confirmations(state.deadline_at, 10, now=state.deadline_at, record_ids=[record.id])
        return "default_confirmed"
    # Signed within 15 minutes to about four hours of the upload (always before the end of that day).
    delay = timedelta(minutes=15 + (index * 53) % 240)
    signed_at = min(record.received_at + delay, state.deadline_at - timedelta(minutes=1))
    sign(record.id, manager, _signature(index), now=signed_at)
    return "signed"


def seed_history(elevators: list[Elevator], people: dict[str, Account], echo: Callable[[str], Any]) -> int:
    """Seed the history; returns the number of records it submitted. It ends with the statistics rollups' first
    catch-up (a rebuild that commits); the caller commits the rest."""
    now = utcnow()
    today = local_day(now)
    _backdate(elevators, _at(_day(today, REGISTERED_DAYS_AGO), 10))
    for elevator in elevators[6:]:
        _locate(elevator, people["tech3"], _at(_day(today, REGISTERED_DAYS_AGO), 11))
    # Tianhe's first six are located by the records story (30 days ago); the history needs them located earlier.
    for location in db.session.execute(
        db.select(ElevatorLocation).where(ElevatorLocation.elevator_id.in_([e.id for e in elevators[:6]]))
    ).scalars():
        location.captured_at = _at(_day(today, REGISTERED_DAYS_AGO), 11)
    admin = db.session.execute(db.select(Account).where(Account.username == "suian-admin")).scalar_one()
    for chosen, starts, ends, cause, explanation in NOTICES:
        file_delay_notice(
            admin,
            [elevators[i] for i in chosen],
            {
                "cause": cause,
                "starts_on": _day(today, starts),
                "ends_on": _day(today, ends),
                "explanation": explanation,
            },
        )
    managers = {0: people["manager1"], 1: people["manager2"]}
    uu_of = {index: 0 if index < 6 else 1 for index in range(len(elevators))}
    period = timedelta(days=current_app.config["SIGNOFF_OBJECTION_DAYS"])
    counts: dict[str, int] = {}
    submitted: dict[tuple[int, int], MaintenanceRecord] = {}
    for index, job in enumerate(jobs()):
        record = _submit(job, today, elevators, people)
        key = (job.elevator, job.days_ago)
        submitted[key] = record
        outcome = _settle(record, index, key, managers[uu_of[job.elevator]], period)
        counts[outcome] = counts.get(outcome, 0) + 1
    corrected = 0
    for (which, days_ago), hours in CORRECTIONS.items():
        original = submitted[(which, days_ago)]
        tech = people["tech1"] if which in TIANHE else people["tech3"]
        minutes = original.duration_seconds // 60
        correction = submit_demo_job(
            600 + corrected,
            elevators[which],
            tech,
            None,
            original.category,
            original.check_in_at,
            minutes,
            {},
            received_at=original.received_at + timedelta(hours=hours),
            supersedes=original,
            source=original.source,
        )
        state = db.session.get(SignoffState, correction.id)
        assert state is not None
        signed_at = min(correction.received_at + timedelta(minutes=30), state.deadline_at - timedelta(minutes=1))
        sign(correction.id, managers[uu_of[which]], _signature(900 + corrected), now=signed_at)
        corrected += 1
    # The statistics rollups catch up with the whole seed at once (the running demo's jobs keep them current). On a
    # fresh database this first catch-up is a full rebuild, which commits the seed as it goes.
    catch_up()
    total = sum(counts.values()) + corrected
    signed, confirmed, objected = (
        counts.get("signed", 0) + corrected,
        counts.get("default_confirmed", 0),
        counts.get("objected", 0),
    )
    echo(
        f"历史数据：近 {HISTORY_DAYS} 天 {total} 条维保记录（签字确认 {signed} 条，默认确认 {confirmed} 条，"
        f"异议 {objected} 条，更正 {corrected} 条），{len(NOTICES)} 份延期说明"
    )
    return total
