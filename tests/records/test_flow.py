"""A technician's whole job: scan → confirm location → check in → fill → sign → submit; then immutability."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordDraft, utcnow
from signoff.ledger.hashing import sha256_hex
from tests.factories.records import (
    complete_draft,
    fill_all,
    point,
    start,
    submit,
    submitted_record,
)
from tests.factories.registry import auth, make_world
from tests.factories.signatures import signature_b64, signature_png


def test_technician_walks_through_a_job_and_the_record_is_frozen(client):
    world = make_world()
    elevator = world.elevators[0]
    headers = auth(world.tech1)

    scanned = client.get(f"/api/v1/elevators/by-public-code/{elevator.public_code}", headers=headers)
    assert scanned.status_code == 200 and scanned.json["id"] == elevator.id

    confirmed = client.post(
        f"/api/v1/elevators/{elevator.id}/site-confirmations",
        json={
            "location": point(utcnow() - timedelta(minutes=45), system="gcj02"),
            "completions": {"rescue_code": "44012", "position": "1 号客梯"},
        },
        headers=headers,
    )
    assert confirmed.status_code == 201
    assert confirmed.json["location"]["kind"] == "initial"
    assert confirmed.json["elevator"]["rescue_code"] == "44012"

    draft = start(client, world.tech1, elevator, "quarter", second_technician_id=world.tech2.id).json
    assert draft["template_version"] == "TSG-T5002-2017/1"
    assert len(draft["items"]) == 44
    draft_url = f"/api/v1/drafts/{draft['id']}"

    check_in_at = utcnow() - timedelta(minutes=42)
    checked_in = client.post(f"{draft_url}/check-in", json=point(check_in_at), headers=headers)
    assert checked_in.status_code == 200
    assert checked_in.json["check_in"]["distance_m"] == "0.0"

    assert fill_all(client, world.tech1, draft).status_code == 200
    client.put(
        f"{draft_url}/results",
        json={
            "results": [
                {"code": "A-1-05", "result": "adjusted", "remark": "制动间隙调整至 0.5 mm"},
                {"code": "A-2-03", "result": "not_applicable", "note": "本梯无此装置"},
                {"code": "A-1-10", "result": "hazard", "note": "轿门地坎有异物卡阻"},
            ]
        },
        headers=headers,
    )
    added = client.post(
        f"{draft_url}/items",
        json={"item": "轿厢照明", "requirement": "照明正常", "result": "replaced", "remark": "更换 LED 灯管"},
        headers=headers,
    )
    assert added.status_code == 201
    assert added.json["items"][-1]["code"] == "X-01"
    patched = client.patch(
        draft_url,
        json={
            "remarks": "整体运行良好",
            "replaced_parts": [{"name": "LED 灯管", "model": "T5-14W", "quantity": 2}],
            "hazards": [{"description": "轿门地坎有异物卡阻", "action": "已清理并告知物业"}],
        },
        headers=headers,
    )
    assert patched.status_code == 200
    checked_out = client.post(f"{draft_url}/check-out", json=point(utcnow() - timedelta(minutes=1)), headers=headers)
    assert checked_out.status_code == 200

    signature = signature_png()
    submitted = submit(client, world.tech1, draft["id"], signature_b64())
    assert submitted.status_code == 201
    assert submitted.json["content_hash"] and submitted.json["flagged"] is False
    record = client.get(f"/api/v1/records/{submitted.json['id']}", headers=headers).json
    assert record["category"] == "quarter"
    assert record["elevator_id"] == elevator.id
    assert record["use_unit_id"] == world.use_unit.id
    assert record["org_node_id"] == world.team1.id
    assert record["flagged"] is False and record["late_upload"] is False
    assert record["signature_sha256"] == sha256_hex(signature)
    assert [t["role"] for t in record["technicians"]] == ["primary", "second"]
    assert len(record["items"]) == 45
    assert {i["code"]: i["result"] for i in record["items"]}["A-2-03"] == "not_applicable"
    assert record["content_hash"] == sha256_hex(record["canonical_content"])
    content = json.loads(record["canonical_content"])
    # The stored items are exactly the hashed ones (the database copies them from the draft).
    assert record["items"] == content["items"]
    assert content["signature_sha256"] == sha256_hex(signature)
    assert content["replaced_parts"] == [{"name": "LED 灯管", "model": "T5-14W", "quantity": 2}]

    image = client.get(record["signature_url"], headers=auth(world.manager))
    assert image.status_code == 200 and image.data == signature and image.mimetype == "image/png"

    # The draft is frozen too.
    again = client.patch(draft_url, json={"remarks": "改一下"}, headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_submitted"

    # The database refuses any change of the submitted record and its items.
    for statement in (
        f"UPDATE maintenance_record SET remarks = 'x' WHERE id = {record['id']}",
        f"DELETE FROM maintenance_record WHERE id = {record['id']}",
        f"UPDATE record_item SET result = 'normal' WHERE record_id = {record['id']}",
        f"DELETE FROM record_item WHERE record_id = {record['id']}",
        f"DELETE FROM record_technician WHERE record_id = {record['id']}",
    ):
        with pytest.raises(OperationalError) as refused:
            db.session.execute(text(statement))
        assert refused.value.orig.args[0] == 1644
        db.session.rollback()
    stored = db.session.get(MaintenanceRecord, record["id"])
    assert stored.remarks == "整体运行良好"

    # A correction is a new record that supersedes the original; both stay visible.
    correction = client.post(f"/api/v1/records/{record['id']}/corrections", json={}, headers=headers)
    assert correction.status_code == 201
    assert correction.json["supersedes_id"] == record["id"]
    assert {i["code"]: i["result"] for i in correction.json["items"]}["A-1-05"] == "adjusted"
    assert correction.json["items"][-1]["code"] == "X-01"
    correction_url = f"/api/v1/drafts/{correction.json['id']}"
    client.post(f"{correction_url}/check-in", json=point(utcnow() - timedelta(minutes=30)), headers=headers)
    client.put(
        f"{correction_url}/results",
        json={"results": [{"code": "A-1-10", "result": "normal", "remark": "复查：异物已清除"}]},
        headers=headers,
    )
    client.post(f"{correction_url}/check-out", json=point(utcnow()), headers=headers)
    corrected = submit(client, world.tech1, correction.json["id"])
    assert corrected.status_code == 201
    assert corrected.json["supersedes_id"] == record["id"]
    original = client.get(f"/api/v1/records/{record['id']}", headers=auth(world.supervisor)).json
    assert original["superseded_by"] == [corrected.json["id"]]
    assert original["content_hash"] == record["content_hash"]
    listed = client.get(f"/api/v1/records?elevator_id={elevator.id}", headers=auth(world.supervisor)).json
    assert {item["id"] for item in listed["items"]} == {record["id"], corrected.json["id"]}


def test_submitting_the_same_draft_twice_yields_one_record(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    first = submit(client, world.tech1, draft["id"])
    second = submit(client, world.tech1, draft["id"])
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json["id"] == first.json["id"]
    assert second.json["content_hash"] == first.json["content_hash"]
    count = db.session.execute(db.select(db.func.count()).select_from(MaintenanceRecord)).scalar_one()
    assert count == 1


def test_a_record_is_queryable_the_moment_it_is_submitted(client):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    regulator_view = client.get("/api/v1/records", headers=auth(world.admin)).json
    assert [item["id"] for item in regulator_view["items"]] == [record["id"]]


def test_draft_status_is_submitted_after_submission(client):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    draft = db.session.get(RecordDraft, db.session.get(MaintenanceRecord, record["id"]).draft_id)
    assert draft.status == "submitted"
    shown = client.get(f"/api/v1/drafts/{draft.id}", headers=auth(world.tech1)).json
    assert shown["record_id"] == record["id"]
