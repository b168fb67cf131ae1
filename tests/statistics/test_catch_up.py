"""The catch-up job: later changes reach the rollups, a flag raised after submission included, and running it
again changes nothing (idempotent)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from miniback.extensions import db
from miniback.models import StatsRollup, StatsRollupExtra, utcnow
from miniback.projections.stats_dirty import mark_record_dirty
from miniback.statistics import rollup
from miniback.statistics.definitions import Indicator
from miniback.statistics.query import figures
from miniback.statistics.rollup import catch_up
from miniback.statistics.scope import Filters
from tests.factories.registry import make_world
from tests.factories.statistics import add_record

D = date(2026, 10, 5)
LATER = timedelta(minutes=10)


def _table() -> list[tuple[object, ...]]:
    rows = db.session.execute(select(StatsRollup)).scalars()
    extra = db.session.execute(select(StatsRollupExtra)).scalars()
    return sorted(
        [
            (r.grain, r.period_start, r.level, r.district, r.maintenance_unit_id, r.source, r.records, r.signed)
            for r in rows
        ]
        + [(r.grain, r.period_start, r.level, r.metric, r.bucket, r.n) for r in extra],
        key=repr,
    )


def test_new_records_reach_the_rollups_and_a_second_run_changes_nothing(app):
    world = make_world()
    add_record(world.elevators[0], D, world.tech1.id, state="signed")
    db.session.commit()
    assert catch_up(now=utcnow() + LATER).days == 1
    db.session.commit()
    once = _table()
    assert db.session.execute(select(func.sum(StatsRollup.records)).where(StatsRollup.grain == "d")).scalar() == 3
    # Nothing new: only the rows newer than the watermark's lag would be read again, and there are none.
    assert catch_up(now=utcnow() + LATER).days == 0
    db.session.commit()
    assert _table() == once


def test_a_flag_raised_after_submission_reaches_the_rollups_once_marked(app, monkeypatch):
    world = make_world()
    record_id = add_record(world.elevators[0], D, world.tech1.id)
    add_record(world.elevators[1], D, world.tech1.id)
    db.session.commit()
    catch_up(now=utcnow() + LATER)
    db.session.commit()
    photo = Indicator("flag_rate:photo", "标记率（照片）", "rate", "%", "", "records", "rate", "flag:photo", "records")
    before = figures([photo], D, D, Filters(), "none")[""]["flag_rate:photo"]
    assert (before.numerator, before.denominator) == (0, 2)

    # What issue 19 does: store the flag elsewhere (``record_flag``), extend the flag kinds, mark the record.
    monkeypatch.setattr(rollup, "extra_flag_kinds", lambda ids: {record_id: ["photo"]} if record_id in ids else {})
    mark_record_dirty(D, world.elevators[0].id)
    db.session.commit()
    catch_up(now=utcnow() + LATER)
    db.session.commit()
    after = figures([photo], D, D, Filters(), "none")[""]["flag_rate:photo"]
    assert (after.value, after.numerator, after.denominator) == (50.0, 1, 2)
