"""Sign-off operations. Each flushes and never commits; the caller commits once.

Races (a manager signing while the deadline job runs, two managers at once) are decided by the database: every
transition is a conditional UPDATE of the record's projection row (``WHERE state = 'pending' …``) whose rowcount
says who won, and the event table's unique (record, once_key) refuses a second terminal event regardless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import insert, update

from miniback.errors import Conflict
from miniback.extensions import db
from miniback.models import Account, SignoffEvent, SignoffState
from miniback.models.signoff import ONCE_PUSHED, ONCE_SUBMITTED, reopen_key, terminal_key
from miniback.projections.public_history import sync_public_signoff
from signoff.confirmation import apply_default_confirmations
from signoff.consent import unit_consented
from signoff.deadlines import reopened_deadline, shanghai_text, signoff_deadline
from signoff.ledger.hashing import sha256_hex
from signoff.rowcount import rowcount
from signoff.signatures import store_signature


class SubmittedRecord(Protocol):
    """What sign-off needs to know of a maintenance record."""

    id: int
    elevator_id: int
    use_unit_id: int | None
    maintenance_unit_id: int
    maintenance_day: date
    district: str
    org_node_id: int | None


class SignoffRefused(Conflict):
    code = "signoff_refused"


def current_state(record_id: int) -> SignoffState:
    """The projection row as the database has it now (not as this session remembers it)."""
    state: SignoffState = db.session.execute(
        db.select(SignoffState).where(SignoffState.record_id == record_id).execution_options(populate_existing=True)
    ).scalar_one()
    return state


_INSERT_STATE, _INSERT_EVENT = insert(SignoffState.__table__), insert(SignoffEvent.__table__)


def open_signoff(record: SubmittedRecord, *, now: datetime, min_window: timedelta) -> SignoffState:
    """Open the sign-off of a freshly submitted record: its deadline, a ``submitted`` event, a pending state.

    The resident's page is the caller's to write: ``add_public_entry(record, names, state)`` inserts the entry
    with this sign-off already in it. Prebuilt Core inserts on the session's connection (this runs in every
    submission, where the unit of work's flush of two new objects cost more than the statements); returns a
    plain (transient) copy of the state row.
    """
    deadline = signoff_deadline(record.maintenance_day, now, min_window)
    values = {
        "record_id": record.id,
        "elevator_id": record.elevator_id,
        "use_unit_id": record.use_unit_id,
        "maintenance_unit_id": record.maintenance_unit_id,
        "maintenance_day": record.maintenance_day,
        "district": record.district,
        "org_node_id": record.org_node_id,
        "submitted_at": now,
        "deadline_at": deadline,
        "state": "pending",
        "round_no": 1,
        "reopened_at": None,
        "objection_open": False,
    }
    db.session.flush()  # the statements run on the connection, past the session's autoflush
    connection = db.session.connection()
    connection.execute(_INSERT_STATE, values)
    event = {
        "record_id": record.id,
        "kind": "submitted",
        "once_key": ONCE_SUBMITTED,
        "occurred_at": now,
        "deadline_at": deadline,
    }
    connection.execute(_INSERT_EVENT, event)
    return SignoffState(**values)


def record_submitted(record: SubmittedRecord, *, now: datetime, min_window: timedelta) -> SignoffState:
    """``open_signoff`` for a record whose public entry already exists (added without a sign-off, so pending):
    the entry then shows the opened sign-off."""
    state = open_signoff(record, now=now, min_window=min_window)
    sync_public_signoff(state)
    return state


def _awaiting_consent() -> SignoffRefused:
    return SignoffRefused(
        "已超过签名确认期限；本单位尚未同意《默认签名确认规则》，该记录列为超期未签名。单位管理员同意规则后将重新开放签名",
        code="awaiting_consent",
    )


def _refusal(state: SignoffState, now: datetime) -> SignoffRefused:
    deadline = shanghai_text(state.deadline_at)
    if state.state == "pending" and now >= state.deadline_at and not unit_consented(state.use_unit_id):
        return _awaiting_consent()
    if state.state == "default_confirmed" or (state.state == "pending" and now >= state.deadline_at):
        return SignoffRefused(
            f"已超过签名确认期限（{deadline}），系统已按规定默认签名确认，不能再签名；如有异议，请提出异议",
            code="deadline_passed",
        )
    if state.state == "objected":
        return SignoffRefused("该维保记录已提出异议，异议处理完毕后可重新签名", code="already_objected")
    if state.state == "objection_resolved":
        return SignoffRefused("该维保记录的异议已处理，签名确认即将重新开放，请稍后再试", code="reopening")
    return SignoffRefused("该维保记录当前不能签名")


@dataclass(frozen=True)
class Signature:
    """A validated signature image (the view checks it is a PNG of sensible size)."""

    png: bytes
    width: int
    height: int


def sign(record_id: int, signer: Account, signature: Signature, *, now: datetime) -> tuple[SignoffState, bool]:
    """Sign a pending record before its deadline (in any round: a reopened sign-off is pending again). Signing an
    already signed record changes nothing.

    Returns the state and whether this call signed it.
    """
    digest = sha256_hex(signature.png)
    result = db.session.execute(
        update(SignoffState)
        .where(
            SignoffState.record_id == record_id,
            SignoffState.state == "pending",
            SignoffState.deadline_at > now,
        )
        .values(state="signed", decided_at=now, signed_by_id=signer.id, signature_hash=digest)
        .execution_options(synchronize_session=False)
    )
    state = current_state(record_id)
    if rowcount(result) == 1:
        # Only the winner stores the image: a refused or repeated sign writes nothing at all.
        store_signature(signature.png, signature.width, signature.height, signer.id)
        db.session.add(
            SignoffEvent(
                record_id=record_id,
                kind="signed",
                once_key=terminal_key(state.round_no),
                actor_id=signer.id,
                occurred_at=now,
                deadline_at=state.deadline_at,
                signature_hash=digest,
            )
        )
        db.session.flush()
        sync_public_signoff(state)
        return state, True
    if state.state == "signed":
        return state, False
    raise _refusal(state, now)


def object_to(
    record_id: int, manager: Account, reason: str, *, now: datetime, objection_period: timedelta
) -> SignoffState:
    """Object to a record: before the deadline instead of signing (in any round), or within ``objection_period``
    after the default confirmation (which stays among the events; the objection is a further event)."""
    state = current_state(record_id)
    if state.state == "pending" and now < state.deadline_at:
        result = db.session.execute(
            update(SignoffState)
            .where(
                SignoffState.record_id == record_id,
                SignoffState.state == "pending",
                SignoffState.deadline_at > now,
            )
            .values(state="objected", decided_at=now, objection_open=True, objection_reason=reason)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            state = current_state(record_id)
            _add_event(record_id, "objected", manager.id, now, reason=reason, once_key=terminal_key(state.round_no))
            return _publicly(state)
        state = current_state(record_id)
    if state.state == "pending":
        # The deadline has passed but no job has confirmed it yet: confirm it now, then take the objection.
        apply_default_confirmations(now, 1, now=now, record_ids=[record_id])
        state = current_state(record_id)
        if state.state == "pending":
            raise _awaiting_consent()  # its use unit has not consented: nothing was confirmed to object to
    if state.state == "default_confirmed":
        if now > state.deadline_at + objection_period:
            days = objection_period.days
            raise SignoffRefused(
                f"已超过异议期限（默认签名确认后 {days} 天内可提出异议）", code="objection_period_over"
            )
        result = db.session.execute(
            update(SignoffState)
            .where(
                SignoffState.record_id == record_id,
                SignoffState.state == "default_confirmed",
                SignoffState.objection_open.is_(False),
            )
            .values(objection_open=True, objection_reason=reason)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            _add_event(record_id, "objected", manager.id, now, reason=reason)
            return _publicly(current_state(record_id))
        raise SignoffRefused("该维保记录已有未处理的异议", code="objection_open")
    if state.state == "signed":
        raise SignoffRefused("该维保记录已签名确认，不能再提出异议", code="already_signed")
    if state.objection_open:
        raise SignoffRefused("该维保记录已有未处理的异议", code="objection_open")
    raise SignoffRefused("该维保记录的异议已处理完毕", code="objection_resolved")


def resolve_objection(
    record_id: int, actor: Account, note: str, *, now: datetime, min_window: timedelta
) -> SignoffState:
    """Close the open objection of a record (the maintenance unit dealt with it, or the manager withdrew it).

    An objection made before any confirmation had ended the sign-off round: its resolution reopens the sign-off
    (``reopen``), so the manager may sign or object again until the new deadline, when the default confirmation
    applies. An objection after a default confirmation leaves that confirmation standing: the record stays
    ``default_confirmed``, with no new deadline. The caller schedules the reopened round's jobs after the commit.
    """
    objected_before = db.session.execute(
        update(SignoffState)
        .where(
            SignoffState.record_id == record_id,
            SignoffState.objection_open.is_(True),
            SignoffState.state == "objected",
        )
        .values(objection_open=False, state="objection_resolved")
        .execution_options(synchronize_session=False)
    )
    if rowcount(objected_before) == 1:
        _add_event(record_id, "objection_resolved", actor.id, now, reason=note)
        reopen(record_id, now=now, min_window=min_window)
        return _publicly(current_state(record_id))
    result = db.session.execute(
        update(SignoffState)
        .where(SignoffState.record_id == record_id, SignoffState.objection_open.is_(True))
        .values(objection_open=False)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise SignoffRefused("该维保记录没有未处理的异议", code="no_open_objection")
    _add_event(record_id, "objection_resolved", actor.id, now, reason=note)
    return _publicly(current_state(record_id))


def reopen(record_id: int, *, now: datetime, min_window: timedelta) -> bool:
    """Start the next sign-off round of a record whose objection (made before any confirmation) was resolved:
    pending again, with a new deadline (``reopened_deadline``) and a ``reopened`` event that carries it.

    A conditional UPDATE from ``objection_resolved`` decides a race (two sweeps, a sweep and a resolution), and
    the round's ``opened:<n>`` once_key backs it up. Returns whether this call reopened it. The caller mirrors the
    state on the public page.
    """
    deadline = reopened_deadline(now, min_window)
    result = db.session.execute(
        update(SignoffState)
        .where(SignoffState.record_id == record_id, SignoffState.state == "objection_resolved")
        .values(
            state="pending",
            round_no=SignoffState.round_no + 1,
            deadline_at=deadline,
            decided_at=None,
            reopened_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    state = current_state(record_id)
    db.session.add(
        SignoffEvent(
            record_id=record_id,
            kind="reopened",
            once_key=reopen_key(state.round_no),
            occurred_at=now,
            deadline_at=deadline,
        )
    )
    db.session.flush()
    return True


def reopen_resolved(*, now: datetime, min_window: timedelta, batch: int = 1000) -> list[int]:
    """Reopen the records left in ``objection_resolved`` by the time before reopening existed (the sweep's
    repair; a resolution today reopens at once). Returns the ids reopened, for their deadline jobs."""
    ids = db.session.execute(
        db.select(SignoffState.record_id)
        .where(SignoffState.state == "objection_resolved")
        .order_by(SignoffState.record_id)
        .limit(batch)
    ).scalars()
    reopened = []
    for record_id in list(ids):
        if reopen(record_id, now=now, min_window=min_window):
            sync_public_signoff(current_state(record_id))
            reopened.append(record_id)
    return reopened


def record_pushed(record_id: int, *, now: datetime) -> bool:
    """Note the first successful push of a record (the evidence a default confirmation points to)."""
    result = db.session.execute(
        update(SignoffState)
        .where(SignoffState.record_id == record_id, SignoffState.pushed_at.is_(None))
        .values(pushed_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    _add_event(record_id, "pushed", None, now, once_key=ONCE_PUSHED)
    return True


def _publicly(state: SignoffState) -> SignoffState:
    """Mirror a changed sign-off on the resident's page (same transaction) and hand the state back."""
    sync_public_signoff(state)
    return state


def _add_event(
    record_id: int,
    kind: str,
    actor_id: int | None,
    now: datetime,
    *,
    reason: str | None = None,
    once_key: str | None = None,
) -> None:
    db.session.add(
        SignoffEvent(
            record_id=record_id, kind=kind, once_key=once_key, actor_id=actor_id, occurred_at=now, reason=reason
        )
    )
    db.session.flush()
