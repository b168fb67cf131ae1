"""Computing the rollups from the source tables: per day, per month (the sum of its days), the activity rows and
the overdue segments. Every function recomputes what it is given from scratch, so running it twice, or after any
gap, gives the same rows (idempotent); ``catch_up`` finds what changed, ``rebuild`` recomputes everything.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.orm import aliased

from miniback.extensions import db
from miniback.models import (
    DelayNotice,
    DelayNoticeElevator,
    Elevator,
    MaintenanceRecord,
    RecordItem,
    RecordTechnician,
    SignoffEvent,
    SignoffState,
    StatsActivity,
    StatsDirty,
    StatsOverdueSegment,
    StatsRollup,
    StatsRollupExtra,
    StatsWatermark,
    utcnow,
)
from miniback.models.statistics import (
    GRAIN_DAY,
    GRAIN_MONTH,
    LEVEL_DISTRICT,
    LEVEL_UNIT,
    LEVEL_USE_UNIT,
    OPEN_END,
    ROLLUP_COUNTERS,
)
from miniback.records.calendar import add_months, local_day
from miniback.records.due import HALF_MONTH_DAYS, next_due
from miniback.statistics.flags import extra_flag_kinds, flag_columns, record_flag_kinds

CHUNK = 500
# The catch-up job only moves a watermark past rows older than this: a transaction that took its id earlier but
# commits later (ids are handed out before commit) is still read on the next run.
WATERMARK_LAG = timedelta(minutes=2)
NO_BUCKET = -1
KEY_COLUMNS = ("level", "district", "maintenance_unit_id", "use_unit_id", "source")


def counter_column(metric: str) -> str | None:
    """The ``stats_rollup`` column of a metric (``cat:<category>`` → ``cat_<category>``), or ``None`` for the
    open-ended ones kept as ``stats_rollup_extra`` rows (flags, histograms)."""
    column = metric.replace("cat:", "cat_", 1) if metric.startswith("cat:") else metric
    return column if column in ROLLUP_COUNTERS else None


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def minute_bucket(minutes: int) -> int:
    """The histogram bucket of a duration in whole minutes (its lower bound): 1 minute up to 240, 10 minutes up to
    1440, then 60 minutes. Medians are reported at this resolution."""
    if minutes < 0:
        return 0
    if minutes < 240:
        return minutes
    if minutes < 1440:
        return minutes // 10 * 10
    return minutes // 60 * 60


def effective() -> Any:
    """Records not superseded by a correction (the correction counts, never both)."""
    correction = aliased(MaintenanceRecord)
    return ~select(correction.id).where(correction.supersedes_id == MaintenanceRecord.id).exists()


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


# --- one day -------------------------------------------------------------------------------------------------

_RECORD_COLUMNS = [
    MaintenanceRecord.id,
    MaintenanceRecord.elevator_id,
    MaintenanceRecord.district,
    MaintenanceRecord.maintenance_unit_id,
    MaintenanceRecord.use_unit_id,
    MaintenanceRecord.source,
    MaintenanceRecord.category,
    MaintenanceRecord.maintenance_day,
    MaintenanceRecord.duration_seconds,
    MaintenanceRecord.late_upload,
    MaintenanceRecord.received_at,
    MaintenanceRecord.check_in_distance_m,
    MaintenanceRecord.check_out_distance_m,
    MaintenanceRecord.hazards,
    *flag_columns(),
]


def previous_days(elevator_ids: Sequence[int], before: date) -> dict[int, date]:
    """Each elevator's last effective maintenance day before ``before``."""
    found: dict[int, date] = {}
    for part in chunks(sorted(set(elevator_ids))):
        rows = db.session.execute(
            select(MaintenanceRecord.elevator_id, func.max(MaintenanceRecord.maintenance_day))
            .where(MaintenanceRecord.elevator_id.in_(part), MaintenanceRecord.maintenance_day < before, effective())
            .group_by(MaintenanceRecord.elevator_id)
        )
        found.update({elevator_id: day for elevator_id, day in rows})
    return found


