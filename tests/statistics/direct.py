"""Every indicator computed the slow, obvious way straight from the source tables (no rollup, no shared code but
the published constants), to check the rollups against."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from miniback.extensions import db
from miniback.models import (
    DelayNotice,
    DelayNoticeElevator,
    Elevator,
    MaintenanceRecord,
    MaintenanceUnit,
    RecordFlag,
    RecordItem,
    RecordTechnician,
    SignoffEvent,
    SignoffState,
)
from miniback.records.calendar import local_day
from miniback.statistics.definitions import Indicator
from miniback.statistics.scope import Filters


def bucket(minutes: int) -> int:
    if minutes < 0:
        return 0
    if minutes < 240:
        return minutes
    if minutes < 1440:
        return minutes - minutes % 10
    return minutes - minutes % 60


def lower_median(values: list[int]) -> float | None:
    if not values:
        return None
    return float(sorted(values)[(len(values) - 1) // 2])


def pct(n: int, d: int) -> float | None:
    return round(100 * n / d, 2) if d else None


@dataclass
class Source:
    records: list[Any]
    effective: list[Any]
    states: dict[int, Any]
    objected: set[int]
    hazard_items: dict[int, int]
    technicians: dict[int, list[int]]
    elevators: list[Any]
    unit_status: dict[int, str]
    notices: dict[int, list[tuple[date, date]]] = field(default_factory=dict)
    # Issue 19: the authenticity signals stored as record_flag rows, (record id, kind).
    signals: set[tuple[int, str]] = field(default_factory=set)

    @classmethod
    def load(cls) -> Source:
        records = list(db.session.execute(db.select(MaintenanceRecord)).scalars())
        superseded = {r.supersedes_id for r in records if r.supersedes_id is not None}
        items: dict[int, int] = defaultdict(int)
        for item in db.session.execute(db.select(RecordItem)).scalars():
            if item.result == "hazard":
                items[item.record_id] += 1
        technicians: dict[int, list[int]] = defaultdict(list)
        for row in db.session.execute(db.select(RecordTechnician)).scalars():
            technicians[row.record_id].append(row.account_id)
        notices: dict[int, list[tuple[date, date]]] = defaultdict(list)
        for link, notice in db.session.execute(
            db.select(DelayNoticeElevator, DelayNotice).join(
                DelayNotice, DelayNotice.id == DelayNoticeElevator.notice_id
            )
        ):
            notices[link.elevator_id].append((notice.starts_on, notice.ends_on))
        return cls(
            records=records,
            effective=[r for r in records if r.id not in superseded],
            states={s.record_id: s for s in db.session.execute(db.select(SignoffState)).scalars()},
            signals={(row.record_id, row.kind) for row in db.session.execute(db.select(RecordFlag)).scalars()},
            objected={
                e.record_id for e in db.session.execute(db.select(SignoffEvent)).scalars() if e.kind == "objected"
            },
            hazard_items=items,
            technicians=technicians,
            elevators=list(db.session.execute(db.select(Elevator)).scalars()),
            unit_status={u.id: u.status for u in db.session.execute(db.select(MaintenanceUnit)).scalars()},
            notices=notices,
        )


def _record_matches(record: Any, f: Filters, ignore_source: bool = False) -> bool:
    return (
        (f.district is None or record.district == f.district)
        and (f.maintenance_unit_id is None or record.maintenance_unit_id == f.maintenance_unit_id)
        and (f.use_unit_id is None or record.use_unit_id == f.use_unit_id)
        and (ignore_source or f.source is None or record.source == f.source)
    )


def _elevator_matches(e: Any, f: Filters, as_of: date) -> bool:
    return (
        local_day(e.created_at) <= as_of
        and (f.district is None or e.district == f.district)
        and (f.maintenance_unit_id is None or e.maintenance_unit_id == f.maintenance_unit_id)
        and (f.use_unit_id is None or e.use_unit_id == f.use_unit_id)
    )


def _in_use(e: Any) -> bool:
    return e.status == "in_service" and e.maintenance_unit_id is not None


def _record_has(src: Source, r: Any, metric: str) -> int:
    state = src.states.get(r.id)
    if metric == "records":
        return 1
    if metric == "same_day":
        return int(not r.late_upload)
    if metric in ("signed", "default_confirmed", "pending"):
        return int(state is not None and state.state == metric)
    if metric == "objected":
        return int(r.id in src.objected)
    if metric == "signed_same_day":
        return int(state is not None and state.state == "signed" and local_day(state.decided_at) == r.maintenance_day)
    if metric == "onsite_verified":
        d1, d2 = r.check_in_distance_m, r.check_out_distance_m
        return int(d1 is not None and d2 is not None and d1 <= 200 and d2 <= 200)
    if metric == "hazards":
        return len(r.hazards or [])
    if metric == "hazard_items":
        return src.hazard_items.get(r.id, 0)
    if metric.startswith("flag:"):
        kind = metric.removeprefix("flag:")
        if kind in ("distance", "duration", "overlap"):
            return int(bool(getattr(r, "flag_" + kind)))
        return int((r.id, kind) in src.signals)
    if metric.startswith("source:"):
        return int(r.source == metric.removeprefix("source:"))
    if metric.startswith("cat:"):
        return int(r.category == metric.removeprefix("cat:"))
    raise AssertionError(metric)


def _intervals(src: Source, start: date, end: date, f: Filters) -> tuple[int, int]:
    by_elevator: dict[int, dict[date, Any]] = defaultdict(dict)
    for r in sorted(src.effective, key=lambda r: r.id):
        by_elevator[r.elevator_id].setdefault(r.maintenance_day, r)
    closed = on_time = 0
    for days in by_elevator.values():
        ordered = sorted(days)
        for previous, day in zip(ordered, ordered[1:], strict=False):
            closing = days[day]
            if start <= day <= end and _record_matches(closing, f):
                closed += 1
                on_time += int((day - previous).days <= 15)
    return on_time, closed


def _overdue(src: Source, start: date, end: date, f: Filters) -> tuple[set[int], set[int], set[int]]:
    days: dict[int, set[date]] = defaultdict(set)
    for r in src.effective:
        days[r.elevator_id].add(r.maintenance_day)
    now, any_, unexcused = set(), set(), set()
    for e in src.elevators:
        if not (_in_use(e) and _elevator_matches(e, f, end)):
            continue
        registered = local_day(e.created_at)
        points = sorted(days[e.id])
        if not points or registered < points[0]:
            points = [registered, *points]
        x = start
        while x <= end:
            done = [p for p in points if p <= x]
            if done and x > done[-1] + timedelta(days=15):
                any_.add(e.id)
                if x == end:
                    now.add(e.id)
                if not any(s <= x <= t for s, t in src.notices.get(e.id, [])):
                    unexcused.add(e.id)
            x += timedelta(days=1)
    return now, any_, unexcused


def figure(src: Source, ind: Indicator, start: date, end: date, f: Filters) -> tuple[Any, Any, Any]:
    """(value, numerator, denominator) as the API reports them."""
    records = [r for r in src.effective if start <= r.maintenance_day <= end]
    if ind.family in ("rate", "sum"):
        if ind.numerator == "intervals_on_time":
            n, d = _intervals(src, start, end, f)
            return pct(n, d), n, d
        mine = [r for r in records if _record_matches(r, f)]
        n = sum(_record_has(src, r, ind.numerator or "") for r in mine)
        if ind.family == "sum":
            return float(n), n, None
        base = [r for r in records if _record_matches(r, f, ignore_source=(ind.numerator or "").startswith("source:"))]
        d = len(base)
        return pct(n, d), n, d
    if ind.family == "median":
        mine = [r for r in records if _record_matches(r, f)]
        if ind.numerator == "hsign":
            values = [
                bucket(int((src.states[r.id].decided_at - r.received_at).total_seconds() // 60))
                for r in mine
                if r.id in src.states and src.states[r.id].state == "signed"
            ]
        else:
            category = (ind.numerator or "").removeprefix("hdur:")
            values = [bucket(r.duration_seconds // 60) for r in mine if r.category == category]
        return lower_median(values), None, len(values)
    elevators = [e for e in src.elevators if _elevator_matches(e, f, end)]
    in_use = [e for e in elevators if _in_use(e)]
    window = [r for r in src.effective if end - timedelta(days=29) <= r.maintenance_day <= end]
    if ind.family == "registry":
        if ind.numerator == "registered":
            n = len(elevators)
        elif ind.numerator == "in_use":
            n = len(in_use)
        else:
            n = len([e for e in elevators if e.elevator_type == (ind.numerator or "").removeprefix("type:")])
        return float(n), n, None
    if ind.family == "overdue":
        now, any_, unexcused = _overdue(src, start, end, f)
        chosen = {"now": now, "any": any_, "unexcused": unexcused, "excused": any_ - unexcused}[ind.numerator or ""]
        if ind.kind == "rate":
            return pct(len(chosen), len(in_use)), len(chosen), len(in_use)
        return float(len(chosen)), len(chosen), None
    if ind.family == "coverage" and ind.numerator == "elevators":
        active = {r.elevator_id for r in window}
        n = len([e for e in in_use if e.id in active])
        return pct(n, len(in_use)), n, len(in_use)
    if ind.family == "coverage":
        registered = {e.maintenance_unit_id for e in in_use if src.unit_status.get(e.maintenance_unit_id) == "active"}
        active = {r.maintenance_unit_id for r in window if _record_matches(r, f)} & registered
        return pct(len(active), len(registered)), len(active), len(registered)
    technicians = {a for r in window if _record_matches(r, f) for a in src.technicians.get(r.id, [])}
    n, d = len(in_use), len(technicians)
    return (round(n / d, 2) if d else None), n, d
