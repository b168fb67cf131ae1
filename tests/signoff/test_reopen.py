"""After an objection made before any confirmation is resolved, the sign-off reopens: a new round with a new
deadline (the end of the resolution day in Shanghai, at least the minimum window after the resolution), in which
the manager may sign or object again and the default confirmation applies at the new deadline. Each round ends
in exactly one terminal outcome; the public page follows; the projection rebuilt from the events is the live one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from flask import Flask, current_app
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from jobs.connection import DEADLINES_QUEUE, PUSH_QUEUE, QUEUES, queue, redis_connection
from jobs.context import use_app
from jobs.enqueue import after_record_submitted, deadline_job_id
from jobs.signoff import sweep
from miniback.extensions import db
from miniback.models import PublicHistoryEntry, PushDelivery, SignoffEvent, SignoffState, utcnow
from miniback.projections.public_history import project_public_history, sync_public_signoff
from miniback.public.history import local_today
from signoff.confirmation import apply_default_confirmations
from signoff.deadlines import SHANGHAI, ceil_to_minute, end_of_maintenance_day, shanghai_text
from signoff.operations import object_to, record_submitted
from signoff.projection import project_all, rebuild_projection
from signoff.push import grant_subscriptions
from tests.factories.public import insert_record
from tests.factories.registry import UnitWorld, auth, make_world
from tests.factories.signatures import manager_signature_b64

WEEK = timedelta(days=7)
SEND = "/cgi-bin/message/subscribe/send"


def window() -> timedelta:
    return timedelta(seconds=current_app.config["SIGNOFF_MIN_WINDOW_SECONDS"])


def expected_deadline(resolved_at: datetime) -> datetime:
    """The rule, spelled out: the end of the resolution day in Shanghai, never sooner than the minimum window."""
    day = resolved_at.astimezone(SHANGHAI).date()
    return max(end_of_maintenance_day(day), ceil_to_minute(resolved_at + window()))


def open_record(world: UnitWorld, *, at: datetime | None = None, day: date | None = None) -> int:
    """A record on the elevator's public page with its sign-off opened at ``at``."""
    record = insert_record(world.elevators[0], [world.tech1], day or local_today())
    record_submitted(record, now=at or utcnow(), min_window=window())
    db.session.commit()
    return record.id