@dataclass
class RecordFacts:
    """What the day's rollups need of one effective record, read in a few set-based queries."""

    row: Any
    flags: list[str]
    state: str | None
    decided_at: Any
    objected: bool
    hazard_items: int
    closes_interval: int | None  # the interval's length in days, if this record closes one


def day_facts(
    day: date, *conditions: Any, previous: dict[int, date] | None = None
) -> tuple[list[RecordFacts], list[tuple[int, int]]]:
    """The effective records of ``day`` (and ``conditions``) with their sign-off outcome, flags, hazard items and
    interval, and the (record id, technician account id) pairs."""
    rows = list(
        db.session.execute(
            select(*_RECORD_COLUMNS)
            .where(MaintenanceRecord.maintenance_day == day, effective(), *conditions)
            .order_by(MaintenanceRecord.id)
        )
    )
    ids = [row.id for row in rows]
    states: dict[int, tuple[str, Any]] = {}
    objected: set[int] = set()
    hazard_items: dict[int, int] = {}
    technicians: list[tuple[int, int]] = []
    for part in chunks(ids):
        states.update(
            (record_id, (state, decided_at))
            for record_id, state, decided_at in db.session.execute(
                select(SignoffState.record_id, SignoffState.state, SignoffState.decided_at).where(
                    SignoffState.record_id.in_(part)
                )
            )
        )
        objected.update(
            db.session.execute(
                select(SignoffEvent.record_id).where(SignoffEvent.record_id.in_(part), SignoffEvent.kind == "objected")
            ).scalars()
        )
        hazard_items.update(
            (record_id, n)
            for record_id, n in db.session.execute(
                select(RecordItem.record_id, func.count())
                .where(RecordItem.record_id.in_(part), RecordItem.result == "hazard")
                .group_by(RecordItem.record_id)
            )
        )
        technicians.extend(
            (record_id, account_id)
            for record_id, account_id in db.session.execute(
                select(RecordTechnician.record_id, RecordTechnician.account_id).where(
                    RecordTechnician.record_id.in_(part)
                )
            )
        )
    extra = extra_flag_kinds(ids)
    if previous is None:
        previous = previous_days([row.elevator_id for row in rows], day)
    closing: dict[int, int] = {}  # elevator → the record closing its interval today (the first effective one)
    for row in rows:
        closing.setdefault(row.elevator_id, row.id)
    facts = []
    for row in rows:
        state, decided_at = states.get(row.id, (None, None))
        interval = None
        if closing[row.elevator_id] == row.id and row.elevator_id in previous:
            interval = (day - previous[row.elevator_id]).days
        facts.append(
            RecordFacts(
                row,
                record_flag_kinds(row, extra),
                state,
                decided_at,
                row.id in objected,
                hazard_items.get(row.id, 0),
                interval,
            )
        )
    return facts, technicians


