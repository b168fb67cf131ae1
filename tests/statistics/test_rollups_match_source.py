"""Every indicator read from the rollups equals a direct computation on the source tables, over seeded random
data with delay notices, corrections, late uploads, decommissioned elevators and month and year boundaries; after a
full rebuild and again after the catch-up job has taken in later changes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import update

from miniback.extensions import db
from miniback.models import Elevator, utcnow
from miniback.statistics.definitions import INDICATORS, route_share
from miniback.statistics.drill import drill
from miniback.statistics.query import figures, total_figures
from miniback.statistics.rollup import catch_up, rebuild
from miniback.statistics.scope import Filters
from tests.factories.registry import make_elevator, make_staff, make_use_unit, make_world
from tests.factories.statistics import add_notice, add_record, at, registered_on
from tests.statistics.direct import Source, figure

FIRST, LAST = date(2025, 11, 10), date(2026, 2, 25)
DISTRICTS = ("天河区", "越秀区", "海珠区")
PERIODS = [
    (date(2025, 12, 1), date(2025, 12, 31)),
    (date(2025, 12, 15), date(2026, 1, 20)),
    (date(2026, 1, 1), date(2026, 2, 25)),
    (FIRST, LAST),
    (date(2026, 1, 31), date(2026, 1, 31)),
]


def _random_record(rng: random.Random, elevator: Elevator, day: date, techs: list[int], **extra: object) -> int:
    far = rng.random() < 0.15
    distances = (rng.choice([None, 30.0, 120.0]) if rng.random() < 0.2 else 20.0, 350.0 if far else 25.0)
    flags = tuple(k for k, p in (("duration", 0.1), ("overlap", 0.05)) if rng.random() < p)
    if any(d is not None and d > 200 for d in distances):
        flags = ("distance", *flags)
    late = rng.random() < 0.2
    received = at(day, 12) + (timedelta(days=rng.randint(1, 4)) if late else timedelta(minutes=rng.randint(1, 90)))
    state = rng.choice(["pending", "signed", "signed", "default_confirmed"])
    decided = (
        received + timedelta(minutes=rng.choice([3, 50, 239, 245, 700, 1500, 3000])) if state != "pending" else None
    )
    return add_record(
        elevator,
        day,
        rng.choice(techs),
        category=rng.choices(["half_month", "quarter", "half_year", "year"], [8, 2, 1, 1])[0],
        late_upload=late,
        source="platform:p1" if rng.random() < 0.25 else "miniprogram",
        flags=flags,
        duration_minutes=rng.choice([15, 40, 61, 90, 250, 1500]),
        hazards=rng.choice([0, 0, 1, 2]),
        hazard_items=rng.choice([0, 0, 0, 1, 3]),
        state=state,
        decided_at=decided,
        objected=rng.random() < 0.1,
        received_at=received,
        second_technician_id=rng.choice(techs) if rng.random() < 0.3 else None,
        distances=distances,
        **extra,  # type: ignore[arg-type]
    )


def _compare(checks: list[tuple[Filters, str]]) -> int:
    src = Source.load()
    indicators = [*INDICATORS.values(), route_share("miniprogram"), route_share("platform:p1")]
    compared = 0
    for start, end in PERIODS:
        for filters, group_by in checks:
            usable = [i for i in indicators if filters.source is None or "platform" in i.dims]
            usable = [i for i in usable if group_by in ("none", "month") or group_by in i.dims]
            found = figures(usable, start, end, filters, group_by)
            if group_by == "none":
                expected_keys = {"": filters}
            elif group_by == "district":
                expected_keys = {
                    d: Filters(d, filters.maintenance_unit_id, filters.use_unit_id, filters.source) for d in DISTRICTS
                }
            else:
                units = {str(e.maintenance_unit_id) for e in src.elevators if e.maintenance_unit_id}
                expected_keys = {
                    u: Filters(filters.district, int(u), filters.use_unit_id, filters.source) for u in units
                }
            for key, key_filters in expected_keys.items():
                for indicator in usable:
                    got = found.get(key, {}).get(indicator.code)
                    want = figure(src, indicator, start, end, key_filters)
                    have = (got.value, got.numerator, got.denominator) if got is not None else None
                    if have is None:  # a group with nothing at all: the direct figure must be empty too
                        assert want[1] in (0, None) and want[2] in (0, None), (indicator.code, start, end, key)
                        continue
                    assert have == want, (indicator.code, start, end, key, group_by, filters)
                    compared += 1
    return compared


def test_every_indicator_from_the_rollups_equals_the_direct_computation(app):
    rng = random.Random(20261203)
    first, second = make_world("天河区"), make_world("越秀区")
    other_use_unit, _ = make_use_unit("海珠区")
    elevators = list(first.elevators) + list(second.elevators)
    for world, district in ((first, "海珠区"), (second, "天河区"), (first, "越秀区"), (second, "海珠区")):
        for _ in range(2):
            elevators.append(make_elevator(world.admin, rng.choice([world.use_unit, other_use_unit]), district))
    techs = {first.unit.id: [first.tech1.id, first.tech2.id], second.unit.id: [second.tech1.id, second.tech2.id]}
    techs[first.unit.id].append(make_staff(first.admin, "technician", first.team1, "王五").id)
    for elevator in elevators:
        registered_on(elevator, FIRST - timedelta(days=rng.randint(-20, 30)))
    db.session.execute(update(Elevator).where(Elevator.id == elevators[3].id).values(status="decommissioned"))
    never = elevators[-1]  # registered, never maintained
    record_ids = []
    for elevator in elevators[:-1]:
        day = FIRST + timedelta(days=rng.randint(0, 10))
        while day <= LAST:
            record_id = _random_record(rng, elevator, day, techs[elevator.maintenance_unit_id])
            record_ids.append((record_id, elevator, day))
            if rng.random() < 0.12:  # a correction, the same day or a day or two later
                _random_record(
                    rng,
                    elevator,
                    day + timedelta(days=rng.choice([0, 1, 2])),
                    techs[elevator.maintenance_unit_id],
                    supersedes_id=record_id,
                )
            day += timedelta(days=rng.choice([5, 10, 14, 15, 15, 16, 18, 25, 40]))
    add_notice(first.unit.id, first.admin.id, [first.elevators[0], never], date(2025, 12, 10), date(2026, 1, 15))
    add_notice(second.unit.id, second.admin.id, second.elevators[:1], date(2026, 1, 1), date(2026, 1, 3))
    add_notice(first.unit.id, first.admin.id, elevators[4:7], date(2025, 12, 28), date(2026, 2, 10))
    db.session.commit()
    rebuild()
    checks = [
        (Filters(), "none"),
        (Filters(), "district"),
        (Filters(), "maintenance_unit"),
        (Filters(district="天河区"), "none"),
        (Filters(maintenance_unit_id=first.unit.id), "none"),
        (Filters(use_unit_id=other_use_unit.id), "none"),
        (Filters(source="miniprogram"), "none"),
        (Filters(source="platform:p1"), "district"),
    ]
    assert _compare(checks) > 1000
    # Every drill-down lists exactly the figure's numerator (a median: its denominator, the records it is over).
    for filters in (Filters(), Filters(district="天河区"), Filters(maintenance_unit_id=second.unit.id)):
        start, end = date(2025, 12, 15), date(2026, 1, 20)
        for indicator in [*INDICATORS.values(), route_share("platform:p1")]:
            got = total_figures([indicator], start, end, filters)[indicator.code]
            part = "denominator" if indicator.family == "median" else "numerator"
            listed = drill(indicator, part, start, end, filters, limit=500, cursor=None)
            assert len(listed["items"]) == listed["total"]
            if indicator.family == "sum":  # hazards: the records carrying them
                assert (listed["total"] == 0) == (got.numerator == 0), indicator.code
                continue
            expected = got.denominator if part == "denominator" else got.numerator
            assert listed["total"] == expected, (indicator.code, filters)

    # Later changes reach the rollups through the catch-up job: a late upload of an old job (it shortens the
    # interval after it), a correction, another delay notice, and one more elevator.
    _random_record(rng, elevators[0], date(2025, 12, 24), techs[first.unit.id])
    old_id, old_elevator, old_day = record_ids[5]
    _random_record(
        rng, old_elevator, old_day + timedelta(days=1), techs[old_elevator.maintenance_unit_id], supersedes_id=old_id
    )
    add_notice(second.unit.id, second.admin.id, elevators[8:10], date(2026, 2, 1), date(2026, 2, 20))
    registered_on(make_elevator(second.admin, second.use_unit, "海珠区"), date(2025, 12, 1))
    db.session.commit()
    catch_up(now=utcnow() + timedelta(minutes=10))
    db.session.commit()
    assert _compare(checks[:5]) > 500
