"""The OpenAPI document is the truth: real responses of every operation match its statuses and schemas."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from miniback.extensions import db
from miniback.models import LedgerEntry, utcnow
from miniback.records.calendar import local_day
from signoff.ledger.checkpoints import build_checkpoint
from tests.api.openapi_contract import Contract, ContractClient
from tests.factories.photos import b64, jpeg
from tests.factories.platform import call, make_platform
from tests.factories.records import complete_draft, point, submit
from tests.factories.registry import PASSWORD, auth, credit_code, maintenance_unit_data, make_authority, make_world
from tests.factories.signatures import signature_b64
from tests.platform.callbacks_support import upload_record
from tests.platform.contract_calls import exercise_platform_uploads
from tests.platform.lifecycle_contract import exercise_platform_lifecycle_routes


@pytest.fixture
def contract(app: Flask) -> Contract:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return Contract(document, app)


@pytest.fixture
def checked(app: Flask, contract: Contract) -> ContractClient:
    app.test_client_class = ContractClient
    client = app.test_client()
    assert isinstance(client, ContractClient)
    client.contract = contract
    return client


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json() if response.is_json else response.data


def test_every_documented_operation_answers_as_documented(
    checked: ContractClient, contract: Contract, app: Flask, tmp_path: Path
):
    c = checked
    world = make_world()
    operator = make_authority("platform_operator")
    regulator = make_authority("regulator")
    db.session.commit()
    admin, tech, manager = auth(world.admin), auth(world.tech1), auth(world.manager)
    today = local_day(utcnow())

    # Errors come in the one documented shape.
    ok(c.get("/api/v1/me"), 401)
    ok(c.get("/api/v1/elevators/999999999", headers=admin), 404)
    ok(c.post("/api/v1/elevators", json={"district": "火星"}, headers=admin), 422)
    ok(c.post("/api/v1/drafts", json={"elevator_id": 1, "category": "half_month"}, headers=manager), 403)

    # Units: registration (201), review, details, changes and their history.
    mu_body = maintenance_unit_data() | {"admin": {"name": "林晓燕", "username": "new-mu-admin", "password": PASSWORD}}
    new_mu = ok(c.post("/api/v1/maintenance-units", json=mu_body), 201)["unit"]
    uu_body = {
        "name": "新物业",
        "credit_code": credit_code("91440104MA"),
        "address": "广州市越秀区某路 2 号",
        "district": "越秀区",
        "admin": {"name": "何敏", "username": "new-uu-admin", "password": PASSWORD},
    }
    new_uu = ok(c.post("/api/v1/use-units", json=uu_body), 201)["unit"]
    ok(c.get("/api/v1/maintenance-units", headers=auth(operator)))
    ok(c.get(f"/api/v1/maintenance-units/{world.unit.id}", headers=admin))
    ok(c.patch(f"/api/v1/maintenance-units/{world.unit.id}", json={"contact_name": "王工"}, headers=admin))
    ok(c.get(f"/api/v1/maintenance-units/{world.unit.id}/history", headers=admin))
    ok(c.post(f"/api/v1/maintenance-units/{new_mu['id']}/status", json={"status": "active"}, headers=auth(operator)))
    uu_admin = auth(world.uu_admin)
    ok(c.get("/api/v1/use-units", headers=auth(operator)))
    ok(c.get(f"/api/v1/use-units/{world.use_unit.id}", headers=uu_admin))
    ok(c.patch(f"/api/v1/use-units/{world.use_unit.id}", json={"address": "广州市天河区新址"}, headers=uu_admin))
    ok(c.get(f"/api/v1/use-units/{world.use_unit.id}/history", headers=uu_admin))
    # Issue 18: a use unit is approved once its admin consented to the default-confirmation rules.
    login = {"username": "new-uu-admin", "password": PASSWORD}
    new_uu_admin = {"Authorization": "Bearer " + ok(c.post("/api/v1/auth/login", json=login))["token"]}
    rules = ok(c.get("/api/v1/signoff-rules", headers=new_uu_admin))
    consent = {"version": rules["version"], "text_sha256": rules["text_sha256"]}
    ok(c.post(f"/api/v1/use-units/{new_uu['id']}/consent", json=consent, headers=new_uu_admin), 201)
    ok(c.get(f"/api/v1/use-units/{new_uu['id']}/consent", headers=new_uu_admin))
    ok(c.post(f"/api/v1/use-units/{new_uu['id']}/status", json={"status": "active"}, headers=auth(operator)))

    # Log-in, who am I, a password change, log-out.
    login = ok(c.post("/api/v1/auth/login", json={"username": "new-uu-admin", "password": PASSWORD}))
    bearer = {"Authorization": f"Bearer {login['token']}"}
    ok(c.get("/api/v1/me", headers=bearer))
    change = {"old_password": PASSWORD, "new_password": "Changed2026pass"}
    changed = ok(c.post("/api/v1/me/password", json=change, headers=bearer))
    ok(c.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {changed['token']}"}))

    # The web console: a cookie session (its writes carry the CSRF header), the session list, log-out.
    phone = ok(c.post("/api/v1/auth/login", json={"username": "new-uu-admin", "password": "Changed2026pass"}))
    ok(c.post("/api/v1/auth/session", json={"username": "new-uu-admin", "password": "Changed2026pass"}))
    console = {"X-CSRF-Token": c.get_cookie("miniback_csrf").value}
    sessions = ok(c.get("/api/v1/me/sessions"))["items"]
    phone_session = next(s["id"] for s in sessions if not s["current"])
    ok(c.delete(f"/api/v1/me/sessions/{phone_session}", headers=console), 204)
    change = {"old_password": "Changed2026pass", "new_password": "Console2026pass"}
    ok(c.post("/api/v1/me/password", json=change, headers=console))
    console = {"X-CSRF-Token": c.get_cookie("miniback_csrf").value}
    ok(c.post("/api/v1/auth/logout", headers=console))

    # A password reset by link: issued by the operator, inspected and used once.
    link = ok(c.post(f"/api/v1/accounts/{phone['account']['id']}/password-reset", headers=auth(operator)), 201)
    reset_token = link["url"].split("token=", 1)[1]
    ok(c.post("/api/v1/auth/password-reset/inspect", json={"token": reset_token}))
    ok(c.post("/api/v1/auth/password-reset", json={"token": reset_token, "new_password": "Reset2026pass"}))

    # The operator's accounts: list, create, detail, deactivate and reactivate.
    ok(c.get("/api/v1/accounts?q=admin", headers=auth(operator)))
    body = {"role": "regulator", "name": "天河区市场监管局", "username": "th-regulator", "password": PASSWORD}
    created_account = ok(c.post("/api/v1/accounts", json=body | {"district": "天河区"}, headers=auth(operator)), 201)
    ok(c.get(f"/api/v1/accounts/{created_account['id']}", headers=auth(operator)))
    ok(c.post(f"/api/v1/accounts/{created_account['id']}/deactivate", headers=auth(operator)))
    ok(c.post(f"/api/v1/accounts/{created_account['id']}/reactivate", headers=auth(operator)))

    # Elevators: registration (201) and matching (200), details, change, history, labels, location.
    elevator_body = {"device_code": "3110999900000001", "elevator_type": "traction", "address": "广州市天河区某大厦"}
    elevator_body["district"] = "天河区"
    created = ok(c.post("/api/v1/elevators", json=elevator_body, headers=admin), 201)
    assert created["matched"] is False
    assert ok(c.post("/api/v1/elevators", json=elevator_body, headers=admin))["matched"] is True
    new_id, code = created["elevator"]["id"], created["elevator"]["public_code"]
    ok(c.get("/api/v1/elevators", headers=admin))
    ok(c.get("/api/v1/elevators?q=3110999900", headers=admin))
    ok(c.get(f"/api/v1/elevators/{new_id}", headers=admin))
    ok(c.get(f"/api/v1/elevators/by-public-code/{code}", headers=admin))
    ok(c.patch(f"/api/v1/elevators/{new_id}", json={"make": "奥的斯"}, headers=admin))
    ok(c.get(f"/api/v1/elevators/{new_id}/history", headers=admin))
    ok(c.get(f"/api/v1/elevators/{new_id}/due", headers=admin))
    ok(c.get(f"/api/v1/elevators/{new_id}/template?category=half_month", headers=admin))
    for label in ("qr.png", "qr.svg", "label.png", "wxacode.png"):
        ok(c.get(f"/api/v1/elevators/{new_id}/{label}", headers=admin))
    ok(c.post(f"/api/v1/elevators/{new_id}/location", json=point(utcnow()), headers=admin), 201)
    ok(c.get(f"/api/v1/elevators/{new_id}/locations", headers=admin))
    ok(c.get(f"/api/v1/public/elevators/{code}"))
    ok(c.get(f"/api/v1/maintenance-units/{world.unit.id}/labels.pdf?elevator_id={new_id}", headers=admin))
    transfer = {"maintenance_unit_credit_code": new_mu["credit_code"]}
    ok(c.post(f"/api/v1/elevators/{new_id}/transfer", json=transfer, headers=admin))
    ok(c.get(f"/api/v1/elevators/{new_id}/assignments", headers=auth(operator)))

    # Checklists.
    ok(c.get("/api/v1/templates/tsg?elevator_type=traction&category=half_month", headers=tech))
    items = [{"category": "half_month", "item": "消防开关", "requirement": "功能正常"}]
    template = {"name": "消防员电梯", "elevator_type": "traction", "items": items}
    ok(c.post("/api/v1/unit-templates", json=template, headers=admin), 201)
    ok(c.get("/api/v1/unit-templates", headers=tech))

    # The hierarchy and people; a WeChat bind code, binding and log-in; deactivation.
    ok(c.get("/api/v1/org-nodes", headers=admin))
    node = ok(c.post("/api/v1/org-nodes", json={"name": "三组", "parent_id": world.branch.id}, headers=admin), 201)
    ok(c.patch(f"/api/v1/org-nodes/{node['id']}", json={"name": "三组（东）"}, headers=admin))
    empty = ok(c.post("/api/v1/org-nodes", json={"name": "临时组", "parent_id": world.branch.id}, headers=admin), 201)
    ok(c.delete(f"/api/v1/org-nodes/{empty['id']}", headers=admin), 204)
    staff = {"name": "王五", "mobile": "13900001111", "role": "technician", "org_node_id": node["id"]}
    person = ok(c.post("/api/v1/staff", json=staff, headers=admin), 201)
    ok(c.get("/api/v1/staff", headers=admin))
    ok(c.get("/api/v1/staff/colleagues", headers=tech))
    ok(c.get(f"/api/v1/staff/{person['id']}", headers=admin))
    ok(c.patch(f"/api/v1/staff/{person['id']}", json={"name": "王五一"}, headers=admin))
    bind_code = ok(c.post(f"/api/v1/staff/{person['id']}/bind-code", headers=admin), 201)["bind_code"]
    ok(c.post("/api/v1/auth/wechat/bind", json={"code": "c1:wang", "bind_code": bind_code}))
    ok(c.post("/api/v1/auth/wechat/login", json={"code": "c2:wang"}))
    ok(c.post(f"/api/v1/staff/{person['id']}/deactivate", headers=admin))

    # A technician's job: site confirmation, draft, check-in/out, results, an added item, submission.
    elevator, other = world.elevators
    draft = complete_draft(c, world.tech1, elevator)
    ok(c.post(f"/api/v1/drafts/{draft['id']}/items", json={"item": "轿厢照明", "result": "normal"}, headers=tech), 201)
    ok(c.patch(f"/api/v1/drafts/{draft['id']}", json={"remarks": "运行正常"}, headers=tech))
    ok(c.get("/api/v1/drafts", headers=tech))
    cancelled = ok(
        c.post("/api/v1/drafts", json={"elevator_id": other.id, "category": "half_month"}, headers=tech), 201
    )
    ok(c.delete(f"/api/v1/drafts/{cancelled['id']}", headers=tech), 204)
    ok(c.get(f"/api/v1/drafts/{draft['id']}", headers=tech))
    record = ok(submit(c, world.tech1, draft["id"]), 201)
    assert ok(submit(c, world.tech1, draft["id"]))["id"] == record["id"]
    ok(c.get("/api/v1/records", headers=tech))
    ok(c.get("/api/v1/records/export.xlsx?flagged=false", headers=admin))
    ok(c.get(f"/api/v1/records/{record['id']}", headers=tech))
    ok(c.get(f"/api/v1/records/{record['id']}/signature.png", headers=tech))
    ok(c.get(f"/api/v1/records/{record['id']}/pdf", headers=tech))
    day = record["maintenance_day"]
    ok(
        c.get(
            f"/api/v1/records/bundle.pdf?elevator_id={record['elevator_id']}&date_from={day}&date_to={day}",
            headers=admin,
        )
    )
    ok(c.post(f"/api/v1/records/{record['id']}/corrections", json={}, headers=tech), 201)

    # The ledger's public proofs, across two checkpoints.
    build_checkpoint()
    db.session.commit()
    ok(c.get("/api/v1/ledger/checkpoints/latest"))
    ok(c.get(f"/api/v1/ledger/records/{record['id']}/proof"))
    entry_id = db.session.execute(select(LedgerEntry.id).order_by(LedgerEntry.id)).scalars().first()
    ok(c.get(f"/api/v1/ledger/entries/{entry_id}/proof"))

    # The use unit's sign-off: list, detail, sign (201, then 200 unchanged), object and resolve; subscriptions.
    second = complete_draft(c, world.tech2, other, check_in_at=utcnow() - timedelta(hours=3))
    objected = ok(submit(c, world.tech2, second["id"]), 201)
    ok(c.get("/api/v1/signoff/records", headers=manager))
    ok(c.get(f"/api/v1/signoff/records/{record['id']}", headers=manager))
    signature = {"signature_png": signature_b64()}
    ok(c.post(f"/api/v1/signoff/records/{record['id']}/sign", json=signature, headers=manager), 201)
    ok(c.post(f"/api/v1/signoff/records/{record['id']}/sign", json=signature, headers=manager))
    objection = {"reason": "未见维保人员到场"}
    ok(c.post(f"/api/v1/signoff/records/{objected['id']}/objection", json=objection, headers=manager), 201)
    resolution = {"note": "已复核签到记录"}
    ok(c.post(f"/api/v1/signoff/records/{objected['id']}/objection/resolve", json=resolution, headers=admin))
    subscriptions = {"template_ids": [app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]]}
    ok(c.post("/api/v1/wechat/subscriptions", json=subscriptions, headers=manager))
    ok(c.get("/api/v1/signoff/unreached", headers=admin))
    first_size = ok(c.get("/api/v1/ledger/checkpoints/latest"))["tree_size"]
    build_checkpoint()
    db.session.commit()
    second_size = ok(c.get("/api/v1/ledger/checkpoints/latest"))["tree_size"]
    ok(c.get(f"/api/v1/ledger/consistency?first={first_size}&second={second_size}"))
    ok(c.get("/api/v1/ledger/log-key"))

    # Due dates, the overdue list and delay notices.
    ok(c.get("/api/v1/overdue", headers=auth(regulator)))
    ok(c.get("/api/v1/overdue/export.xlsx", headers=auth(regulator)))
    notice = {
        "elevator_ids": [elevator.id],
        "cause": "other",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "explanation": "小区封闭施工",
    }
    filed = ok(c.post("/api/v1/delay-notices", json=notice, headers=admin), 201)
    ok(c.get("/api/v1/delay-notices", headers=admin))
    ok(c.get(f"/api/v1/delay-notices/{filed['id']}", headers=admin))

    # Statistics (issue 17): the indicators, a table, a series, a ranking and a drill-down, over past days.
    stats = f"from={today - timedelta(days=40)}&to={today - timedelta(days=1)}"
    ok(c.get("/api/v1/stats/indicators", headers=auth(regulator)))
    ok(
        c.get(
            f"/api/v1/stats/table?indicators=signed_rate,overdue_now&group_by=district&{stats}", headers=auth(regulator)
        )
    )
    ok(c.get(f"/api/v1/stats/series?indicator=signed_rate&{stats}", headers=auth(regulator)))
    ok(c.get(f"/api/v1/stats/ranking?indicator=signed_rate&{stats}", headers=auth(regulator)))
    ok(c.get(f"/api/v1/stats/drill?indicator=overdue_now&{stats}", headers=auth(regulator)))

    # Exports (issue 17): records as CSV, a statistics table and a drill-down as xlsx and CSV, the monthly report.
    ok(c.get("/api/v1/exports/records.csv?flagged=false", headers=admin))
    city = auth(regulator)
    ok(c.get("/api/v1/exports/stats/table.xlsx?indicators=on_time_rate,signed_rate&group_by=district", headers=city))
    ok(c.get("/api/v1/exports/stats/table.csv?indicators=elevators_in_use&group_by=maintenance_unit", headers=city))
    ok(c.get("/api/v1/exports/stats/drill.xlsx?indicator=elevators_in_use", headers=city))
    ok(c.get("/api/v1/exports/stats/drill.csv?indicator=signed_rate&part=denominator", headers=city))
    ok(c.get(f"/api/v1/exports/monthly-report?month={today.strftime('%Y-%m')}", headers=city))

    # The data interface's platforms: the operator's, the unit admin's, the public list, the platform's own keys.
    exercise_platform_lifecycle_routes(c, ok, operator, world.unit, world.admin)

    # Callbacks: the platform's secret and a sandbox's simulated outcome (signed), the operator's delivery log.
    platform = make_platform("testing", callback_url="http://127.0.0.1:9/callbacks")
    upload_record(platform, None, sandbox=True, ref="sbx-contract")
    ok(call(c, platform, "GET", "/api/v1/platform/callback-secret"))
    sandbox_event = "/api/v1/platform/sandbox/records/sbx-contract/events"
    ok(call(c, platform, "POST", sandbox_event, {"event": "signed"}), 202)
    ok(c.get(f"/api/v1/platforms/{platform.client.id}/callbacks", headers=auth(operator)))

    # The signed platform routes (issue 15).
    exercise_platform_uploads(c, world)

    # Issue 18: overdue records awaiting consent, paperless approval, regulator notices.
    ok(c.get("/api/v1/signoff/awaiting-consent", headers=admin))
    application = ok(c.post("/api/v1/paperless-applications", json={"statement": "申请"}, headers=admin), 201)
    ok(c.get("/api/v1/paperless-applications", headers=auth(regulator)))
    ok(c.get(f"/api/v1/paperless-applications/{application['id']}", headers=admin))
    decision = {"reason": "抽查合格"}
    ok(c.post(f"/api/v1/paperless-applications/{application['id']}/approve", json=decision, headers=auth(regulator)))
    ok(c.get(f"/api/v1/maintenance-units/{world.unit.id}/paperless", headers=admin))
    ok(c.post(f"/api/v1/paperless-applications/{application['id']}/withdraw", json=decision, headers=auth(regulator)))
    again = ok(c.post("/api/v1/paperless-applications", json={}, headers=admin), 201)
    ok(c.post(f"/api/v1/paperless-applications/{again['id']}/reject", json=decision, headers=auth(regulator)))
    deadline = (utcnow() + timedelta(days=7)).isoformat()
    issued = {
        "maintenance_unit_id": world.unit.id,
        "kind": "rectification",
        "findings": "记录不全",
        "deadline_at": deadline,
    }
    rectification = ok(c.post("/api/v1/regulator-notices", json=issued, headers=auth(regulator)), 201)
    ok(c.get("/api/v1/regulator-notices", headers=admin))
    ok(c.get(f"/api/v1/regulator-notices/{rectification['id']}", headers=auth(regulator)))
    ok(c.post(f"/api/v1/regulator-notices/{rectification['id']}/acknowledge", headers=admin))
    ok(c.post(f"/api/v1/regulator-notices/{rectification['id']}/reply", json={"text": "已整改"}, headers=admin))
    escalation = {"findings": "未整改到位", "deadline_at": deadline}
    path = f"/api/v1/regulator-notices/{rectification['id']}/escalate"
    suspension = ok(c.post(path, json=escalation, headers=auth(regulator)), 201)
    close = {"text": "解除"}
    ok(c.post(f"/api/v1/regulator-notices/{suspension['id']}/close", json=close, headers=auth(regulator)))

    # Photo evidence (issue 19): a unit's own position, a draft's photos (upload, watermarked copy, removal) and a
    # record's watermarked photo.
    app.config.update(ARCHIVE_DIR=str(tmp_path / "archive"), PHOTO_DIR=str(tmp_path / "photos"))
    extra = {"elevator_type": "traction", "category": "year", "code": "rescue_sign", "label": "救援标识"}
    ok(c.post("/api/v1/units/photo-positions", json=extra, headers=admin), 201)
    ok(c.get("/api/v1/units/photo-positions", headers=admin))
    photo_draft = complete_draft(c, world.tech1, world.elevators[1])
    photo_body = {"position": "pit", "image_base64": b64(jpeg(seed=90)), "captured_at": utcnow().isoformat()}
    taken = ok(c.post(f"/api/v1/drafts/{photo_draft['id']}/photos", json=photo_body, headers=tech), 201)
    ok(c.get(taken["url"], headers=tech))
    ok(c.delete(f"/api/v1/drafts/{photo_draft['id']}/photos/{taken['id']}", headers=tech), 204)
    taken = ok(c.post(f"/api/v1/drafts/{photo_draft['id']}/photos", json=photo_body, headers=tech), 201)
    photo_record = ok(submit(c, world.tech1, photo_draft["id"]), 201)
    shown = ok(c.get(f"/api/v1/records/{photo_record['id']}", headers=admin))["photos"][0]
    ok(c.get(shown["url"], headers=admin))

    assert contract.problems == []
    assert contract.unexercised() == []


def test_a_response_unlike_its_schema_is_caught(checked: ContractClient, contract: Contract):
    """The checker itself: a documented operation answering another shape, or an undocumented status, is caught."""
    world = make_world()
    response = checked.get(f"/api/v1/elevators/{world.elevators[0].id}", headers=auth(world.admin))
    assert response.status_code == 200 and contract.problems == []
    body = response.get_json()
    del body["public_code"]
    response.set_data(json.dumps(body))
    contract.check("GET", f"/api/v1/elevators/{world.elevators[0].id}", response)
    response.status_code = 201
    contract.check("GET", f"/api/v1/elevators/{world.elevators[0].id}", response)
    assert len(contract.problems) == 2, contract.problems
    assert "public_code" in contract.problems[0] and "status not documented" in contract.problems[1]
    assert "GET /api/v1/me 200" in contract.unexercised()
