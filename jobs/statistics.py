"""The statistics catch-up: recompute the rollups of whatever changed since the last run (idempotent).

Run by the periodic sweep (``flask sweep --loop``, one process) and by ``flask stats catch-up``; never by two
processes at once (both would replace the same rows)."""

from __future__ import annotations

import logging

from jobs.context import job_context
from miniback.extensions import db
from miniback.statistics.rollup import CatchUp, catch_up

log = logging.getLogger(__name__)


def catch_up_statistics() -> CatchUp | None:
    """Catch up; a failure is logged and left for the next sweep (it must not stop the sign-off sweep's work)."""
    with job_context():
        try:
            result = catch_up()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("statistics catch-up failed; the next sweep retries")
            return None
        return result
