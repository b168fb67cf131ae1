"""``flask stats rebuild`` recomputes the rollups from the source tables and shows its progress."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from miniback.extensions import db
from miniback.models import StatsRollup
from tests.factories.registry import make_world
from tests.factories.statistics import add_record


def test_rebuild_recomputes_the_rollups_with_progress(app):
    world = make_world()
    add_record(world.elevators[0], date(2026, 9, 30), world.tech1.id)
    add_record(world.elevators[1], date(2026, 10, 2), world.tech1.id)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "2026-09：已重算 1/3 天" in result.stderr and "2026-10：已重算 3/3 天" in result.stderr
    assert "重算完成：3 天" in result.stdout
    months = db.session.execute(
        select(StatsRollup.period_start, func.sum(StatsRollup.records))
        .where(StatsRollup.grain == "m", StatsRollup.level == 0)
        .group_by(StatsRollup.period_start)
    ).all()
    assert sorted(months) == [(date(2026, 9, 1), 1), (date(2026, 10, 1), 1)]
