"""Pushes that reach nobody are visible: the sign-off's push outcome, and the list of unreached records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, current_app
from rq import SimpleWorker
from sqlalchemy import select

from jobs.connection import QUEUES, queue, redis_connection
from jobs.context import use_app
from jobs.enqueue import after_record_submitted
from miniback.extensions import db
from miniback.models import PushDelivery, SignoffState, utcnow
from signoff.push import PUSH_STATUSES, grant_subscriptions, push_outcome
from tests.factories.registry import UnitWorld, auth, make_staff, make_use_unit, make_world
from tests.factories.signoff import submitted_records

SEND = "/cgi-bin/message/subscribe/send"


@pytest.fixture
def jobs_app(app: Flask) -> Iterator[Flask]:
    app.config["PUSH_RETRY_INTERVALS"] = [0, 0]
    use_app(app)
    yield app
    use_app(None)


def push(state: SignoffState) -> None:
    """Enqueue the record's push as a submission does and run it (retries included) on a real RQ worker."""
    after_record_submitted(state.record_id, state.deadline_at)
    SimpleWorker([queue(name) for name in QUEUES], connection=redis_connection()).work(burst=True)
    db.session.commit()  # ends this session's snapshot so the job's writes are visible


def bind(world: UnitWorld, quota: int) -> None:
    world.manager.openid = f"stub-openid-{world.manager.id}"
    for _ in range(quota):
        grant_subscriptions(world.manager, [current_app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]], now=utcnow())
    db.session.commit()


def signoff(client, state: SignoffState, account) -> dict:
    response = client.get(f"/api/v1/signoff/records/{state.record_id}", headers=auth(account))
    assert response.status_code == 200
    return response.json


def unreached(client, account, **params) -> dict:
    response = client.get("/api/v1/signoff/unreached", query_string=params, headers=auth(account))
    assert response.status_code == 200, response.json
    return response.json


def test_a_delivered_push_is_shown_per_manager_and_not_listed_as_unreached(client, jobs_app, wechat_stub):
    world = make_world()
    bind(world, quota=1)
    unbound = make_staff(world.uu_admin, "uu_manager", None, "未绑定经理")
    db.session.commit()
    (state,) = submitted_records(world)
    assert signoff(client, state, world.admin)["push_outcome"] == "pending"
    push(state)
    body = signoff(client, state, world.admin)
    assert (body["push_outcome"], body["push_outcome_label"]) == ("delivered", "已推送提醒")
    recipients = {r["account_id"]: (r["name"], r["outcome"], r["label"]) for r in body["push_recipients"]}
    assert recipients == {
        world.manager.id: ("郑经理", "delivered", "已推送"),
        unbound.id: ("未绑定经理", "not_bound", "未绑定微信"),
    }
    assert unreached(client, world.admin)["total"] == 0


def test_a_manager_without_subscription_quota_makes_the_record_unreached(client, jobs_app, wechat_stub):
    world = make_world()
    bind(world, quota=0)
    (state,) = submitted_records(world)
    push(state)
    assert wechat_stub.calls_to(SEND) == []
    body = signoff(client, state, world.manager)
    assert body["push_outcome"] == "no_quota"
    assert body["push_outcome_label"] == "未推送：安全管理人员未开启提醒（订阅次数已用完）"
    assert [r["outcome"] for r in body["push_recipients"]] == ["no_quota"]
    # The manager's own list says so too, so the mini-program can offer to subscribe again.
    listed = client.get("/api/v1/signoff/records", headers=auth(world.manager)).json["items"]
    assert [(item["record_id"], item["push_outcome"]) for item in listed] == [(state.record_id, "no_quota")]
    for account in (world.admin, world.uu_admin):
        page = unreached(client, account)
        assert [item["record_id"] for item in page["items"]] == [state.record_id]
        assert (page["page"], page["per_page"], page["total"]) == (1, 20, 1)
    # A supervisor sees their subtree's records only, as everywhere (these records belong to no team).
    assert unreached(client, world.supervisor)["total"] == 0


def test_a_use_unit_without_any_bound_manager_is_recorded_as_pushed_to_nobody(client, jobs_app, wechat_stub):
    world = make_world()
    assert world.manager.openid is None
    (state,) = submitted_records(world)
    push(state)
    push(state)  # a second run records nothing twice
    rows = db.session.execute(select(PushDelivery.account_id, PushDelivery.outcome)).all()
    assert [tuple(row) for row in rows] == [(None, "no_recipient")]
    body = signoff(client, state, world.admin)
    assert body["push_outcome"] == "no_recipient"
    assert body["push_outcome_label"] == "未推送：使用单位没有已绑定微信的安全管理人员"
    assert [(r["account_id"], r["outcome"]) for r in body["push_recipients"]] == [(world.manager.id, "not_bound")]
    assert [item["record_id"] for item in unreached(client, world.uu_admin)["items"]] == [state.record_id]
    # A manager who binds afterwards was still never pushed this record: it stays listed.
    bind(world, quota=1)
    body = signoff(client, state, world.admin)
    assert body["push_outcome"] == "no_recipient"
    assert [r["outcome"] for r in body["push_recipients"]] == ["bound_later"]
    assert unreached(client, world.admin)["total"] == 1


def test_a_push_failing_on_every_retry_is_shown_as_failed_and_listed(client, jobs_app, wechat_stub):
    world = make_world()
    bind(world, quota=1)
    (state,) = submitted_records(world)
    wechat_stub.fail_next(SEND, errcode=45009, times=3)
    push(state)
    body = signoff(client, state, world.admin)
    assert (body["push_outcome"], body["push_outcome_label"]) == ("failed", "推送失败")
    assert [r["outcome"] for r in body["push_recipients"]] == ["failed"]
    assert [item["push_outcome"] for item in unreached(client, world.admin)["items"]] == ["failed"]


def test_the_unreached_list_shows_only_the_callers_units_and_the_asked_state(client, jobs_app, wechat_stub):
    world, other = make_world(), make_world()
    (mine,) = submitted_records(world)
    (theirs,) = submitted_records(other)
    push(mine)
    push(theirs)
    assert [item["record_id"] for item in unreached(client, world.admin)["items"]] == [mine.record_id]
    assert [item["record_id"] for item in unreached(client, other.uu_admin)["items"]] == [theirs.record_id]
    _, stranger = make_use_unit()
    db.session.commit()
    assert unreached(client, stranger)["total"] == 0
    assert unreached(client, world.admin, state="default_confirmed")["total"] == 0
    refused = client.get("/api/v1/signoff/unreached?state=bogus", headers=auth(world.admin))
    assert refused.status_code == 422
    for account in (world.manager, world.tech1):
        assert client.get("/api/v1/signoff/unreached", headers=auth(account)).status_code == 403


def test_a_record_pushed_to_someone_is_delivered_whatever_else_happened():
    assert push_outcome(["no_quota", "failed", "sent"]) == "delivered"
    assert push_outcome(["error"]) == "pending"
    assert push_outcome([]) == "pending"
    assert push_outcome(["no_quota", "failed"]) == "failed"
    assert push_outcome(["no_recipient"]) == "no_recipient"
    assert set(PUSH_STATUSES) == {"pending", "delivered", "no_recipient", "no_quota", "failed"}
