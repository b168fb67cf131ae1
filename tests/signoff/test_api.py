"""The managers' sign-off API: scope, sign, refuse after the deadline, object, subscriptions."""

from __future__ import annotations

from sqlalchemy import select

from miniback.extensions import db
from miniback.models import SignoffEvent, SubscriptionQuota
from tests.factories.registry import auth, make_staff, make_use_unit, make_world
from tests.factories.signatures import manager_signature_b64
from tests.factories.signoff import due_records, submitted_records


def kinds(record_id: int) -> list[str]:
    return list(
        db.session.execute(
            select(SignoffEvent.kind).where(SignoffEvent.record_id == record_id).order_by(SignoffEvent.id)
        ).scalars()
    )


def test_manager_lists_own_pending_records_by_deadline(client):
    world = make_world()
    pending = submitted_records(world, 2)
    due_records(world, 1)
    response = client.get("/api/v1/signoff/records", headers=auth(world.manager))
    assert response.status_code == 200
    assert [item["record_id"] for item in response.json["items"]] == [s.record_id for s in pending]
    assert response.json["items"][0]["elevator"]["id"] == world.elevators[0].id


def test_manager_of_another_use_unit_sees_nothing_and_gets_404(client):
    world = make_world()
    (state,) = submitted_records(world)
    _, other_admin = make_use_unit()
    stranger = make_staff(other_admin, "uu_manager", None, "外单位经理")
    assert client.get("/api/v1/signoff/records", headers=auth(stranger)).json["total"] == 0
    url = f"/api/v1/signoff/records/{state.record_id}"
    assert client.get(url, headers=auth(stranger)).status_code == 404
    signed = client.post(f"{url}/sign", json={"signature_png": manager_signature_b64()}, headers=auth(stranger))
    assert signed.status_code == 404
    assert kinds(state.record_id) == ["submitted"]


def test_technician_cannot_sign(client):
    world = make_world()
    (state,) = submitted_records(world)
    response = client.post(
        f"/api/v1/signoff/records/{state.record_id}/sign",
        json={"signature_png": manager_signature_b64()},
        headers=auth(world.tech1),
    )
    assert response.status_code == 403


def test_manager_signs_and_signing_again_changes_nothing(client):
    world = make_world()
    (state,) = submitted_records(world)
    url = f"/api/v1/signoff/records/{state.record_id}/sign"
    first = client.post(url, json={"signature_png": manager_signature_b64()}, headers=auth(world.manager))
    second = client.post(url, json={"signature_png": manager_signature_b64(3)}, headers=auth(world.manager))
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["state"] == second.json["state"] == "signed"
    assert second.json["signature_hash"] == first.json["signature_hash"]
    assert kinds(state.record_id) == ["submitted", "signed"]
    detail = client.get(f"/api/v1/signoff/records/{state.record_id}", headers=auth(world.manager)).json
    assert [event["kind"] for event in detail["events"]] == ["submitted", "signed"]
    assert detail["record"]["category"] == "half_month"


def test_signing_after_the_deadline_is_refused_in_chinese(client):
    world = make_world()
    (record_id,) = due_records(world, 1)
    response = client.post(
        f"/api/v1/signoff/records/{record_id}/sign",
        json={"signature_png": manager_signature_b64()},
        headers=auth(world.manager),
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "deadline_passed"
    assert "已超过签名确认期限" in response.json["error"]["message"]
    assert kinds(record_id) == ["submitted"]


def test_signature_must_be_a_png(client):
    world = make_world()
    (state,) = submitted_records(world)
    response = client.post(
        f"/api/v1/signoff/records/{state.record_id}/sign",
        json={"signature_png": "bm90IGEgcG5nIGF0IGFsbA=="},
        headers=auth(world.manager),
    )
    assert response.status_code == 422
    assert "signature_png" in response.json["error"]["fields"]
    assert kinds(state.record_id) == ["submitted"]


def test_objection_then_resolution_by_the_maintenance_unit(client):
    world = make_world()
    (state,) = submitted_records(world)
    url = f"/api/v1/signoff/records/{state.record_id}/objection"
    objected = client.post(url, json={"reason": "三号梯未见维保人员到场"}, headers=auth(world.manager))
    assert objected.status_code == 201
    assert (objected.json["state"], objected.json["objection_open"]) == ("objected", True)
    resolved = client.post(f"{url}/resolve", json={"note": "已重新维保"}, headers=auth(world.admin))
    assert resolved.status_code == 200
    assert (resolved.json["state"], resolved.json["round_no"]) == ("pending", 2)  # reopened for sign-off
    again = client.post(f"{url}/resolve", json={"note": "再次"}, headers=auth(world.admin))
    assert again.status_code == 409
    assert again.json["error"]["code"] == "no_open_objection"
    assert kinds(state.record_id) == ["submitted", "objected", "objection_resolved", "reopened"]


def test_sign_off_events_name_who_acted(client):
    world = make_world()
    (state,) = submitted_records(world)
    url = f"/api/v1/signoff/records/{state.record_id}"
    client.post(f"{url}/objection", json={"reason": "未见维保人员到场"}, headers=auth(world.manager))
    client.post(f"{url}/objection/resolve", json={"note": "已重新维保"}, headers=auth(world.admin))
    detail = client.get(url, headers=auth(world.uu_admin)).json
    named = [(event["kind"], event["actor_name"]) for event in detail["events"]]
    assert named == [
        ("submitted", None),
        ("objected", world.manager.name),
        ("objection_resolved", world.admin.name),
        ("reopened", None),
    ]


def test_objection_after_default_confirmation_keeps_it_in_history(client):
    world = make_world()
    (record_id,) = due_records(world, 1)
    response = client.post(
        f"/api/v1/signoff/records/{record_id}/objection", json={"reason": "当天无人通知"}, headers=auth(world.manager)
    )
    assert response.status_code == 201
    assert (response.json["state"], response.json["objection_open"]) == ("default_confirmed", True)
    assert kinds(record_id) == ["submitted", "default_confirmed", "objected"]


def test_subscription_accepts_are_counted(client, app):
    world = make_world()
    template = app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]
    for expected in (1, 2):
        response = client.post(
            "/api/v1/wechat/subscriptions", json={"template_ids": [template]}, headers=auth(world.manager)
        )
        assert response.status_code == 200
        assert response.json == {"quotas": [{"template_id": template, "remaining": expected}]}
    unknown = client.post("/api/v1/wechat/subscriptions", json={"template_ids": ["x"]}, headers=auth(world.manager))
    assert unknown.status_code == 422
    quota = db.session.execute(select(SubscriptionQuota)).scalar_one()
    assert (quota.account_id, quota.remaining) == (world.manager.id, 2)
