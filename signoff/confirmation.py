"""The default confirmation (默认签名确认): every record still pending at its deadline becomes
``default_confirmed`` — set-based, a chunk at a time, exactly once per sign-off round however often and however
concurrently it runs (a sign-off reopened after a resolved objection is pending again, with its new deadline).

Only for a use unit that consented to the rules (``signoff.consent``): each event names that consent, and the
records of a unit without one stay pending (overdue and unsigned) until it consents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, literal, select, update

from miniback.extensions import db
from miniback.models import SignoffEvent, SignoffState, UseUnit
from miniback.models.signoff import terminal_key_of
from signoff.consent import consented_use_unit
from signoff.rowcount import rowcount


class ConfirmationMismatch(RuntimeError):
    """The events written differ from the states changed; the chunk must be rolled back."""


def apply_default_confirmations(
    deadline: datetime, batch: int, *, now: datetime, record_ids: Sequence[int] | None = None
) -> int:
    """Default-confirm at most ``batch`` records still pending whose deadline is at or before ``deadline``.

    Two statements per chunk, never one per record: a conditional UPDATE flips the chunk from ``pending`` (the
    database decides a race with a manager's sign: whoever changes the row first wins, the other sees it no
    longer pending), then one ``INSERT … SELECT`` writes the events of exactly the rows this call flipped
    (stamped with this call's ``now``, keyed to each row's round). The unique (record, once_key) index backs this
    up. Flushes, never commits: the caller commits between chunks (REPEATABLE READ would otherwise hide newer rows)
    and calls again until it returns 0. Returns the number of records this call confirmed.
    """
    if record_ids is None and db.session.get_bind().dialect.name in ("mysql", "mariadb"):
        changed = _confirm_next_chunk(deadline, batch, now)
    else:
        changed = _confirm_chosen(deadline, batch, now, record_ids)
    if changed == 0:
        return 0
    written = rowcount(
        db.session.execute(
            insert(SignoffEvent).from_select(
                ["record_id", "kind", "once_key", "occurred_at", "deadline_at", "pushed_at", "consent_id"],
                select(
                    SignoffState.record_id,
                    literal("default_confirmed"),
                    terminal_key_of(SignoffState.round_no),
                    literal(now, SignoffEvent.occurred_at.type),
                    SignoffState.deadline_at,
                    SignoffState.pushed_at,
                    UseUnit.consent_id,
                )
                .join(UseUnit, UseUnit.id == SignoffState.use_unit_id)
                .where(SignoffState.decided_at == now, SignoffState.state == "default_confirmed"),
            )
        )
    )
    if written != changed:
        raise ConfirmationMismatch(f"{changed} states confirmed but {written} events written")
    return changed


def _confirm_next_chunk(deadline: datetime, batch: int, now: datetime) -> int:
    """MySQL/MariaDB: one ``UPDATE … LIMIT`` flips the next chunk (walking the (state, deadline) index).

    A row a manager is signing is locked by that sign: this statement waits for it, then skips it (no longer
    pending)."""
    return rowcount(
        db.session.execute(
            update(SignoffState)
            .where(SignoffState.state == "pending", SignoffState.deadline_at <= deadline, consented_use_unit())
            .values(state="default_confirmed", decided_at=now)
            .execution_options(synchronize_session=False)
            .with_dialect_options(mysql_limit=batch)
        )
    )


def _confirm_chosen(deadline: datetime, batch: int, now: datetime, record_ids: Sequence[int] | None) -> int:
    """Portable path (SQLite demo, or named records): choose the chunk's ids, then flip those still pending."""
    due = (
        select(SignoffState.record_id)
        .where(SignoffState.state == "pending", SignoffState.deadline_at <= deadline, consented_use_unit())
        .order_by(SignoffState.deadline_at, SignoffState.record_id)
        .limit(batch)
    )
    if record_ids is not None:
        due = due.where(SignoffState.record_id.in_(list(record_ids)))
    if db.session.get_bind().dialect.name != "sqlite":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.execute(due).scalars())
    if not ids:
        return 0
    return rowcount(
        db.session.execute(
            update(SignoffState)
            .where(SignoffState.record_id.in_(ids), SignoffState.state == "pending")
            .values(state="default_confirmed", decided_at=now)
            .execution_options(synchronize_session=False)
        )
    )
