"""Transactions the database rolled back whole are redone whole: one definition for every write path.

MariaDB answers 1213 (deadlock) when InnoDB picks a transaction as a deadlock victim, and a Galera cluster answers
1213 at COMMIT when another node's transaction won certification for the same rows; 1205 (lock wait timeout) also
ends with nothing of the transaction kept. In each case nothing was written and the client was told nothing, so
running the same unit of work again is safe: every write path is idempotent (a submitted draft answers its
record, a second sign is a no-op, a default confirmation is keyed on its record and round, a checkpoint continues
from the stored tree, a platform upload is keyed on the platform's own id).

``redo_on_conflict`` runs a unit of work that ends in one commit; on such an error it rolls the session back and
runs it again, a bounded number of times, after a short random pause (two conflicting writers redone in lockstep
would conflict again). It never redoes once a commit of the unit has succeeded: the client may have been told.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from miniback.extensions import db

log = logging.getLogger("miniback.database")

# 1213 deadlock or Galera certification failure, 1205 lock wait timeout: the transaction was rolled back whole.
ROLLED_BACK_WHOLE = (1213, 1205)
ATTEMPTS = 5
# The pause before attempt n (n ≥ 2) is random in [0, BACKOFF_SECONDS · 2^(n-2)]: 20 ms, 40 ms, 80 ms, 160 ms.
BACKOFF_SECONDS = 0.02
_COMMITS = "miniback.commits"

P = ParamSpec("P")
T = TypeVar("T")


@event.listens_for(Session, "after_commit")
def _count_commit(session: Session) -> None:
    # After the server acknowledged the COMMIT: from here on the unit's writes are visible to everyone.
    session.info[_COMMITS] = session.info.get(_COMMITS, 0) + 1


def error_code(error: BaseException) -> int | None:
    """The MySQL error number of a DB-API error wrapped by SQLAlchemy, if it has one."""
    args = getattr(getattr(error, "orig", None), "args", None)
    return args[0] if args and isinstance(args[0], int) else None


def rolled_back_whole(error: BaseException | None) -> bool:
    """Whether the database rolled the transaction back (1213, 1205), anywhere in the error's chain: after such an
    error SQLAlchemy's rollback to a savepoint that no longer exists fails with 1305 and hides the first error."""
    while error is not None:
        if isinstance(error, DBAPIError) and error_code(error) in ROLLED_BACK_WHOLE:
            return True
        error = error.__cause__ or error.__context__
    return False


def end_transaction() -> None:
    """Roll the session back after a database error. When the server already rolled the transaction back, the
    rollback to a savepoint fails (1305, it no longer exists); the second rollback then ends the transaction."""
    try:
        db.session.rollback()
    except OperationalError:
        db.session.rollback()


def redo_on_conflict(work: Callable[[], T], *, attempts: int = ATTEMPTS, what: str = "transaction") -> T:
    """``work()`` (which commits its unit once), redone after the database rolled it back whole, at most
    ``attempts`` runs in all; the error of the last run, or any other error, goes to the caller. ``what`` names the
    unit in the log line of each redo."""
    session = db.session()
    for attempt in range(1, attempts + 1):
        commits = session.info.get(_COMMITS, 0)
        try:
            return work()
        except DBAPIError as error:
            if not rolled_back_whole(error) or session.info.get(_COMMITS, 0) != commits or attempt == attempts:
                raise
            end_transaction()
            log.info("%s rolled back by the database (%s), redoing it (attempt %s)", what, error_code(error), attempt)
        time.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")


def redone_on_conflict(view: Callable[P, T]) -> Callable[P, T]:
    """Decorator for a writing view (parse → load → domain operation → one commit → side effects): the whole view
    is redone when the database rolled its transaction back whole before its commit succeeded."""

    @wraps(view)
    def redone(*args: P.args, **kwargs: P.kwargs) -> T:
        return redo_on_conflict(lambda: view(*args, **kwargs), what=view.__name__)

    return redone
