"""Bad input: a clear 4xx in the one error shape, and nothing changed."""

import base64
import io
from datetime import timedelta

from PIL import Image

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordDraft, RecordDraftItem, utcnow
from tests.factories.records import (
    complete_draft,
    confirm_location,
    point,
    start,
    submit,
)
from tests.factories.registry import auth, make_elevator, make_world


def _records() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(MaintenanceRecord)).scalar_one()


def _drafts() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(RecordDraft)).scalar_one()


def test_unknown_elevator_is_404(client):
    world = make_world()
    response = client.post(
        "/api/v1/drafts", json={"elevator_id": 999999, "category": "half_month"}, headers=auth(world.tech1)
    )
    assert response.status_code == 404
    assert response.json["error"]["fields"] == {"elevator_id": "不存在"}
    assert _drafts() == 0


def test_other_units_elevator_is_404_for_draft_and_site_confirmation(client):
    world, other = make_world(), make_world()
    foreign = other.elevators[0]
    assert start(client, world.tech1, foreign).status_code == 404
    assert confirm_location(client, world.tech1, foreign).status_code == 404
    assert _drafts() == 0


def test_transferred_elevator_takes_no_new_work_from_the_old_unit_but_its_records_stay_visible(client):
    world, other = make_world(), make_world()
    elevator = world.elevators[0]
    draft = complete_draft(client, world.tech1, elevator)
    record = submit(client, world.tech1, draft["id"]).json
    pending = complete_draft(client, world.tech1, elevator, locate=False)
    transferred = client.post(
        f"/api/v1/elevators/{elevator.id}/transfer",
        json={"maintenance_unit_credit_code": other.unit.credit_code},
        headers=auth(world.admin),
    )
    assert transferred.status_code == 200
    assert start(client, world.tech1, elevator).status_code == 404
    refused = submit(client, world.tech1, pending["id"])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_maintainer"
    assert client.get(f"/api/v1/records/{record['id']}", headers=auth(world.tech1)).status_code == 200
    assert client.get(f"/api/v1/records/{record['id']}", headers=auth(other.tech1)).status_code == 404
    assert _records() == 1


def test_category_not_valid_is_422(client):
    world = make_world()
    response = start(client, world.tech1, world.elevators[0], "monthly")
    assert response.status_code == 422
    assert "category" in response.json["error"]["fields"]


def test_submit_with_missing_item_results_lists_them_and_changes_nothing(client):
    world = make_world()
    elevator = world.elevators[0]
    confirm_location(client, world.tech1, elevator)
    draft = start(client, world.tech1, elevator).json
    headers = auth(world.tech1)
    client.post(f"/api/v1/drafts/{draft['id']}/check-in", json=point(utcnow() - timedelta(minutes=30)), headers=headers)
    client.put(
        f"/api/v1/drafts/{draft['id']}/results",
        json={"results": [{"code": item["code"], "result": "normal"} for item in draft["items"][:-2]]},
        headers=headers,
    )
    response = submit(client, world.tech1, draft["id"])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "record_incomplete"
    assert response.json["error"]["fields"] == {
        "check_out": "尚未签退",
        "items.A-1-30": "未填写结果",
        "items.A-1-31": "未填写结果",
    }
    assert _records() == 0
    assert db.session.get(RecordDraft, draft["id"]).status == "open"


def test_not_applicable_without_reason_is_refused(client):
    world = make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    draft = start(client, world.tech1, world.elevators[0]).json
    response = client.put(
        f"/api/v1/drafts/{draft['id']}/results",
        json={"results": [{"code": "A-1-01", "result": "normal"}, {"code": "A-1-02", "result": "not_applicable"}]},
        headers=auth(world.tech1),
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"results.1.note": "不适用时必须填写原因"}
    item = db.session.execute(
        db.select(RecordDraftItem).where(RecordDraftItem.draft_id == draft["id"], RecordDraftItem.code == "A-1-01")
    ).scalar_one()
    assert item.result is None


def test_hazard_without_description_is_refused(client):
    world = make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    draft = start(client, world.tech1, world.elevators[0]).json
    response = client.post(
        f"/api/v1/drafts/{draft['id']}/items", json={"item": "井道照明", "result": "hazard"}, headers=auth(world.tech1)
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"note": "有隐患时必须描述隐患"}


def test_unknown_item_code_is_refused(client):
    world = make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    draft = start(client, world.tech1, world.elevators[0]).json
    response = client.put(
        f"/api/v1/drafts/{draft['id']}/results",
        json={"results": [{"code": "D-1-01", "result": "normal"}]},
        headers=auth(world.tech1),
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"results.0.code": "该草稿中没有此项目"}


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, format="PNG")
    return buffer.getvalue()


