"""Record uploads through the signed interface: the same operations as the mini-program, idempotent on the
platform's id, every bad input a clear 4xx with nothing half-written, and batches item by item."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from PIL import Image
from rq import Queue
from sqlalchemy import func, select

from jobs.connection import PUSH_QUEUE, redis_connection
from jobs.enqueue import push_job_id
from miniback.extensions import db
from miniback.models import (
    Elevator,
    ElevatorLocation,
    LedgerEntry,
    MaintenanceRecord,
    PlatformCall,
    PlatformRequest,
    PlatformUpload,
    PublicHistoryEntry,
    RecordDraft,
    RecordItem,
    SignatureImage,
    SignoffState,
)
from tests.factories.platform import Platform, call, make_platform
from tests.factories.records import north_of
from tests.factories.registry import UnitWorld, make_staff, make_world, token_for
from tests.factories.uploads import certify, record_payload

RECORDS = "/api/v1/platform/records"
BATCH = "/api/v1/platform/records/batch"


def count(model: Any, *where: Any) -> int:
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@dataclass
class Setup:
    world: UnitWorld
    platform: Platform
    elevator: Elevator

    def payload(self, **kwargs: Any) -> dict[str, Any]:
        return record_payload(self.elevator, [self.world.tech1, self.world.tech2], **kwargs)


def setup_for(status: str) -> Setup:
    world = make_world()
    certify(world.tech1, world.tech2)
    platform = make_platform(status, authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    return Setup(world, platform, world.elevators[0])


@pytest.fixture
def production(app) -> Setup:
    return setup_for("connected")


@pytest.fixture
def sandbox(app) -> Setup:
    return setup_for("testing")


def upload(client, platform: Platform, payload: Any) -> Any:
    return call(client, platform, "POST", RECORDS, payload)


def error_of(response: Any) -> dict[str, Any]:
    return response.json["error"]


def test_upload_creates_the_record_through_the_mini_programs_operations(client, production):
    payload = production.payload()
    response = upload(client, production.platform, payload)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["result"] == "created"
    out = body["record"]
    record = db.session.get(MaintenanceRecord, out["record_id"])
    assert record is not None
    assert record.source == f"platform:{production.platform.client.code}"
    assert record.technician_id == production.world.tech1.id
    assert out["content_hash"] == record.content_hash
    assert out["sandbox"] is False and out["late_upload"] is False
    assert out["elevator_id"] == production.elevator.id and out["category"] == "half_month"
    assert out["flags"] == {"distance": False, "duration": False, "overlap": False}
    assert out["signoff"]["state"] == "pending"
    assert out["public_url"].endswith(f"/e/{production.elevator.public_code}")
    assert record.device_submitted_at == datetime.fromisoformat(payload["completed_at"])
    # Everything a mini-program submission leaves: items, sign-off, ledger entry, public entry, the location set.
    assert count(RecordItem, RecordItem.record_id == record.id) == len(payload["results"])
    assert count(SignoffState, SignoffState.record_id == record.id) == 1
    assert count(LedgerEntry) == 1
    assert count(PublicHistoryEntry) == 1
    assert count(ElevatorLocation, ElevatorLocation.kind == "initial") == 1
    # The evidence: the signed request whole, the upload naming it.
    upload_row = db.session.execute(select(PlatformUpload)).scalar_one()
    evidence = db.session.get(PlatformRequest, upload_row.request_id)
    assert evidence.body == json.dumps(payload, ensure_ascii=False).encode()
    assert evidence.key_id == production.platform.key_id and evidence.path == RECORDS
    assert upload_row.record_id == record.id and upload_row.sandbox is False
    # Pushed to the use unit after the commit, like a mini-program submission.
    assert Queue(PUSH_QUEUE, connection=redis_connection()).fetch_job(push_job_id(record.id)) is not None


def test_second_technician_and_added_items_parts_hazards_are_kept(client, production):
    payload = production.payload(
        added_items=[{"item": "轿厢照明", "result": "adjusted", "note": "更换灯管"}],
        replaced_parts=[{"name": "灯管", "quantity": 2}],
        hazards=[{"description": "底坑有积水"}],
    )
    response = upload(client, production.platform, payload)
    assert response.status_code == 201, response.json
    record = db.session.get(MaintenanceRecord, response.json["record"]["record_id"])
    content = json.loads(record.canonical_content)
    assert [t["role"] for t in content["technicians"]] == ["primary", "second"]
    assert content["technicians"][1]["id"] == production.world.tech2.id
    assert content["items"][-1]["item"] == "轿厢照明" and content["items"][-1]["added"] is True
    assert content["replaced_parts"] == [{"name": "灯管", "quantity": 2}]
    assert content["hazards"] == [{"description": "底坑有积水"}]


def test_check_in_far_from_the_known_location_is_flagged_not_refused(client, production):
    first = upload(client, production.platform, production.payload())
    assert first.status_code == 201
    far = upload(client, production.platform, production.payload(where=north_of(500)))
    assert far.status_code == 201, far.json
    assert far.json["record"]["flags"]["distance"] is True


def test_same_id_same_body_is_a_duplicate_with_the_existing_record(client, production):
    payload = production.payload()
    first = upload(client, production.platform, payload)
    again = upload(client, production.platform, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["result"] == "duplicate"
    assert again.json["record"]["record_id"] == first.json["record"]["record_id"]
    assert again.json["record"]["content_hash"] == first.json["record"]["content_hash"]
    assert count(MaintenanceRecord) == 1


def test_key_order_and_whitespace_do_not_make_another_body(client, production):
    payload = production.payload()
    assert upload(client, production.platform, payload).status_code == 201
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2, ensure_ascii=False).encode()
    again = call(client, production.platform, "POST", RECORDS, body=reordered)
    assert again.status_code == 200 and again.json["result"] == "duplicate"


def test_same_id_other_body_is_409_naming_the_existing_record(client, production):
    payload = production.payload()
    first = upload(client, production.platform, payload)
    changed = {**payload, "remarks": "改过的备注"}
    conflict = upload(client, production.platform, changed)
    assert conflict.status_code == 409
    error = error_of(conflict)
    assert error["code"] == "idempotency_conflict"
    assert error["details"] == {
        "record_id": first.json["record"]["record_id"],
        "content_hash": first.json["record"]["content_hash"],
        "platform_record_id": payload["platform_record_id"],
    }
    # A known id is answered as such even when the new body would not validate (Stripe's order).
    broken = upload(client, production.platform, {**payload, "category": "monthly"})
    assert broken.status_code == 409 and error_of(broken)["code"] == "idempotency_conflict"
    assert count(MaintenanceRecord) == 1 and count(PlatformUpload) == 1


def assert_nothing_written() -> None:
    assert count(MaintenanceRecord) == 0
    assert count(RecordDraft) == 0
    assert count(PlatformUpload) == 0
    assert count(ElevatorLocation) == 0
    assert count(LedgerEntry) == 0


def test_unknown_and_foreign_elevators_are_the_same_404(client, production):
    other = make_world()  # a unit that never authorised the platform
    db.session.commit()
    unknown = upload(client, production.platform, production.payload(elevator={"device_code": "31109999999999"}))
    foreign = upload(
        client, production.platform, production.payload(elevator={"device_code": other.elevators[0].device_code})
    )
    for response in (unknown, foreign):
        assert response.status_code == 404
        assert error_of(response)["code"] == "elevator_unknown"
    assert error_of(unknown)["message"] == error_of(foreign)["message"]
    assert_nothing_written()


def test_registration_code_names_the_elevator_too(client, production):
    production.elevator.registration_code = "REG-2026-0001"
    db.session.commit()
    payload = production.payload(elevator={"registration_code": "REG-2026-0001"})
    assert upload(client, production.platform, payload).status_code == 201
    both = production.payload(elevator={"registration_code": "REG-2026-0001", "device_code": "x" * 5})
    assert upload(client, production.platform, both).status_code == 422


def test_technician_not_active_staff_of_the_unit_is_refused(client, production):
    other = make_world()
    outsider = other.tech1
    certify(outsider)
    payload = record_payload(production.elevator, [outsider])
    response = upload(client, production.platform, payload)
    assert response.status_code == 422
    assert error_of(response)["code"] == "technician_unknown"
    assert "technicians.0.certificate_no" in error_of(response)["fields"]
    production.world.tech2.active = False
    db.session.commit()
    inactive = upload(client, production.platform, production.payload())
    assert error_of(inactive)["code"] == "technician_unknown"
    assert "technicians.1.certificate_no" in error_of(inactive)["fields"]
    supervisor = make_staff(production.world.admin, "mu_supervisor", name="主管")
    certify(supervisor)
    not_technician = upload(client, production.platform, record_payload(production.elevator, [supervisor]))
    assert error_of(not_technician)["code"] == "technician_unknown"
    assert_nothing_written()


def test_category_not_in_the_vocabulary_is_category_invalid(client, production):
    response = upload(client, production.platform, production.payload(category="monthly"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "category_invalid"
    assert_nothing_written()


def test_missing_unknown_and_other_types_item_codes_are_refused(client, production):
    payload = production.payload()
    missing = upload(client, production.platform, {**payload, "results": payload["results"][:-2]})
    assert missing.status_code == 422 and error_of(missing)["code"] == "items_missing"
    assert error_of(missing)["details"]["missing_codes"] == [row["code"] for row in payload["results"][-2:]]
    unknown = upload(
        client,
        production.platform,
        {**payload, "results": [*payload["results"], {"code": "Z-9-99", "result": "normal"}]},
    )
    assert unknown.status_code == 422 and error_of(unknown)["code"] == "item_unknown"
    # An escalator's (appendix D) codes for a traction elevator: not this type's checklist.
    escalator_codes = record_payload(production.elevator, [production.world.tech1])
    escalator_codes["results"] = [
        {"code": row["code"].replace("A-", "D-", 1), "result": "normal"} for row in escalator_codes["results"]
    ]
    other_type = upload(client, production.platform, escalator_codes)
    assert other_type.status_code == 422 and error_of(other_type)["code"] == "item_unknown"
    # A quarterly item in a half-monthly record: not in this category's checklist either.
    quarterly = record_payload(production.elevator, [production.world.tech1], category="quarter")["results"][-1]
    extra = upload(client, production.platform, {**payload, "results": [*payload["results"], quarterly]})
    assert error_of(extra)["code"] == "item_unknown"
    assert_nothing_written()


def jpeg_b64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 120), (255, 255, 255)).save(buffer, format="JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_signature_that_is_not_a_png_is_refused(client, production):
    for signature in (jpeg_b64(), "not base64 at all!", base64.b64encode(b"GIF89a....").decode()):
        response = upload(client, production.platform, production.payload(signature=signature))
        assert response.status_code == 422, signature
        assert error_of(response)["code"] == "signature_not_png"
        assert "signature_png" in error_of(response)["fields"]
    assert count(SignatureImage) == 0
    assert_nothing_written()


def test_time_without_offset_or_as_a_number_is_a_422(client, production):
    payload = production.payload()
    naive = {**payload, "completed_at": payload["completed_at"][:19]}
    epoch = {**payload, "check_in": {**payload["check_in"], "at": 1764770700}}
    for body in (naive, epoch):
        response = upload(client, production.platform, body)
        assert response.status_code == 422
        assert error_of(response)["code"] == "validation_error"
    assert_nothing_written()


def test_device_times_checked_like_the_mini_programs(client, production):
    payload = production.payload()
    backwards = {**payload, "check_out": {**payload["check_out"], "at": payload["check_in"]["at"]}}
    backwards["check_in"] = {**payload["check_out"]}
    response = upload(client, production.platform, backwards)
    assert response.status_code == 422
    assert "check_out.at" in error_of(response)["fields"]
    assert_nothing_written()


def test_malformed_json_fails_the_request(client, production):
    response = call(client, production.platform, "POST", RECORDS, body=b'{"platform_record_id": ')
    assert response.status_code == 422
    assert error_of(response)["code"] == "malformed_json"


def test_upload_is_logged_in_the_call_log(client, production):
    payload = production.payload()
    upload(client, production.platform, payload)
    upload(client, production.platform, payload)
    upload(client, production.platform, {**payload, "remarks": "不同"})
    upload(client, production.platform, production.payload(category="monthly"))
    calls = db.session.execute(select(PlatformCall).order_by(PlatformCall.id)).scalars().all()
    assert [(c.operation, c.status, c.error_code) for c in calls] == [
        ("record", 201, None),
        ("record", 200, None),
        ("record", 409, "idempotency_conflict"),
        ("record", 422, "category_invalid"),
    ]
    assert [c.results for c in calls] == [
        [{"result": "created", "code": None}],
        [{"result": "duplicate", "code": None}],
        [{"result": "conflict", "code": "idempotency_conflict"}],
        [{"result": "invalid", "code": "category_invalid"}],
    ]


# -- batches ----------------------------------------------------------------------------------------------------


def test_batch_answers_each_item_in_order_and_one_bad_item_blocks_nothing(client, production):
    good = [production.payload() for _ in range(3)]
    bad_elevator = production.payload(elevator={"device_code": "31100000000000"})
    missing = production.payload()
    missing["results"] = missing["results"][1:]
    body = {"records": [good[0], bad_elevator, good[1], "not an object", missing, good[2], {**good[0]}]}
    response = call(client, production.platform, "POST", BATCH, body)
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["result"] for r in results] == [
        "created",
        "invalid",
        "created",
        "invalid",
        "invalid",
        "created",
        "invalid",
    ]
    assert [r["error"]["code"] if r["error"] else None for r in results] == [
        None,
        "elevator_unknown",
        None,
        "validation_error",
        "items_missing",
        None,
        "duplicate_in_batch",
    ]
    assert results[0]["platform_record_id"] == good[0]["platform_record_id"]
    assert response.json["counts"] == {"created": 3, "duplicate": 0, "conflict": 0, "invalid": 4}
    assert count(MaintenanceRecord) == 3 and count(PlatformUpload) == 3
    assert count(PlatformRequest) == 1
    indexes = db.session.execute(select(PlatformUpload.item_index).order_by(PlatformUpload.item_index)).scalars()
    assert list(indexes) == [0, 2, 5]
    for result in results:
        if result["result"] == "created":
            assert Queue(PUSH_QUEUE, connection=redis_connection()).fetch_job(
                push_job_id(result["record"]["record_id"])
            )


def test_batch_resent_gives_duplicates_and_conflicts_never_second_records(client, production):
    items = [production.payload() for _ in range(4)]
    first = call(client, production.platform, "POST", BATCH, {"records": items})
    assert first.json["counts"]["created"] == 4
    items[2] = {**items[2], "remarks": "改了"}
    again = call(client, production.platform, "POST", BATCH, {"records": items})
    assert [r["result"] for r in again.json["results"]] == ["duplicate", "duplicate", "conflict", "duplicate"]
    assert again.json["results"][2]["error"]["details"]["record_id"] == first.json["results"][2]["record"]["record_id"]
    assert count(MaintenanceRecord) == 4


def test_batch_over_100_items_is_refused_whole(client, production):
    items = [{"platform_record_id": f"X-{n}"} for n in range(101)]
    response = call(client, production.platform, "POST", BATCH, {"records": items})
    assert response.status_code == 422
    assert error_of(response)["code"] == "batch_too_large"
    assert count(PlatformRequest) == 0


def test_batch_over_8_mb_is_a_413(client, production):
    body = json.dumps({"records": [{"platform_record_id": "BIG", "remarks": "x" * (8 * 1024 * 1024)}]}).encode()
    response = call(client, production.platform, "POST", BATCH, body=body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert count(PlatformRequest) == 0


def test_batch_of_100_complete_records_is_accepted(client, production):
    items = [production.payload(check_in_at=None) for _ in range(100)]
    body = json.dumps({"records": items}).encode()
    assert len(body) > 2 * 1024 * 1024 or len(body) < 8 * 1024 * 1024
    response = call(client, production.platform, "POST", BATCH, body=body)
    assert response.status_code == 200
    assert response.json["counts"]["created"] == 100
    assert count(MaintenanceRecord) == 100


def test_batch_envelope_must_be_records(client, production):
    for body in ({"items": []}, {"records": []}, {"records": "x"}):
        response = call(client, production.platform, "POST", BATCH, body)
        assert response.status_code == 422, body
    assert count(PlatformRequest) == 0


# -- sandbox ----------------------------------------------------------------------------------------------------


def test_sandbox_upload_answers_as_production_but_leaves_nothing_official(client, sandbox):
    payload = sandbox.payload()
    response = upload(client, sandbox.platform, payload)
    assert response.status_code == 201, response.json
    out = response.json["record"]
    assert out["sandbox"] is True and out["record_id"] is None and out["public_url"] is None
    assert len(out["content_hash"]) == 64
    assert out["signoff"]["state"] == "pending" and out["signoff"]["deadline_at"]
    for model in (MaintenanceRecord, RecordDraft, RecordItem, SignoffState, LedgerEntry, PublicHistoryEntry):
        assert count(model) == 0, model
    assert count(SignatureImage) == 0 and count(ElevatorLocation) == 0
    assert Queue(PUSH_QUEUE, connection=redis_connection()).count == 0
    assert redis_connection().keys("rq:job:*") == []
    row = db.session.execute(select(PlatformUpload)).scalar_one()
    assert row.sandbox is True and row.record_id is None and row.content_hash == out["content_hash"]
    assert row.summary["elevator_id"] == sandbox.elevator.id
    again = upload(client, sandbox.platform, payload)
    assert again.status_code == 200 and again.json["result"] == "duplicate"
    conflict = upload(client, sandbox.platform, {**payload, "remarks": "改了"})
    assert conflict.status_code == 409
    assert error_of(conflict)["details"]["record_id"] is None
    assert error_of(conflict)["details"]["content_hash"] == out["content_hash"]
    read = call(client, sandbox.platform, "GET", f"{RECORDS}/{payload['platform_record_id']}")
    assert read.status_code == 200 and read.json["sandbox"] is True


def test_sandbox_refuses_what_production_refuses(client, sandbox):
    response = upload(client, sandbox.platform, sandbox.payload(category="monthly"))
    assert error_of(response)["code"] == "category_invalid"
    response = upload(client, sandbox.platform, sandbox.payload(signature=jpeg_b64()))
    assert error_of(response)["code"] == "signature_not_png"
    assert count(PlatformUpload) == 0


def test_sandbox_batch_creates_no_records(client, sandbox):
    items = [sandbox.payload() for _ in range(3)]
    response = call(client, sandbox.platform, "POST", BATCH, {"records": items})
    assert response.json["counts"] == {"created": 3, "duplicate": 0, "conflict": 0, "invalid": 0}
    assert count(MaintenanceRecord) == 0 and count(PlatformUpload, PlatformUpload.sandbox.is_(True)) == 3


# -- the authorisation matrix: platform × unit × elevator × record ------------------------------------------------


def test_platforms_read_back_only_their_own_uploads(client, production):
    payload = production.payload()
    assert upload(client, production.platform, payload).status_code == 201
    ref = payload["platform_record_id"]
    own = call(client, production.platform, "GET", f"{RECORDS}/{ref}")
    assert own.status_code == 200 and own.json["record_id"] is not None
    assert own.json["signoff"]["state"] == "pending"
    # Another platform, even one the same unit authorised, sees nothing of it.
    other = make_platform("connected", authorised_by=[(production.world.unit, production.world.admin)])
    db.session.commit()
    assert call(client, other, "GET", f"{RECORDS}/{ref}").status_code == 404
    # Its own upload under the same id is its own, and a new record.
    mine = record_payload(production.world.elevators[1], [production.world.tech1], ref=ref)
    assert upload(client, other, mine).status_code == 201
    assert count(MaintenanceRecord) == 2
    assert call(client, production.platform, "GET", f"{RECORDS}/unknown-id").status_code == 404
    assert call(client, production.platform, "GET", f"{RECORDS}/bad%20id").status_code == 404


def test_sandbox_and_production_uploads_are_kept_apart(client, sandbox):
    payload = sandbox.payload()
    assert upload(client, sandbox.platform, payload).status_code == 201
    sandbox.platform.client.status = "connected"
    db.session.commit()
    # Once live, the sandbox id is not known in production: the same id is a new, official record.
    assert call(client, sandbox.platform, "GET", f"{RECORDS}/{payload['platform_record_id']}").status_code == 404
    live = upload(client, sandbox.platform, payload)
    assert live.status_code == 201 and live.json["record"]["record_id"] is not None
    assert count(MaintenanceRecord) == 1


def test_revoked_authorisation_stops_the_next_request(client, production):
    from miniback.models import PlatformAuthorisation, utcnow

    payload = production.payload()
    assert upload(client, production.platform, payload).status_code == 201
    grant = db.session.execute(select(PlatformAuthorisation)).scalar_one()
    grant.revoked_at = utcnow()
    grant.revoked_by_id = production.world.admin.id
    db.session.commit()
    refused = upload(client, production.platform, production.payload())
    assert refused.status_code == 404 and error_of(refused)["code"] == "elevator_unknown"
    ref = payload["platform_record_id"]
    assert call(client, production.platform, "GET", f"{RECORDS}/{ref}").status_code == 404
    assert call(client, production.platform, "GET", "/api/v1/platform/units").json["items"] == []
    assert call(client, production.platform, "GET", "/api/v1/platform/elevators").json["total"] == 0
    assert count(MaintenanceRecord) == 1


def test_desk_answers_name_the_uploading_platform(client, production):
    record_id = upload(client, production.platform, production.payload()).json["record"]["record_id"]
    admin = {"Authorization": f"Bearer {token_for(production.world.admin)}"}
    detail = client.get(f"/api/v1/records/{record_id}", headers=admin).json
    listed = client.get("/api/v1/records", headers=admin).json["items"]
    assert detail["source_name"] == listed[0]["source_name"] == production.platform.client.name
