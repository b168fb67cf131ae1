"""The whole flow through the HTTP API: a technician submits → push to the manager → the manager signs."""

from __future__ import annotations

from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from jobs.connection import DEADLINES_QUEUE, QUEUES, queue, redis_connection
from jobs.context import use_app
from jobs.enqueue import deadline_job_id
from miniback.extensions import db
from miniback.models import SignoffEvent, SignoffState, utcnow
from signoff.push import grant_subscriptions
from tests.factories.records import complete_draft, submit, submitted_record
from tests.factories.registry import auth, make_world
from tests.factories.signatures import manager_signature_b64


def test_submitted_record_is_pushed_then_signed_by_the_manager(client, app, wechat_stub):
    world = make_world()
    world.manager.openid = "stub-openid-manager"
    grant_subscriptions(world.manager, [app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]], now=utcnow())
    record = submitted_record(client, world.tech1, world.elevators[0])
    state = db.session.get(SignoffState, record["id"])
    assert state.state == "pending"
    scheduled = ScheduledJobRegistry(DEADLINES_QUEUE, connection=redis_connection()).get_job_ids()
    assert scheduled == [deadline_job_id(state.deadline_at)]

    use_app(app)
    try:
        SimpleWorker([queue(name) for name in QUEUES], connection=redis_connection()).work(burst=True)
    finally:
        use_app(None)
    sent = wechat_stub.calls_to("/cgi-bin/message/subscribe/send")
    assert [call["body"]["touser"] for call in sent] == ["stub-openid-manager"]

    pending = client.get("/api/v1/signoff/records", headers=auth(world.manager)).json
    assert [item["record_id"] for item in pending["items"]] == [record["id"]]
    signed = client.post(
        f"/api/v1/signoff/records/{record['id']}/sign",
        json={"signature_png": manager_signature_b64()},
        headers=auth(world.manager),
    )
    assert signed.status_code == 201
    kinds = db.session.execute(
        select(SignoffEvent.kind).where(SignoffEvent.record_id == record["id"]).order_by(SignoffEvent.id)
    ).scalars()
    assert list(kinds) == ["submitted", "pushed", "signed"]


def test_resubmitting_the_same_draft_opens_no_second_signoff(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    first = submit(client, world.tech1, draft["id"])
    again = submit(client, world.tech1, draft["id"])
    assert first.status_code == 201
    record = first.json
    assert again.status_code == 200
    events = db.session.execute(select(SignoffEvent.kind).where(SignoffEvent.record_id == record["id"])).scalars()
    assert list(events) == ["submitted"]
