"""The ledger's jobs: chain new sign-off events, grow the Merkle tree and publish a checkpoint, then write
everything new to the archive.

``seal_ledger`` is what the periodic schedule (every ≤ 5 minutes) and an on-demand request run; it is idempotent
(a run with nothing new publishes nothing and archives nothing) and catches up after any outage of the database
job or of the archive, because both continue from what they find stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

from miniback.database.conflicts import redo_on_conflict
from miniback.extensions import db
from signoff.archive.segments import archive_pending
from signoff.archive.settings import store_from_config
from signoff.archive.store import ArchiveStore
from signoff.ledger.chain import EVENTS_PER_RUN, ledger_new_events
from signoff.ledger.checkpoints import BuildResult, build_checkpoint, lock_state

log = logging.getLogger("miniback.jobs.ledger")


@dataclass
class SealResult:
    tree_size: int
    added: int
    checkpoint_size: int | None
    archived: int


def archive_store() -> ArchiveStore:
    return store_from_config(current_app.config, f"{current_app.instance_path}/archive")


def seal_ledger(store: ArchiveStore | None = None) -> SealResult:
    """Checkpoint (one commit per bounded batch), then archive. Runs inside the caller's app context."""
    added = 0
    # Each step is one transaction, redone whole if the database rolled it back (a Galera certification conflict
    # with another node's seal): a redo continues from what is stored, so nothing is chained or checkpointed twice.
    while True:  # chain the sign-off events committed since the last run
        events = redo_on_conflict(_chain_new_events, what="ledger chaining")
        if events < EVENTS_PER_RUN:
            break
    while True:
        result = redo_on_conflict(_checkpoint_step, what="ledger checkpoint")
        added += result.added
        if result.caught_up:
            break
    archived = archive_pending(store or archive_store())
    db.session.rollback()  # the archiver only read; end its snapshot
    size = result.checkpoint.tree_size if result.checkpoint else None
    if added or archived:
        log.info("账本：新增 %s 条，检查点 %s，归档 %s 条", added, size, archived)
    return SealResult(tree_size=result.tree_size, added=added, checkpoint_size=size, archived=archived)


def _chain_new_events() -> int:
    lock_state()
    events = ledger_new_events()
    db.session.commit()
    return events


def _checkpoint_step() -> BuildResult:
    result = build_checkpoint()
    db.session.commit()
    return result


def seal() -> SealResult:
    """The periodic entry point (``flask sweep --loop`` and the demo's in-process runner call it after each
    sweep, every ``SIGNOFF_SWEEP_INTERVAL_SECONDS`` ≤ 5 minutes): ``seal_ledger`` in a job's own app context."""
    from jobs.context import job_context

    with job_context():
        return seal_ledger()