def api_clock(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    """The sign-off API acts at ``at`` (a resolution made yesterday, say)."""
    monkeypatch.setattr("miniback.api.signoff.utcnow", lambda: at)


def act(client, account, record_id: int, action: str, **body: str):
    response = client.post(f"/api/v1/signoff/records/{record_id}/{action}", json=body, headers=auth(account))
    db.session.commit()  # this session's snapshot must see what the request committed
    return response


def object_and_resolve(client, world: UnitWorld, record_id: int, reason: str = "记录与现场不符"):
    objected = act(client, world.manager, record_id, "objection", reason=reason)
    assert objected.status_code == 201, objected.json
    return act(client, world.admin, record_id, "objection/resolve", note="已复核")


def events(record_id: int) -> list[tuple[str, str | None]]:
    rows = db.session.execute(
        select(SignoffEvent.kind, SignoffEvent.once_key)
        .where(SignoffEvent.record_id == record_id)
        .order_by(SignoffEvent.id)
    ).all()
    return [tuple(row) for row in rows]


def state_of(record_id: int) -> SignoffState:
    return db.session.execute(
        select(SignoffState).where(SignoffState.record_id == record_id).execution_options(populate_existing=True)
    ).scalar_one()


def entry_of(record_id: int) -> PublicHistoryEntry:
    return db.session.execute(
        select(PublicHistoryEntry)
        .where(PublicHistoryEntry.record_id == record_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def labels(client, world: UnitWorld) -> list[str]:
    response = client.get(f"/api/v1/public/elevators/{world.elevators[0].public_code}")
    assert response.status_code == 200
    return [record["signoff_label"] for record in response.json["records"]]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def jobs_app(app: Flask) -> Iterator[Flask]:
    app.config["PUSH_RETRY_INTERVALS"] = [0, 0]
    use_app(app)
    yield app
    use_app(None)


def test_manager_signs_after_the_objection_is_resolved_until_the_new_deadline(client, monkeypatch):
    world = make_world()
    record_id = open_record(world)
    resolved_at = utcnow() + timedelta(minutes=1)
    api_clock(monkeypatch, resolved_at)
    resolved = object_and_resolve(client, world, record_id)
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["state"] == "pending"
    assert resolved.json["objection_open"] is False
    assert moment(resolved.json["deadline_at"]) == expected_deadline(resolved_at)
    assert labels(client, world) == ["待确认"]

    signed = act(client, world.manager, record_id, "sign", signature_png=manager_signature_b64())
    assert signed.status_code == 201, signed.json
    assert signed.json["state"] == "signed"
    assert events(record_id) == [
        ("submitted", "submitted"),
        ("objected", "terminal"),
        ("objection_resolved", None),
        ("reopened", "opened:2"),
        ("signed", "terminal:2"),
    ]
    assert labels(client, world) == ["已签字确认"]
    again = act(client, world.manager, record_id, "sign", signature_png=manager_signature_b64(5))
    assert again.status_code == 200  # signing twice still changes nothing
    assert len(events(record_id)) == 5


def test_manager_objects_again_after_resolution_and_the_next_resolution_reopens_again(client, monkeypatch):
    world = make_world()
    record_id = open_record(world)
    assert object_and_resolve(client, world, record_id).status_code == 200
    second_resolution = utcnow() + timedelta(minutes=2)
    objected = act(client, world.manager, record_id, "objection", reason="补充的照片仍不清楚")
    assert objected.status_code == 201, objected.json
    assert (objected.json["state"], objected.json["objection_open"]) == ("objected", True)
    assert labels(client, world) == ["有异议"]
    api_clock(monkeypatch, second_resolution)
    resolved = act(client, world.admin, record_id, "objection/resolve", note="已重新拍照")
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["state"] == "pending"
    assert [key for _, key in events(record_id)] == [
        "submitted",
        "terminal",
        None,
        "opened:2",
        "terminal:2",
        None,
        "opened:3",
    ]
    entry = entry_of(record_id)
    assert (entry.signoff, entry.deadline_at) == ("awaiting", expected_deadline(second_resolution))
    assert labels(client, world) == ["待确认"]


def test_sweep_default_confirms_a_reopened_signoff_at_its_new_deadline(jobs_app, client, monkeypatch):
    world = make_world()
    submitted_at = utcnow() - timedelta(days=3)
    record_id = open_record(world, at=submitted_at, day=local_today() - timedelta(days=3))
    object_to(
        record_id, world.manager, "当天未见维保人员", now=submitted_at + timedelta(hours=1), objection_period=WEEK
    )
    db.session.commit()
    resolved_at = utcnow() - timedelta(hours=26)  # yesterday: the reopened round's deadline has passed since
    api_clock(monkeypatch, resolved_at)
    resolved = act(client, world.admin, record_id, "objection/resolve", note="已补做")
    assert resolved.status_code == 200, resolved.json
    new_deadline = expected_deadline(resolved_at)
    assert new_deadline < utcnow()
    assert state_of(record_id).state == "pending"

    assert sweep() == 1
    db.session.commit()
    state = state_of(record_id)
    assert (state.state, state.deadline_at) == ("default_confirmed", new_deadline)
    confirmed = db.session.execute(
        select(SignoffEvent).where(SignoffEvent.record_id == record_id, SignoffEvent.kind == "default_confirmed")
    ).scalar_one()
    assert (confirmed.once_key, confirmed.deadline_at) == ("terminal:2", new_deadline)
    assert sweep() == 0
    monkeypatch.undo()
    late = act(client, world.manager, record_id, "sign", signature_png=manager_signature_b64())
    assert (late.status_code, late.json["error"]["code"]) == (409, "deadline_passed")
    assert labels(client, world) == ["默认确认"]


def test_resolution_schedules_the_new_deadline_and_pushes_the_managers_again(jobs_app, client, wechat_stub):
    world = make_world()
    world.manager.openid = "stub-openid-manager-a"
    for _ in range(2):
        grant_subscriptions(world.manager, [jobs_app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]], now=utcnow())
    db.session.commit()
    record_id = open_record(world)
    after_record_submitted(record_id, state_of(record_id).deadline_at)
    SimpleWorker([queue(name) for name in QUEUES], connection=redis_connection()).work(burst=True)
    assert len(wechat_stub.calls_to(SEND)) == 1

    resolved = object_and_resolve(client, world, record_id)
    assert resolved.status_code == 200, resolved.json
    new_deadline = moment(resolved.json["deadline_at"])
    scheduled = ScheduledJobRegistry(DEADLINES_QUEUE, connection=redis_connection()).get_job_ids()
    assert deadline_job_id(new_deadline) in scheduled
    assert f"signoff-push-{record_id}-r2" in queue(PUSH_QUEUE).job_ids
    SimpleWorker([queue(name) for name in QUEUES], connection=redis_connection()).work(burst=True)
    db.session.commit()
    sent = wechat_stub.calls_to(SEND)
    assert len(sent) == 2
    assert sent[1]["body"]["data"]["time4"]["value"] == shanghai_text(new_deadline)
    outcomes = db.session.execute(select(PushDelivery.outcome).where(PushDelivery.record_id == record_id)).scalars()
    assert list(outcomes) == ["sent", "sent"]


def test_sweep_reopens_a_signoff_an_earlier_resolution_left_stuck(jobs_app, client):
    world = make_world()
    record_id = open_record(world)
    object_to(record_id, world.manager, "签名栏空白", now=utcnow(), objection_period=WEEK)
    # What a resolution wrote before reopening existed: the event and a state nobody could leave.
    db.session.add(SignoffEvent(record_id=record_id, kind="objection_resolved", occurred_at=utcnow(), reason="已补签"))
    db.session.execute(
        update(SignoffState)
        .where(SignoffState.record_id == record_id)
        .values(state="objection_resolved", objection_open=False)
    )
    sync_public_signoff(state_of(record_id))
    db.session.commit()

    swept_at = utcnow()
    sweep()
    db.session.commit()
    state = state_of(record_id)
    assert state.state == "pending"
    assert state.deadline_at >= ceil_to_minute(swept_at + window())
    assert events(record_id)[-1] == ("reopened", "opened:2")
    assert (
        deadline_job_id(state.deadline_at)
        in ScheduledJobRegistry(DEADLINES_QUEUE, connection=redis_connection()).get_job_ids()
    )
    assert labels(client, world) == ["待确认"]
    signed = act(client, world.manager, record_id, "sign", signature_png=manager_signature_b64())
    assert signed.status_code == 201, signed.json


def test_objection_after_a_default_confirmation_once_resolved_leaves_the_confirmation_standing(client):
    world = make_world()
    record_id = open_record(world, at=utcnow() - timedelta(days=2), day=local_today() - timedelta(days=2))
    now = utcnow()
    apply_default_confirmations(now, 100, now=now)
    db.session.commit()
    deadline = state_of(record_id).deadline_at
    resolved = object_and_resolve(client, world, record_id)
    assert resolved.status_code == 200, resolved.json
    assert (resolved.json["state"], resolved.json["objection_open"]) == ("default_confirmed", False)
    assert state_of(record_id).deadline_at == deadline  # no new deadline, no new round
    assert [kind for kind, _ in events(record_id)] == [
        "submitted",
        "default_confirmed",
        "objected",
        "objection_resolved",
    ]
    assert labels(client, world) == ["默认确认"]


def test_database_refuses_a_second_terminal_outcome_in_a_reopened_round(client):
    world = make_world()
    record_id = open_record(world)
    assert object_and_resolve(client, world, record_id).status_code == 200
    assert act(client, world.manager, record_id, "sign", signature_png=manager_signature_b64()).status_code == 201
    for kind, once_key in (("default_confirmed", "terminal:2"), ("reopened", "opened:2")):
        db.session.add(SignoffEvent(record_id=record_id, kind=kind, once_key=once_key, occurred_at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert [key for _, key in events(record_id)].count("terminal:2") == 1


def test_rebuilt_projection_equals_the_live_state_of_reopened_signoffs(client, monkeypatch):
    world = make_world()
    reopened, signed, twice = (open_record(world) for _ in range(3))
    yesterday = local_today() - timedelta(days=3)
    confirmed_later = open_record(world, at=utcnow() - timedelta(days=3), day=yesterday)
    object_to(confirmed_later, world.manager, "未到场", now=utcnow() - timedelta(days=3), objection_period=WEEK)
    db.session.commit()
    for record_id in (reopened, signed, twice):
        assert object_and_resolve(client, world, record_id).status_code == 200
    assert act(client, world.manager, signed, "sign", signature_png=manager_signature_b64()).status_code == 201
    assert object_and_resolve(client, world, twice, "仍有问题").status_code == 200
    api_clock(monkeypatch, utcnow() - timedelta(hours=26))
    assert act(client, world.admin, confirmed_later, "objection/resolve", note="已处理").status_code == 200
    now = utcnow()
    apply_default_confirmations(now, 100, now=now)
    db.session.commit()

    def snapshot() -> dict[int, tuple]:
        rows = db.session.execute(select(SignoffState).execution_options(populate_existing=True)).scalars()
        return {
            row.record_id: tuple(getattr(row, column.name) for column in SignoffState.__table__.columns) for row in rows
        }

    live = snapshot()
    assert {record_id: (state_of(record_id).state, state_of(record_id).round_no) for record_id in live} == {
        reopened: ("pending", 2),
        signed: ("signed", 2),
        twice: ("pending", 3),
        confirmed_later: ("default_confirmed", 2),
    }
    computed = {row["record_id"]: row for rows in project_all() for row in rows}
    assert {
        record_id: tuple(row[c.name] for c in SignoffState.__table__.columns) for record_id, row in computed.items()
    } == live
    assert rebuild_projection() == 4
    db.session.commit()
    assert snapshot() == live
    public = {
        row["record_id"]: (row["signoff"], row["deadline_at"]) for rows in project_public_history() for row in rows
    }
    assert public == {record_id: (entry_of(record_id).signoff, entry_of(record_id).deadline_at) for record_id in live}
    # Newest first: the three of today (by record id, descending), then the one of three days ago.
    assert labels(client, world) == ["待确认", "已签字确认", "待确认", "默认确认"]
