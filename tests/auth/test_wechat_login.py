from datetime import timedelta

from sqlalchemy import update

from miniback.extensions import db
from miniback.models import Account, BindCode, utcnow
from tests.factories.registry import auth, make_world


def issue_bind_code(client, admin, account):
    response = client.post(f"/api/v1/staff/{account.id}/bind-code", headers=auth(admin))
    assert response.status_code == 201, response.json
    return response.json["bind_code"]


def test_technician_binds_wechat_once_then_logs_in_with_wx_login_codes(client, wechat_stub):
    world = make_world()
    bind_code = issue_bind_code(client, world.admin, world.tech1)

    bound = client.post("/api/v1/auth/wechat/bind", json={"code": "c1:zhang", "bind_code": bind_code})
    assert bound.status_code == 200, bound.json
    assert bound.json["account"]["id"] == world.tech1.id
    assert bound.json["account"]["wechat_bound"] is True
    assert "session_key" not in bound.get_data(as_text=True)
    assert "openid" not in bound.get_data(as_text=True)
    account = db.session.get(Account, world.tech1.id)
    assert account.openid == "stub-openid-zhang"
    assert account.wechat_session_key == "stub-session-key-zhang"

    login = client.post("/api/v1/auth/wechat/login", json={"code": "c2:zhang"})
    assert login.status_code == 200
    assert login.json["account"]["id"] == world.tech1.id
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['token']}"})
    assert me.json["role"] == "technician"
    # The backend called code2Session with our appid and secret; the client only ever sent the code.
    calls = wechat_stub.calls_to("/sns/jscode2session")
    assert [c["js_code"] for c in calls] == ["c1:zhang", "c2:zhang"]
    assert all(c["appid"] == "wxtest000000000000" and c["secret"] == "test-app-secret" for c in calls)


def test_bind_code_works_only_once(client):
    world = make_world()
    bind_code = issue_bind_code(client, world.admin, world.tech1)
    assert client.post("/api/v1/auth/wechat/bind", json={"code": "a:one", "bind_code": bind_code}).status_code == 200
    again = client.post("/api/v1/auth/wechat/bind", json={"code": "b:two", "bind_code": bind_code})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "bind_code_used"
    assert db.session.execute(db.select(Account).where(Account.openid == "stub-openid-two")).first() is None


def test_expired_bind_code_is_refused(client):
    world = make_world()
    bind_code = issue_bind_code(client, world.admin, world.tech1)
    db.session.execute(update(BindCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.post("/api/v1/auth/wechat/bind", json={"code": "a:late", "bind_code": bind_code})
    assert response.status_code == 409 and response.json["error"]["code"] == "bind_code_expired"
    assert db.session.get(Account, world.tech1.id).openid is None


def test_a_new_bind_code_voids_the_previous_one(client):
    world = make_world()
    first = issue_bind_code(client, world.admin, world.tech1)
    second = issue_bind_code(client, world.admin, world.tech1)
    assert client.post("/api/v1/auth/wechat/bind", json={"code": "a:x", "bind_code": first}).status_code == 409
    assert client.post("/api/v1/auth/wechat/bind", json={"code": "b:x", "bind_code": second}).status_code == 200


def test_unknown_bind_code_is_404(client):
    make_world()
    response = client.post("/api/v1/auth/wechat/bind", json={"code": "a:x", "bind_code": "ZZZZ9999"})
    assert response.status_code == 404 and response.json["error"]["code"] == "invalid_bind_code"


def test_one_wechat_cannot_bind_two_accounts(client):
    world = make_world()
    code1 = issue_bind_code(client, world.admin, world.tech1)
    code2 = issue_bind_code(client, world.admin, world.tech2)
    assert client.post("/api/v1/auth/wechat/bind", json={"code": "a:same", "bind_code": code1}).status_code == 200
    response = client.post("/api/v1/auth/wechat/bind", json={"code": "b:same", "bind_code": code2})
    assert response.status_code == 409 and response.json["error"]["code"] == "wechat_already_bound"
    # The refused attempt did not consume the second code.
    assert db.session.execute(db.select(BindCode.used_at).where(BindCode.account_id == world.tech2.id)).scalar() is None


def test_unbound_wechat_is_told_to_bind(client):
    make_world()
    response = client.post("/api/v1/auth/wechat/login", json={"code": "a:stranger"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "wechat_not_bound"


def test_reused_or_invalid_wx_login_code_is_401(client, wechat_stub):
    world = make_world()
    code = issue_bind_code(client, world.admin, world.tech1)
    client.post("/api/v1/auth/wechat/bind", json={"code": "once:zhang", "bind_code": code})
    reused = client.post("/api/v1/auth/wechat/login", json={"code": "once:zhang"})
    assert reused.status_code == 401 and reused.json["error"]["code"] == "invalid_wechat_code"
    invalid = client.post("/api/v1/auth/wechat/login", json={"code": "garbage"})
    assert invalid.status_code == 401


def test_wechat_outage_is_503_not_500(client, wechat_stub):
    make_world()
    wechat_stub.fail_next("/sns/jscode2session", status=502)
    response = client.post("/api/v1/auth/wechat/login", json={"code": "a:zhang"})
    assert response.status_code == 503 and response.json["error"]["code"] == "service_unavailable"
    wechat_stub.fail_next("/sns/jscode2session", errcode=-1)
    assert client.post("/api/v1/auth/wechat/login", json={"code": "b:zhang"}).status_code == 503


def test_login_does_not_depend_on_the_access_token_endpoint(client, wechat_stub):
    world = make_world()
    wechat_stub.fail_next("/cgi-bin/token", status=500, times=5)
    code = issue_bind_code(client, world.admin, world.tech1)
    assert client.post("/api/v1/auth/wechat/bind", json={"code": "a:t", "bind_code": code}).status_code == 200
    assert wechat_stub.calls_to("/cgi-bin/token") == []


def test_deactivated_account_cannot_log_in_by_wechat(client):
    world = make_world()
    code = issue_bind_code(client, world.admin, world.tech1)
    client.post("/api/v1/auth/wechat/bind", json={"code": "a:gone", "bind_code": code})
    client.post(f"/api/v1/staff/{world.tech1.id}/deactivate", headers=auth(world.admin))
    response = client.post("/api/v1/auth/wechat/login", json={"code": "b:gone"})
    assert response.status_code == 401 and response.json["error"]["code"] == "account_inactive"


def test_use_unit_admin_issues_bind_codes_for_its_managers_only(client):
    world = make_world()
    other = make_world()
    assert client.post(f"/api/v1/staff/{world.manager.id}/bind-code", headers=auth(world.uu_admin)).status_code == 201
    foreign = client.post(f"/api/v1/staff/{other.manager.id}/bind-code", headers=auth(world.uu_admin))
    assert foreign.status_code == 404
    tech = client.post(f"/api/v1/staff/{world.tech1.id}/bind-code", headers=auth(world.uu_admin))
    assert tech.status_code == 404