def test_signature_must_be_a_png_of_bounded_size(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    jpeg = io.BytesIO()
    Image.new("RGB", (100, 50), "white").save(jpeg, format="JPEG")
    cases = {
        base64.b64encode(jpeg.getvalue()).decode(): "签名图片必须是 PNG 格式",
        base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20).decode(): "签名图片已损坏或无法识别",
        base64.b64encode(_png(3000, 100)).decode(): "签名图片尺寸应在 16–2000 像素之间",
        base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * (201 * 1024)).decode(): "签名图片不能超过 200 KB",
        "not base64!": "不是合法的 Base64 编码",
    }
    for signature, message in cases.items():
        response = submit(client, world.tech1, draft["id"], signature)
        assert response.status_code == 422, message
        assert response.json["error"]["fields"] == {"signature_png": message}
    assert _records() == 0


def test_coordinates_out_of_range_are_refused(client):
    world = make_world()
    elevator = world.elevators[0]
    for lat, lng, field in ((91, 113.3, "location.lat"), (23.1, 181, "location.lng")):
        body = {"location": {**point(utcnow()), "lat": lat, "lng": lng}}
        response = client.post(
            f"/api/v1/elevators/{elevator.id}/site-confirmations", json=body, headers=auth(world.tech1)
        )
        assert response.status_code == 422
        assert field in response.json["error"]["fields"]
    body = {"location": {**point(utcnow()), "coord_system": "bd09"}}
    response = client.post(f"/api/v1/elevators/{elevator.id}/site-confirmations", json=body, headers=auth(world.tech1))
    assert response.status_code == 422 and "location.coord_system" in response.json["error"]["fields"]


def test_check_out_before_check_in_is_refused(client):
    world = make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    draft = start(client, world.tech1, world.elevators[0]).json
    headers = auth(world.tech1)
    client.post(f"/api/v1/drafts/{draft['id']}/check-in", json=point(utcnow() - timedelta(minutes=5)), headers=headers)
    response = client.post(
        f"/api/v1/drafts/{draft['id']}/check-out", json=point(utcnow() - timedelta(minutes=30)), headers=headers
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"captured_at": "早于签到时间"}
    assert db.session.get(RecordDraft, draft["id"]).check_out_at is None


def test_times_far_in_the_future_are_refused(client):
    world = make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    draft = start(client, world.tech1, world.elevators[0]).json
    response = client.post(
        f"/api/v1/drafts/{draft['id']}/check-in",
        json=point(utcnow() + timedelta(hours=2)),
        headers=auth(world.tech1),
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"captured_at": "时间在未来"}
    naive = {**point(utcnow()), "captured_at": "2026-11-25T10:00:00"}
    response = client.post(f"/api/v1/drafts/{draft['id']}/check-in", json=naive, headers=auth(world.tech1))
    assert response.status_code == 422


def test_check_in_before_the_elevator_has_a_location_is_refused(client):
    world = make_world()
    draft = start(client, world.tech1, world.elevators[0]).json
    response = client.post(f"/api/v1/drafts/{draft['id']}/check-in", json=point(utcnow()), headers=auth(world.tech1))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "location_unknown"


def test_someone_elses_draft_cannot_be_read_changed_or_submitted(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    for intruder in (world.tech2, world.supervisor):
        assert client.get(f"/api/v1/drafts/{draft['id']}", headers=auth(intruder)).status_code in (403, 404)
    response = submit(client, world.tech2, draft["id"])
    assert response.status_code == 404
    response = client.patch(f"/api/v1/drafts/{draft['id']}", json={"remarks": "x"}, headers=auth(world.tech2))
    assert response.status_code == 404
    assert _records() == 0


def test_editing_a_submitted_record_through_the_api_is_refused(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    submit(client, world.tech1, draft["id"])
    headers = auth(world.tech1)
    for method, url, body in (
        ("put", f"/api/v1/drafts/{draft['id']}/results", {"results": [{"code": "A-1-01", "result": "adjusted"}]}),
        ("post", f"/api/v1/drafts/{draft['id']}/items", {"item": "补充项目", "result": "normal"}),
        ("post", f"/api/v1/drafts/{draft['id']}/check-out", point(utcnow())),
    ):
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == 409, url
        assert response.json["error"]["code"] == "already_submitted"


def test_second_technician_from_another_unit_is_refused(client):
    world, other = make_world(), make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    response = start(client, world.tech1, world.elevators[0], second_technician_id=other.tech1.id)
    assert response.status_code == 404
    assert response.json["error"]["fields"] == {"second_technician_id": "不是本单位的在职维保人员"}


def test_only_technicians_start_drafts(client):
    world = make_world()
    response = client.post(
        "/api/v1/drafts",
        json={"elevator_id": world.elevators[0].id, "category": "half_month"},
        headers=auth(world.supervisor),
    )
    assert response.status_code == 403


def test_site_confirmation_cannot_overwrite_registered_data(client):
    world = make_world()
    elevator = make_elevator(world.admin, world.use_unit)
    elevator.make = "奥的斯"
    body = {"location": point(utcnow()), "completions": {"make": "三菱"}}
    response = client.post(f"/api/v1/elevators/{elevator.id}/site-confirmations", json=body, headers=auth(world.tech1))
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"make": "已有登记值，如需修改请联系本单位管理员"}
    db.session.refresh(elevator)
    assert elevator.make == "奥的斯"
