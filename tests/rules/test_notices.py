"""Rectification and suspension notices (五(一)): issue, acknowledge, reply, close or escalate, with their scope
checks; a suspension stops the unit's submissions and platform uploads with a clear 403 until it is lifted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from miniback.extensions import db
from miniback.models import MaintenanceRecord, MaintenanceUnit, RegulatorNotice, RegulatorNoticeEvent, utcnow
from tests.factories.platform import call, make_platform
from tests.factories.records import complete_draft, submit, submitted_record
from tests.factories.registry import auth, make_authority, make_world
from tests.factories.uploads import certify, record_payload

NOTICES = "/api/v1/regulator-notices"


def _count(model, *where) -> int:
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _deadline(days: int = 7) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def _issue(client, regulator, world, kind="rectification", **extra):
    body = {
        "maintenance_unit_id": world.unit.id,
        "kind": kind,
        "findings": "半月维保项目记录不全",
        "deadline_at": _deadline(),
        **extra,
    }
    return client.post(NOTICES, json=body, headers=auth(regulator))


def test_rectification_lifecycle_issue_acknowledge_reply_close_kept_as_events(client, app):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    regulator = make_authority("regulator", "天河区")
    db.session.commit()
    issued = _issue(client, regulator, world, record_ids=[record["id"]], elevator_ids=[world.elevators[1].id])
    assert issued.status_code == 201, issued.json
    notice = issued.json
    assert notice["kind_label"] == "整改意见" and notice["status"] == "issued" and notice["district"] == "天河区"
    assert notice["subject_record_ids"] == [record["id"]]
    assert notice["subject_elevator_ids"] == [world.elevators[1].id]
    url = f"{NOTICES}/{notice['id']}"
    assert client.get(NOTICES, headers=auth(world.admin)).json["items"][0]["id"] == notice["id"]
    early = client.post(f"{url}/reply", json={"text": "已整改"}, headers=auth(world.admin))
    assert early.status_code == 409 and early.json["error"]["code"] == "notice_not_acknowledged"
    assert client.post(f"{url}/acknowledge", headers=auth(world.admin)).status_code == 200
    assert client.post(f"{url}/acknowledge", headers=auth(world.admin)).status_code == 409
    fixed = submitted_record(client, world.tech1, world.elevators[1])
    replied = client.post(
        f"{url}/reply", json={"text": "已补做并上传", "record_ids": [fixed["id"]]}, headers=auth(world.admin)
    )
    assert replied.status_code == 200, replied.json
    closed = client.post(f"{url}/close", json={"text": "整改到位"}, headers=auth(regulator))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert client.post(f"{url}/close", json={"text": "再关"}, headers=auth(regulator)).status_code == 409
    events = client.get(url, headers=auth(regulator)).json["events"]
    assert [e["kind"] for e in events] == ["issued", "acknowledged", "replied", "closed"]
    assert events[2]["record_ids"] == [fixed["id"]] and events[2]["actor_id"] == world.admin.id


def test_bad_notices_are_refused_and_write_nothing(client, app):
    world = make_world("天河区")
    elsewhere = make_world("越秀区")
    record_elsewhere = submitted_record(client, elsewhere.tech1, elsewhere.elevators[0])
    regulator = make_authority("regulator", "天河区")
    db.session.commit()
    # A deadline in the past.
    past = _issue(client, regulator, world, deadline_at=(utcnow() - timedelta(minutes=1)).isoformat())
    assert past.status_code == 422 and "deadline_at" in past.json["error"]["fields"]
    absurd = _issue(client, regulator, world, deadline_at="9999-12-31T23:59:59-12:00")
    assert absurd.status_code == 422 and "deadline_at" in absurd.json["error"]["fields"]
    # A unit with no elevator in the regulator's district: 404.
    assert _issue(client, regulator, elsewhere).status_code == 404
    # Records or elevators of another unit (or district).
    foreign = _issue(client, regulator, world, record_ids=[record_elsewhere["id"]])
    assert foreign.status_code == 422 and "record_ids" in foreign.json["error"]["fields"]
    assert _issue(client, regulator, world, elevator_ids=[elsewhere.elevators[0].id]).status_code == 422
    # Only regulators issue.
    assert _issue(client, world.admin, world).status_code == 403
    assert _count(RegulatorNotice) == 0 and _count(RegulatorNoticeEvent) == 0


def test_scope_reply_only_by_the_addressee_and_district_regulators_see_their_district(client, app):
    world = make_world("天河区")
    other = make_world("天河区")
    tianhe = make_authority("regulator", "天河区")
    yuexiu = make_authority("regulator", "越秀区")
    city = make_authority("regulator")
    db.session.commit()
    notice_id = _issue(client, tianhe, world).json["id"]
    url = f"{NOTICES}/{notice_id}"
    events = _count(RegulatorNoticeEvent)
    assert client.post(f"{url}/acknowledge", headers=auth(other.admin)).status_code == 404
    assert client.post(f"{url}/reply", json={"text": "x"}, headers=auth(other.admin)).status_code == 404
    assert client.post(f"{url}/acknowledge", headers=auth(world.tech1)).status_code == 403
    assert client.get(url, headers=auth(yuexiu)).status_code == 404
    assert client.post(f"{url}/close", json={"text": "x"}, headers=auth(yuexiu)).status_code == 404
    assert client.get(NOTICES, headers=auth(yuexiu)).json["items"] == []
    assert client.get(url, headers=auth(city)).status_code == 200
    assert _count(RegulatorNoticeEvent) == events


def test_suspension_stops_submissions_and_uploads_until_it_is_closed(client, app):
    world = make_world()
    certify(world.tech1, world.tech2)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    regulator = make_authority("regulator", "天河区")
    db.session.commit()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    kept = _count(MaintenanceRecord)

    issued = _issue(client, regulator, world, kind="suspension")
    assert issued.status_code == 201 and issued.json["in_force"] is True
    notice_id = issued.json["id"]
    refused = submit(client, world.tech1, draft["id"])
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "unit_suspended_by_regulator"
    assert f"中止意见第 {notice_id} 号" in refused.json["error"]["message"]
    payload = record_payload(world.elevators[1], [world.tech1, world.tech2])
    uploaded = call(client, platform, "POST", "/api/v1/platform/records", payload)
    assert uploaded.status_code == 403, uploaded.json
    assert uploaded.json["error"]["code"] == "unit_suspended_by_regulator"
    assert _count(MaintenanceRecord) == kept  # the records already kept stay, nothing new
    # The unit's admin still reads and answers the notice; a second suspension is refused.
    assert client.post(f"{NOTICES}/{notice_id}/acknowledge", headers=auth(world.admin)).status_code == 200
    assert _issue(client, regulator, world, kind="suspension").status_code == 409

    lifted = client.post(f"{NOTICES}/{notice_id}/close", json={"text": "准予恢复"}, headers=auth(regulator))
    assert lifted.status_code == 200 and lifted.json["in_force"] is False
    assert submit(client, world.tech1, draft["id"]).status_code == 201
    uploaded = call(client, platform, "POST", "/api/v1/platform/records", payload)
    assert uploaded.status_code == 201, uploaded.json


def test_escalating_a_rectification_issues_a_suspension_in_force(client, app):
    world = make_world()
    regulator = make_authority("regulator", "天河区")
    db.session.commit()
    notice_id = _issue(client, regulator, world).json["id"]
    escalated = client.post(
        f"{NOTICES}/{notice_id}/escalate",
        json={"findings": "逾期未整改", "deadline_at": _deadline(14)},
        headers=auth(regulator),
    )
    assert escalated.status_code == 201, escalated.json
    assert escalated.json["kind"] == "suspension" and escalated.json["in_force"] is True
    original = client.get(f"{NOTICES}/{notice_id}", headers=auth(regulator)).json
    assert original["status"] == "escalated" and original["escalated_to_id"] == escalated.json["id"]
    db.session.expire_all()
    assert db.session.get(MaintenanceUnit, world.unit.id).halted_by_notice_id == escalated.json["id"]
    again = client.post(
        f"{NOTICES}/{escalated.json['id']}/escalate",
        json={"findings": "x", "deadline_at": _deadline()},
        headers=auth(regulator),
    )
    assert again.status_code == 409
