"""The statistics catch-up: recompute the rollups of whatever changed since the last run (idempotent).

Run by the periodic sweep (``flask sweep --loop``, one process) and by ``flask stats catch-up``; never by two
processes at once (both would replace the same rows)."""

from __future__ import annotations

from jobs.context import job_context
from miniback.extensions import db
from miniback.statistics.rollup import CatchUp, catch_up


def catch_up_statistics() -> CatchUp:
    with job_context():
        result = catch_up()
        db.session.commit()
        return result
