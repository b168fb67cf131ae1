"""The statistics catch-up: recompute the rollups of whatever changed since the last run (idempotent).

Run by the periodic sweep (``flask sweep --loop``) and by ``flask stats catch-up``; two at once take turns (a
row lock, ``miniback.statistics.rollup._serialise_catch_ups``)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from jobs.context import job_context
from miniback.extensions import db
from miniback.statistics.rollup import CatchUp, catch_up

log = logging.getLogger(__name__)


def catch_up_statistics() -> CatchUp | None:
    """Catch up; a database failure (a lock wait timeout, a lost connection) is logged and left for the next sweep:
    it must not stop the sign-off sweep's work. Anything else is a bug and raises."""
    with job_context():
        try:
            result = catch_up()
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("statistics catch-up failed; the next sweep retries")
            return None
        return result
