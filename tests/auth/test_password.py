from datetime import timedelta

from sqlalchemy import update

from miniback.extensions import db
from miniback.models import Account, ApiToken, utcnow
from tests.factories.registry import PASSWORD, auth, make_maintenance_unit, make_world


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_admin_logs_in_with_password_and_gets_an_expiring_token(client):
    _, admin = make_maintenance_unit()
    response = login(client, admin.username)
    assert response.status_code == 200
    body = response.json
    assert body["account"]["role"] == "mu_admin"
    assert "password_hash" not in body["account"] and "wechat_session_key" not in body["account"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json["id"] == admin.id
    stored = db.session.execute(db.select(ApiToken)).scalar_one()
    assert stored.token_hash != body["token"]  # only the hash is stored


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    _, admin = make_maintenance_unit()
    wrong = login(client, admin.username, "Wrong2026pass")
    unknown = login(client, "nobody-here")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["error"]["message"] == unknown.json["error"]["message"] == "用户名或密码错误"


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, app):
    _, admin = make_maintenance_unit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, admin.username, "Wrong2026pass").status_code == 401
    locked = login(client, admin.username)
    assert locked.status_code == 423
    assert locked.json["error"]["code"] == "account_locked"
    db.session.execute(update(Account).where(Account.id == admin.id).values(locked_until=utcnow() - timedelta(1)))
    assert login(client, admin.username).status_code == 200


def test_technicians_cannot_use_password_login(client):
    world = make_world()
    world.tech1.username = "tech-login"
    world.tech1.password_hash = world.admin.password_hash
    assert login(client, "tech-login").status_code == 401


def test_expired_token_is_refused(client):
    _, admin = make_maintenance_unit()
    headers = auth(admin)
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_expired"


def test_logout_revokes_the_token(client):
    _, admin = make_maintenance_unit()
    headers = auth(admin)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_token"


def test_forged_and_malformed_tokens_are_refused(client):
    make_maintenance_unit()
    for header in ("Bearer forged-token-value", "Bearer ", "Basic abc", "token", ""):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert set(response.json) == {"error"}


def test_deactivated_staff_tokens_stop_working(client):
    world = make_world()
    headers = auth(world.tech1)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    response = client.post(f"/api/v1/staff/{world.tech1.id}/deactivate", headers=auth(world.admin))
    assert response.status_code == 200 and response.json["active"] is False
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_suspending_a_unit_logs_out_all_its_people(client):
    world = make_world()
    operator = Account(role="platform_operator", name="平台", username="ops")
    db.session.add(operator)
    admin_headers, tech_headers = auth(world.admin), auth(world.tech1)
    response = client.post(
        f"/api/v1/maintenance-units/{world.unit.id}/status", json={"status": "suspended"}, headers=auth(operator)
    )
    assert response.status_code == 200 and response.json["status"] == "suspended"
    assert client.get("/api/v1/me", headers=admin_headers).status_code == 401
    assert client.get("/api/v1/me", headers=tech_headers).status_code == 401
    assert login(client, world.admin.username).status_code == 401


def test_changing_the_password_revokes_old_tokens(client):
    _, admin = make_maintenance_unit()
    old_headers = auth(admin)
    response = client.post(
        "/api/v1/me/password", headers=old_headers, json={"old_password": PASSWORD, "new_password": "Brand2026newpass"}
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=old_headers).status_code == 401
    new_headers = {"Authorization": f"Bearer {response.json['token']}"}
    assert client.get("/api/v1/me", headers=new_headers).status_code == 200
    assert login(client, admin.username).status_code == 401
    assert login(client, admin.username, "Brand2026newpass").status_code == 200


def test_password_change_needs_the_old_password_and_a_strong_new_one(client):
    _, admin = make_maintenance_unit()
    headers = auth(admin)
    wrong = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"old_password": "Wrong2026pass", "new_password": "Brand2026newpass"},
    )
    assert wrong.status_code == 422 and "old_password" in wrong.json["error"]["fields"]
    weak = client.post("/api/v1/me/password", headers=headers, json={"old_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and "new_password" in weak.json["error"]["fields"]
    assert login(client, admin.username).status_code == 200
