"""Sign-off operations against MariaDB: deadlines, sign, object, default confirmation, append-only events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from miniback.extensions import db
from miniback.models import SignoffEvent, SignoffState, utcnow
from signoff.confirmation import apply_default_confirmations
from signoff.deadlines import reopened_deadline, signoff_deadline
from signoff.operations import SignoffRefused, object_to, resolve_objection, sign
from signoff.projection import project_all, rebuild_projection
from tests.factories.registry import make_world
from tests.factories.signatures import signature
from tests.factories.signoff import due_records, submitted_records

WEEK = timedelta(days=7)
WINDOW = timedelta(hours=2)


def events_of(record_id: int) -> list[str]:
    return list(
        db.session.execute(
            select(SignoffEvent.kind).where(SignoffEvent.record_id == record_id).order_by(SignoffEvent.id)
        ).scalars()
    )


def state_of(record_id: int) -> SignoffState:
    return db.session.execute(
        select(SignoffState).where(SignoffState.record_id == record_id).execution_options(populate_existing=True)
    ).scalar_one()


def test_deadline_is_end_of_maintenance_day_in_shanghai():
    pushed = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    deadline = signoff_deadline(date(2026, 11, 25), pushed, timedelta(hours=2))
    assert deadline == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # 26 Nov 00:00 Shanghai


def test_deadline_leaves_minimum_window_after_a_late_push():
    pushed = datetime(2026, 11, 25, 15, 50, 20, tzinfo=UTC)  # 23:50:20 in Shanghai
    deadline = signoff_deadline(date(2026, 11, 25), pushed, timedelta(hours=2))
    assert deadline == datetime(2026, 11, 25, 17, 51, tzinfo=UTC)  # two hours later, up to the whole minute


def test_submission_opens_a_pending_signoff(app):
    world = make_world()
    (state,) = submitted_records(world)
    assert state.state == "pending"
    assert events_of(state.record_id) == ["submitted"]


def test_signing_twice_leaves_one_signed_event(app):
    world = make_world()
    (state,) = submitted_records(world)
    _, first = sign(state.record_id, world.manager, signature(), now=utcnow())
    db.session.commit()
    again, second = sign(state.record_id, world.manager, signature(1), now=utcnow())
    db.session.commit()
    assert (first, second) == (True, False)
    assert again.state == "signed"
    assert events_of(state.record_id) == ["submitted", "signed"]


def test_signing_after_the_deadline_is_refused(app):
    world = make_world()
    (record_id,) = due_records(world, 1)
    with pytest.raises(SignoffRefused) as refused:
        sign(record_id, world.manager, signature(), now=utcnow())
    assert refused.value.code == "deadline_passed"
    assert "已超过签名确认期限" in refused.value.message
    db.session.rollback()
    assert events_of(record_id) == ["submitted"]


def test_default_confirmation_applies_once_to_due_records_only(app):
    world = make_world()
    due = due_records(world, 5)
    (later,) = submitted_records(world)
    now = utcnow()
    assert apply_default_confirmations(now, 2, now=now) == 2
    db.session.commit()
    assert apply_default_confirmations(now, 100, now=utcnow()) == 3
    db.session.commit()
    assert apply_default_confirmations(now, 100, now=utcnow()) == 0
    db.session.commit()
    for record_id in due:
        assert events_of(record_id) == ["submitted", "default_confirmed"]
        assert state_of(record_id).state == "default_confirmed"
    assert state_of(later.record_id).state == "pending"
    confirmed = db.session.execute(
        select(SignoffEvent).where(SignoffEvent.record_id == due[0], SignoffEvent.kind == "default_confirmed")
    ).scalar_one()
    assert confirmed.deadline_at == state_of(due[0]).deadline_at
    assert confirmed.pushed_at is None


def test_objection_before_the_deadline_replaces_the_default_confirmation(app):
    world = make_world()
    (state,) = submitted_records(world)
    object_to(state.record_id, world.manager, "缺少轿顶检查记录", now=utcnow(), objection_period=WEEK)
    db.session.commit()
    later = state.deadline_at + timedelta(minutes=1)
    assert apply_default_confirmations(later, 100, now=later) == 0
    db.session.commit()
    assert state_of(state.record_id).state == "objected"
    with pytest.raises(SignoffRefused):
        sign(state.record_id, world.manager, signature(), now=utcnow())
    db.session.rollback()
    resolved_at = utcnow()
    resolved = resolve_objection(state.record_id, world.admin, "已补做并重新上传", now=resolved_at, min_window=WINDOW)
    db.session.commit()
    # The resolution reopens the sign-off: pending again in round 2, until a new deadline.
    assert (resolved.state, resolved.objection_open, resolved.round_no) == ("pending", False, 2)
    assert resolved.deadline_at == reopened_deadline(resolved_at, WINDOW)
    assert resolved.reopened_at == resolved_at
    assert events_of(state.record_id) == ["submitted", "objected", "objection_resolved", "reopened"]


def test_objection_after_default_confirmation_only_within_the_period(app):
    world = make_world()
    first, second = due_records(world, 2)
    now = utcnow()
    apply_default_confirmations(now, 100, now=now)
    db.session.commit()
    objected = object_to(first, world.manager, "当天未到场", now=now, objection_period=WEEK)
    db.session.commit()
    assert (objected.state, objected.objection_open) == ("default_confirmed", True)
    assert events_of(first) == ["submitted", "default_confirmed", "objected"]
    with pytest.raises(SignoffRefused) as refused:
        object_to(second, world.manager, "太迟了", now=now + timedelta(days=8), objection_period=WEEK)
    assert refused.value.code == "objection_period_over"
    db.session.rollback()


def test_objection_after_an_unprocessed_deadline_confirms_first(app):
    world = make_world()
    (record_id,) = due_records(world, 1)
    object_to(record_id, world.manager, "记录与现场不符", now=utcnow(), objection_period=WEEK)
    db.session.commit()
    assert events_of(record_id) == ["submitted", "default_confirmed", "objected"]


def test_database_refuses_to_change_or_delete_signoff_events(app):
    world = make_world()
    (state,) = submitted_records(world)
    for statement in ("UPDATE signoff_event SET kind = 'signed'", "DELETE FROM signoff_event"):
        with pytest.raises(OperationalError) as refused:
            db.session.execute(text(statement))
        assert refused.value.orig.args[0] == 1644
        db.session.rollback()
    assert events_of(state.record_id) == ["submitted"]


def test_a_second_terminal_event_is_refused_by_the_database(app):
    from sqlalchemy.exc import IntegrityError

    world = make_world()
    (state,) = submitted_records(world)
    sign(state.record_id, world.manager, signature(), now=utcnow())
    db.session.commit()
    db.session.add(
        SignoffEvent(record_id=state.record_id, kind="default_confirmed", once_key="terminal", occurred_at=utcnow())
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_projection_rebuilt_from_events_equals_the_live_one(app):
    world = make_world()
    states = submitted_records(world, 3) + [submitted_records(world, 1, elevator=world.elevators[1])[0]]
    due = due_records(world, 2)
    now = utcnow()
    sign(states[0].record_id, world.manager, signature(), now=now)
    object_to(states[1].record_id, world.manager, "签名栏空白", now=now, objection_period=WEEK)
    resolve_objection(states[1].record_id, world.manager, "已撤回", now=now, min_window=WINDOW)
    from signoff.operations import record_pushed

    record_pushed(states[2].record_id, now=now)
    apply_default_confirmations(now, 100, now=now)
    object_to(due[0], world.manager, "有异议", now=now, objection_period=WEEK)
    db.session.commit()

    def snapshot() -> dict[int, tuple]:
        rows = db.session.execute(select(SignoffState).execution_options(populate_existing=True)).scalars()
        return {
            row.record_id: tuple(getattr(row, column.name) for column in SignoffState.__table__.columns) for row in rows
        }

    live = snapshot()
    computed = {row["record_id"]: row for rows in project_all() for row in rows}
    assert sorted(computed) == sorted(live)
    assert rebuild_projection() == 6
    db.session.commit()
    assert snapshot() == live
    assert db.session.execute(select(func.count()).select_from(SignoffState)).scalar_one() == 6


def test_rebuild_command_recomputes_states_from_events(app):
    world = make_world()
    (state,) = submitted_records(world)
    sign(state.record_id, world.manager, signature(), now=utcnow())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-signoff-state"])
    assert result.exit_code == 0, result.output
    assert "已由签名确认事件重建 1 条签名确认状态" in result.output
    db.session.commit()
    assert state_of(state.record_id).state == "signed"