def record_metrics(fact: RecordFacts) -> Iterator[tuple[str, int, int]]:
    """(metric, bucket, n) of one effective record: what the rollups add up."""
    row = fact.row
    yield "records", NO_BUCKET, 1
    yield f"source:{row.source}", NO_BUCKET, 1
    yield f"cat:{row.category}", NO_BUCKET, 1
    yield f"hdur:{row.category}", minute_bucket(row.duration_seconds // 60), 1
    if not row.late_upload:
        yield "same_day", NO_BUCKET, 1
    if fact.state in ("signed", "default_confirmed", "pending"):
        yield fact.state, NO_BUCKET, 1
    if fact.state == "signed" and fact.decided_at is not None:
        minutes = int((fact.decided_at - row.received_at).total_seconds() // 60)
        yield "hsign", minute_bucket(minutes), 1
        if local_day(fact.decided_at) == row.maintenance_day:
            yield "signed_same_day", NO_BUCKET, 1
    if fact.objected:
        yield "objected", NO_BUCKET, 1
    if row.check_in_distance_m is not None and row.check_out_distance_m is not None and not row.flag_distance:
        yield "onsite_verified", NO_BUCKET, 1
    if row.hazards:
        yield "hazards", NO_BUCKET, len(row.hazards)
    if fact.hazard_items:
        yield "hazard_items", NO_BUCKET, fact.hazard_items
    for kind in fact.flags:
        yield f"flag:{kind}", NO_BUCKET, 1
    if fact.closes_interval is not None:
        yield "intervals", NO_BUCKET, 1
        if fact.closes_interval <= HALF_MONTH_DAYS:
            yield "intervals_on_time", NO_BUCKET, 1


def level_keys(row: Any) -> list[tuple[int, str, int, int, str]]:
    """The (level, district, unit, use unit, source) keys one record adds to, one per level."""
    return [
        (LEVEL_DISTRICT, row.district, 0, 0, row.source),
        (LEVEL_UNIT, row.district, row.maintenance_unit_id, 0, row.source),
        (LEVEL_USE_UNIT, row.district, row.maintenance_unit_id, row.use_unit_id or 0, row.source),
    ]


def recompute_day(day: date, previous: dict[int, date] | None = None) -> int:
    """Replace the day's rollup and activity rows with ones computed from the source tables; the number of
    effective records counted. ``previous`` (each elevator's last effective day before ``day``), when the caller
    walks the days in order, saves reading it; it is then moved on to include ``day``."""
    facts, technicians = day_facts(day, previous=previous)
    wide: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    extra: Counter[tuple[Any, ...]] = Counter()
    for fact in facts:
        keys = level_keys(fact.row)
        for metric, bucket, n in record_metrics(fact):
            column = counter_column(metric)
            for key in keys:
                if column is not None:
                    wide[key][column] += n
                elif not metric.startswith("source:"):  # a route's share is the ``records`` of its source
                    extra[(*key, metric, bucket)] += n
    for model in (StatsRollup, StatsRollupExtra):
        db.session.execute(delete(model).where(model.grain == GRAIN_DAY, model.period_start == day))
    db.session.execute(delete(StatsActivity).where(StatsActivity.day == day))
    base = {"grain": GRAIN_DAY, "period_start": day}
    rows = [
        {**base, **dict(zip(KEY_COLUMNS, key, strict=True)), **{c: counters[c] for c in ROLLUP_COUNTERS}}
        for key, counters in wide.items()
    ]
    for part in chunks(rows, 2000):
        db.session.execute(insert(StatsRollup), list(part))
    extra_rows = [
        {**base, **dict(zip(KEY_COLUMNS, key[:5], strict=True)), "metric": key[5], "bucket": key[6], "n": n}
        for key, n in extra.items()
    ]
    for part in chunks(extra_rows, 2000):
        db.session.execute(insert(StatsRollupExtra), list(part))
    by_id = {fact.row.id: fact.row for fact in facts}
    activity = {
        ("e", row.elevator_id, row.maintenance_unit_id, row.district, row.use_unit_id or 0) for row in by_id.values()
    }
    for record_id, account_id in technicians:
        row = by_id[record_id]
        activity.add(("t", account_id, row.maintenance_unit_id, row.district, row.use_unit_id or 0))
    activity_rows = [
        {
            "kind": kind,
            "day": day,
            "entity_id": entity,
            "maintenance_unit_id": unit,
            "district": district,
            "use_unit_id": use_unit,
        }
        for kind, entity, unit, district, use_unit in sorted(activity)
    ]
    for part in chunks(activity_rows, 2000):
        db.session.execute(insert(StatsActivity), list(part))
    if previous is not None:
        previous.update({row.elevator_id: day for row in by_id.values()})
    return len(facts)


def recompute_month(first: date) -> None:
    """The month's rows: the sums of its day rows."""
    first = month_start(first)
    in_month = (GRAIN_DAY, first, month_end(first))
    for model, summed_columns in (
        (StatsRollup, list(ROLLUP_COUNTERS)),
        (StatsRollupExtra, ["n"]),
    ):
        db.session.execute(delete(model).where(model.grain == GRAIN_MONTH, model.period_start == first))
        keys = [getattr(model, name) for name in KEY_COLUMNS]
        if model is StatsRollupExtra:
            keys += [model.metric, model.bucket]
        summed = (
            select(literal(GRAIN_MONTH), literal(first), *keys, *(func.sum(getattr(model, c)) for c in summed_columns))
            .where(model.grain == in_month[0], model.period_start.between(in_month[1], in_month[2]))
            .group_by(*keys)
        )
        columns = ["grain", "period_start", *(key.key for key in keys), *summed_columns]
        db.session.execute(insert(model).from_select(columns, summed))


def recompute_days(days: Iterable[date]) -> None:
    ordered = sorted(set(days))
    for day in ordered:
        recompute_day(day)
    for first in sorted({month_start(day) for day in ordered}):
        recompute_month(first)


# --- overdue segments ----------------------------------------------------------------------------------------


def overdue_spells(days: Sequence[date], registered_on: date) -> list[tuple[date, date]]:
    """The runs of days an elevator is overdue, given its effective maintenance days: a day is overdue when it
    is later than the last job on or before it + 15 days (the due-date rule); before its first job the day it
    was registered counts as the last job (when it came first)."""
    points = sorted(set(days))
    if not points or registered_on < points[0]:
        points.insert(0, registered_on)
    spells = []
    for last, following in zip(points, [*points[1:], None], strict=True):
        starts = next_due("half_month", last) + timedelta(days=1)
        ends = OPEN_END if following is None else following - timedelta(days=1)
        if starts <= ends:
            spells.append((starts, ends))
    return spells


def split_by_notices(spell: tuple[date, date], notices: Sequence[tuple[date, date]]) -> list[tuple[date, date, bool]]:
    """A spell cut into runs wholly covered by delay notices (excused) or wholly not."""
    starts, ends = spell
    covered = sorted((max(s, starts), min(e, ends)) for s, e in notices if s <= ends and e >= starts)
    merged: list[list[date]] = []
    for s, e in covered:
        if merged and s <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out = []
    cursor = starts
    for s, e in merged:
        if cursor < s:
            out.append((cursor, s - timedelta(days=1), False))
        out.append((s, e, True))
        cursor = e + timedelta(days=1) if e < OPEN_END else OPEN_END
    if merged and merged[-1][1] >= ends:
        return out
    out.append((cursor, ends, False))
    return out


def recompute_elevators(elevator_ids: Iterable[int]) -> None:
    """Replace the overdue segments of these elevators with ones computed from their records and notices."""
    for part in chunks(sorted(set(elevator_ids))):
        registered: dict[int, Any] = {
            row[0]: row[1]
            for row in db.session.execute(select(Elevator.id, Elevator.created_at).where(Elevator.id.in_(part)))
        }
        days: dict[int, list[date]] = defaultdict(list)
        for elevator_id, day in db.session.execute(
            select(MaintenanceRecord.elevator_id, MaintenanceRecord.maintenance_day)
            .where(MaintenanceRecord.elevator_id.in_(part), effective())
            .distinct()
        ):
            days[elevator_id].append(day)
        notices: dict[int, list[tuple[date, date]]] = defaultdict(list)
        for elevator_id, starts_on, ends_on in db.session.execute(
            select(DelayNoticeElevator.elevator_id, DelayNotice.starts_on, DelayNotice.ends_on)
            .join(DelayNotice, DelayNotice.id == DelayNoticeElevator.notice_id)
            .where(DelayNoticeElevator.elevator_id.in_(part))
        ):
            notices[elevator_id].append((starts_on, ends_on))
        db.session.execute(delete(StatsOverdueSegment).where(StatsOverdueSegment.elevator_id.in_(part)))
        rows = []
        for elevator_id, created_at in registered.items():
            for spell in overdue_spells(days[elevator_id], local_day(created_at)):
                for starts_on, ends_on, excused in split_by_notices(spell, notices[elevator_id]):
                    rows.append(
                        {"elevator_id": elevator_id, "starts_on": starts_on, "ends_on": ends_on, "excused": excused}
                    )
        if rows:
            db.session.execute(insert(StatsOverdueSegment), rows)


# --- catching up, rebuilding ---------------------------------------------------------------------------------


def _watermark(name: str) -> StatsWatermark:
    mark = db.session.get(StatsWatermark, name)
    if mark is None:
        mark = StatsWatermark(name=name, last_id=0)
        db.session.add(mark)
        db.session.flush()
    return mark


def next_effective_days(pairs: Iterable[tuple[int, date]]) -> set[date]:
    """For (elevator, day) pairs, the elevator's next effective maintenance day after it (whose interval a record
    on ``day`` opens or closes)."""
    found = set()
    for elevator_id, day in set(pairs):
        following = db.session.execute(
            select(func.min(MaintenanceRecord.maintenance_day)).where(
                MaintenanceRecord.elevator_id == elevator_id, MaintenanceRecord.maintenance_day > day, effective()
            )
        ).scalar_one_or_none()
        if following is not None:
            found.add(following)
    return found


@dataclass
class CatchUp:
    days: int = 0
    elevators: int = 0


# The row whose lock serialises catch-ups (not a watermark: nothing reads its ``last_id``).
CATCH_UP_LOCK = "catch_up_lock"


def _serialise_catch_ups() -> None:
    """Wait for any other catch-up to commit, and keep the next one waiting until this transaction ends.

    Two sweeps may run at once (two app instances, or a sweep beside ``flask stats catch-up``); both would replace
    the same rollup rows and race to create the watermarks. On MariaDB the lock row is created in a short
    transaction of its own (an insert that ignores an existing row, so concurrent first runs do not collide), then
    locked here. Taken first, before any plain read, so this transaction's snapshot starts after the other
    catch-up committed.
    """
    if db.session.get_bind().dialect.name == "mysql":
        with db.engine.begin() as connection:
            connection.execute(insert(StatsWatermark).prefix_with("IGNORE").values(name=CATCH_UP_LOCK, last_id=0))
    else:
        # The embedded SQLite demo: one database file whose writers already take turns, and a second connection
        # would wait on this session's own uncommitted writes. The row is created in this transaction.
        db.session.execute(insert(StatsWatermark).prefix_with("OR IGNORE").values(name=CATCH_UP_LOCK, last_id=0))
    db.session.execute(select(StatsWatermark.name).where(StatsWatermark.name == CATCH_UP_LOCK).with_for_update())


def catch_up(now: Any = None) -> CatchUp:
    """Recompute what changed since the last run: new records (their day, the day of the record a correction
    supersedes, the next job's day whose interval changed, their elevator's segments), new sign-off events, new
    delay notices, new elevators and everything marked in ``stats_dirty``. Flushes; the caller commits. One
    catch-up at a time (``_serialise_catch_ups``)."""
    _serialise_catch_ups()
    now = now or utcnow()
    if (
        db.session.get(StatsWatermark, "record") is None
        and db.session.execute(select(MaintenanceRecord.id).limit(1)).first()
    ):
        # Never run on this database (just migrated, or restored): rebuild in monthly commits instead of one
        # transaction over every record.
        return rebuild()
    settled = now - WATERMARK_LAG
    days: set[date] = set()
    elevators: set[int] = set()
    touched: set[tuple[int, date]] = set()

    mark = _watermark("record")
    superseded = aliased(MaintenanceRecord)
    rows = db.session.execute(
        select(
            MaintenanceRecord.id,
            MaintenanceRecord.elevator_id,
            MaintenanceRecord.maintenance_day,
            MaintenanceRecord.received_at,
            superseded.elevator_id,
            superseded.maintenance_day,
        )
        .outerjoin(superseded, superseded.id == MaintenanceRecord.supersedes_id)
        .where(MaintenanceRecord.id > mark.last_id)
        .order_by(MaintenanceRecord.id)
    ).all()
    for record_id, elevator_id, day, received_at, old_elevator, old_day in rows:
        touched.add((elevator_id, day))
        if old_day is not None:
            touched.add((old_elevator, old_day))
        if received_at <= settled:
            mark.last_id = record_id
    days |= {day for _, day in touched} | next_effective_days(touched)
    elevators |= {elevator_id for elevator_id, _ in touched}

    mark = _watermark("signoff_event")
    for event_id, day, occurred_at in db.session.execute(
        select(SignoffEvent.id, MaintenanceRecord.maintenance_day, SignoffEvent.occurred_at)
        .join(MaintenanceRecord, MaintenanceRecord.id == SignoffEvent.record_id)
        .where(SignoffEvent.id > mark.last_id)
        .order_by(SignoffEvent.id)
    ):
        days.add(day)
        if occurred_at <= settled:
            mark.last_id = event_id

    mark = _watermark("delay_notice_elevator")
    for link_id, elevator_id, created_at in db.session.execute(
        select(DelayNoticeElevator.id, DelayNoticeElevator.elevator_id, DelayNotice.created_at)
        .join(DelayNotice, DelayNotice.id == DelayNoticeElevator.notice_id)
        .where(DelayNoticeElevator.id > mark.last_id)
        .order_by(DelayNoticeElevator.id)
    ):
        elevators.add(elevator_id)
        if created_at <= settled:
            mark.last_id = link_id

    mark = _watermark("elevator")
    for elevator_id, created_at in db.session.execute(
        select(Elevator.id, Elevator.created_at).where(Elevator.id > mark.last_id).order_by(Elevator.id)
    ):
        elevators.add(elevator_id)
        if created_at <= settled:
            mark.last_id = elevator_id

    dirty = db.session.execute(select(StatsDirty.id, StatsDirty.day, StatsDirty.elevator_id)).all()
    days |= {day for _, day, _ in dirty if day is not None}
    elevators |= {elevator_id for _, _, elevator_id in dirty if elevator_id is not None}
    if dirty:
        db.session.execute(delete(StatsDirty).where(StatsDirty.id <= max(row[0] for row in dirty)))
    recompute_days(days)
    recompute_elevators(elevators)
    db.session.flush()
    return CatchUp(len(days), len(elevators))


def rebuild(
    start: date | None = None, end: date | None = None, progress: Callable[[str], None] | None = None
) -> CatchUp:
    """Recompute the rollups of every maintenance day in ``[start, end]`` (default: all of them, from scratch) and
    every elevator's overdue segments, committing month by month and reporting progress. A full rebuild also sets
    the catch-up watermarks to the newest rows it started from (anything newer is caught up later)."""
    say = progress or (lambda message: None)
    full = start is None and end is None
    marks: dict[str, int | None] = {}
    if full:
        marks = {
            "record": db.session.execute(select(func.max(MaintenanceRecord.id))).scalar(),
            "signoff_event": db.session.execute(select(func.max(SignoffEvent.id))).scalar(),
            "delay_notice_elevator": db.session.execute(select(func.max(DelayNoticeElevator.id))).scalar(),
            "elevator": db.session.execute(select(func.max(Elevator.id))).scalar(),
        }
        db.session.execute(delete(StatsRollup))
        db.session.execute(delete(StatsRollupExtra))
        db.session.execute(delete(StatsActivity))
        db.session.execute(delete(StatsDirty))
    first, last = db.session.execute(
        select(func.min(MaintenanceRecord.maintenance_day), func.max(MaintenanceRecord.maintenance_day))
    ).one()
    start = start or first
    end = end or last
    result = CatchUp()
    if start is not None and end is not None and start <= end:
        total = (end - start).days + 1
        records = 0
        previous: dict[int, date] = {
            elevator_id: last_day
            for elevator_id, last_day in db.session.execute(
                select(MaintenanceRecord.elevator_id, func.max(MaintenanceRecord.maintenance_day))
                .where(MaintenanceRecord.maintenance_day < start, effective())
                .group_by(MaintenanceRecord.elevator_id)
            )
        }
        day = start
        while day <= end:
            records += recompute_day(day, previous)
            result.days += 1
            if day == end or day == month_end(day):
                recompute_month(day)
                db.session.commit()
                say(f"{day:%Y-%m}：已重算 {result.days}/{total} 天，有效记录累计 {records} 条")
            day += timedelta(days=1)
    elevator_ids = list(db.session.execute(select(Elevator.id).order_by(Elevator.id)).scalars())
    for index, part in enumerate(chunks(elevator_ids, 2000)):
        recompute_elevators(part)
        db.session.commit()
        say(f"超期区段：已重算 {min((index + 1) * 2000, len(elevator_ids))}/{len(elevator_ids)} 台电梯")
    result.elevators = len(elevator_ids)
    for name, last_id in marks.items():
        _watermark(name).last_id = last_id or 0
    db.session.commit()
    return result
