import pytest

from miniback.access import require_active_unit
from miniback.auth.tokens import account_for_token, issue_token, unit_status_read_in_transaction
from miniback.errors import Forbidden
from miniback.extensions import db
from miniback.models import Account, ChangeLog, MaintenanceUnit, UseUnit
from miniback.models.rules import current_rules
from tests.factories.registry import PASSWORD, auth, credit_code, maintenance_unit_data, make_authority, make_world


def registration(**overrides):
    body = maintenance_unit_data()
    body["admin"] = {"name": "林晓燕", "username": "new-admin", "password": PASSWORD, "mobile": "13800138000"}
    body.update(overrides)
    return body


def test_maintenance_unit_registers_and_gets_its_admin_account(client):
    response = client.post("/api/v1/maintenance-units", json=registration(credit_code="91440300568520498A"))
    assert response.status_code == 201, response.json
    unit = db.session.get(MaintenanceUnit, response.json["unit"]["id"])
    assert unit.credit_code == "91440300568520498A" and unit.status == "pending"
    admin = db.session.get(Account, response.json["admin_account_id"])
    assert admin.role == "mu_admin" and admin.maintenance_unit_id == unit.id
    assert admin.password_hash.startswith("scrypt:")
    login = client.post("/api/v1/auth/login", json={"username": "new-admin", "password": PASSWORD})
    assert login.status_code == 200


def test_lower_case_credit_code_is_normalised(client):
    response = client.post("/api/v1/maintenance-units", json=registration(credit_code="9144030071526726xg"))
    assert response.status_code == 201
    assert response.json["unit"]["credit_code"] == "9144030071526726XG"


def test_invalid_credit_code_is_refused_with_the_reason(client):
    response = client.post("/api/v1/maintenance-units", json=registration(credit_code="91440300568520498B"))
    assert response.status_code == 422
    assert response.json["error"]["fields"]["credit_code"] == "统一社会信用代码校验位不正确"
    assert db.session.execute(db.select(MaintenanceUnit)).first() is None
    assert db.session.execute(db.select(Account)).first() is None


def test_duplicate_registration_is_409_and_changes_nothing(client):
    code = credit_code()
    assert client.post("/api/v1/maintenance-units", json=registration(credit_code=code)).status_code == 201
    again = registration(credit_code=code)
    again["admin"]["username"] = "another-admin"
    response = client.post("/api/v1/maintenance-units", json=again)
    assert response.status_code == 409 and response.json["error"]["code"] == "duplicate_unit"
    assert db.session.execute(db.select(db.func.count(Account.id))).scalar() == 1


def test_weak_admin_password_is_refused(client):
    body = registration()
    body["admin"]["password"] = "12345678"
    response = client.post("/api/v1/maintenance-units", json=body)
    assert response.status_code == 422 and "admin.password" in response.json["error"]["fields"]


def test_admin_updates_details_and_every_change_is_history(client):
    world = make_world()
    response = client.patch(
        f"/api/v1/maintenance-units/{world.unit.id}",
        headers=auth(world.admin),
        json={"emergency_phone": "020-87654321", "office_address": "广州市海珠区新港中路 1 号"},
    )
    assert response.status_code == 200
    assert response.json["emergency_phone"] == "020-87654321"
    history = client.get(f"/api/v1/maintenance-units/{world.unit.id}/history", headers=auth(world.admin)).json
    changes = {item["field"]: item for item in history["items"]}
    assert changes["emergency_phone"]["old_value"] == "020-38889999"
    assert changes["emergency_phone"]["new_value"] == "020-87654321"
    assert changes["emergency_phone"]["actor_id"] == world.admin.id
    assert changes["office_address"]["new_value"] == "广州市海珠区新港中路 1 号"
    assert history["total"] == 2


def test_unchanged_values_leave_no_history(client):
    world = make_world()
    client.patch(
        f"/api/v1/maintenance-units/{world.unit.id}",
        headers=auth(world.admin),
        json={"emergency_phone": world.unit.emergency_phone},
    )
    assert db.session.execute(db.select(ChangeLog).where(ChangeLog.entity == "maintenance_unit")).first() is None


