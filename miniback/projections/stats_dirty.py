"""Mark statistics for recomputation, from the writing transaction of whatever changed a figure after the fact.

Low in the layers so any writer may call it (issue 19 raises a flag on a submitted record; a registry change moves
an elevator). The catch-up job (``miniback.statistics.rollup.catch_up``) recomputes what is marked, idempotently.
"""

from __future__ import annotations

from datetime import date

from miniback.extensions import db
from miniback.models import StatsDirty


def mark_day_dirty(day: date) -> None:
    """The rollups of ``day`` (an Asia/Shanghai maintenance day) must be recomputed."""
    db.session.add(StatsDirty(day=day))


def mark_elevator_dirty(elevator_id: int) -> None:
    """The overdue segments of one elevator must be recomputed (e.g. a delay notice filed, a status change)."""
    db.session.add(StatsDirty(elevator_id=elevator_id))


def mark_record_dirty(day: date, elevator_id: int) -> None:
    """A submitted record's figures changed (a flag raised after submission): its day and its elevator."""
    db.session.add(StatsDirty(day=day, elevator_id=elevator_id))