def test_technician_cannot_change_unit_details(client):
    world = make_world()
    response = client.patch(
        f"/api/v1/maintenance-units/{world.unit.id}",
        headers=auth(world.tech1),
        json={"emergency_phone": "020-11111111"},
    )
    assert response.status_code == 403
    assert db.session.get(MaintenanceUnit, world.unit.id).emergency_phone == "020-38889999"


def test_platform_operator_lists_and_approves_pending_units(client):
    operator = make_authority("platform_operator")
    client.post("/api/v1/maintenance-units", json=registration())
    pending = client.get("/api/v1/maintenance-units?status=pending", headers=auth(operator)).json
    assert pending["total"] == 1
    unit_id = pending["items"][0]["id"]
    response = client.post(
        f"/api/v1/maintenance-units/{unit_id}/status", headers=auth(operator), json={"status": "active"}
    )
    assert response.status_code == 200 and response.json["status"] == "active"


def test_pending_unit_admin_may_complete_details_but_not_add_staff(client):
    client.post("/api/v1/maintenance-units", json=registration())
    token = client.post("/api/v1/auth/login", json={"username": "new-admin", "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    unit_id = client.get("/api/v1/me", headers=headers).json["maintenance_unit_id"]
    assert (
        client.patch(f"/api/v1/maintenance-units/{unit_id}", headers=headers, json={"contact_name": "周工"}).status_code
        == 200
    )
    response = client.post("/api/v1/org-nodes", headers=headers, json={"name": "一组"})
    assert response.status_code == 403 and response.json["error"]["code"] == "unit_not_active"


def test_use_unit_registers_and_keeps_history(client):
    body = {
        "name": "广州某物业",
        "credit_code": credit_code(),
        "address": "广州市越秀区某路",
        "district": "越秀区",
        "admin": {"name": "周敏", "username": "uu-new", "password": PASSWORD},
    }
    response = client.post("/api/v1/use-units", json=body)
    assert response.status_code == 201
    unit = db.session.get(UseUnit, response.json["unit"]["id"])
    operator = make_authority("platform_operator")
    admin = db.session.get(Account, response.json["admin_account_id"])
    # Approval needs the admin's consent to the default-confirmation rules (issue 18).
    rules = {"version": current_rules().version}
    assert client.post(f"/api/v1/use-units/{unit.id}/consent", headers=auth(admin), json=rules).status_code == 201
    client.post(f"/api/v1/use-units/{unit.id}/status", headers=auth(operator), json={"status": "active"})
    changed = client.patch(f"/api/v1/use-units/{unit.id}", headers=auth(admin), json={"district": "海珠区"})
    assert changed.status_code == 200 and changed.json["district"] == "海珠区"
    history = client.get(f"/api/v1/use-units/{unit.id}/history", headers=auth(admin)).json["items"]
    assert [(h["field"], h["old_value"], h["new_value"]) for h in history[:2]] == [
        ("district", "越秀区", "海珠区"),
        ("status", "pending", "active"),
    ]


def test_use_unit_district_must_be_in_guangzhou(client):
    body = {
        "name": "某物业",
        "credit_code": credit_code(),
        "address": "某路",
        "district": "福田区",
        "admin": {"name": "周敏", "username": "uu-x", "password": PASSWORD},
    }
    response = client.post("/api/v1/use-units", json=body)
    assert response.status_code == 422 and "district" in response.json["error"]["fields"]


def test_unit_status_seen_by_the_token_check_is_reused_only_within_its_transaction(app):
    world = make_world()
    token, _ = issue_token(world.tech1, 3600)
    db.session.commit()
    actor = account_for_token(token)
    assert unit_status_read_in_transaction(actor) == (True, "active", None)
    require_active_unit(actor)
    db.session.commit()
    # A new transaction has not read the status yet: the access check reads it again and sees the suspension.
    assert unit_status_read_in_transaction(actor) == (False, None, None)
    world.unit.status = "suspended"
    db.session.commit()
    with pytest.raises(Forbidden):
        require_active_unit(actor)
    db.session.rollback()
