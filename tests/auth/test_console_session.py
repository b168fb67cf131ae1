"""The web console's session: an HttpOnly cookie, a CSRF header on every write, idle and absolute expiry."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import update

from miniback import create_app
from miniback.auth.current import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from miniback.extensions import db
from miniback.models import Account, ApiToken, MaintenanceUnit, utcnow
from tests import conftest
from tests.factories.registry import PASSWORD, auth, make_authority, make_maintenance_unit, make_world
from tests.factories.sessions import console_login, csrf, give_password, session_token

UNIT_CHANGE = {"contact_name": "控制台改的联系人"}


def set_cookies(response) -> dict[str, str]:
    """Each Set-Cookie header of ``response``, by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def console_row() -> ApiToken:
    return db.session.execute(db.select(ApiToken).where(ApiToken.kind == "console")).scalar_one()


def contact_name(unit_id: int) -> str:
    return db.session.execute(db.select(MaintenanceUnit.contact_name).where(MaintenanceUnit.id == unit_id)).scalar_one()


def test_console_log_in_puts_the_token_in_an_httponly_cookie_never_in_the_body(client, app):
    _, admin = make_maintenance_unit()
    response = console_login(client, admin.username, headers={"User-Agent": "Mozilla/5.0 " + "x" * 400})
    assert response.status_code == 200
    assert set(response.json) == {"account", "expires_at", "idle_seconds"}
    assert response.json["account"]["id"] == admin.id
    assert response.json["idle_seconds"] == app.config["CONSOLE_IDLE_SECONDS"] == 1800
    token = session_token(client)
    assert token and token not in response.get_data(as_text=True)
    cookies = set_cookies(response)
    session, csrf_cookie = cookies[SESSION_COOKIE], cookies[CSRF_COOKIE]
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Path=/" in session
    assert "Secure" not in session  # outside production, so the demo works over plain http
    assert "HttpOnly" not in csrf_cookie and "SameSite=Lax" in csrf_cookie and "Path=/" in csrf_cookie
    expected = hmac.new(app.config["SECRET_KEY"].encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()
    assert csrf(client)[CSRF_HEADER] == expected
    row = console_row()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.account_id == admin.id and row.ip == "127.0.0.1" and len(row.user_agent) == 255
    ttl = (row.expires_at - row.created_at).total_seconds()
    assert ttl == app.config["CONSOLE_SESSION_TTL_SECONDS"] == 43200


def test_the_session_cookie_is_secure_in_production_and_when_configured(client, app):
    assert create_app(conftest.test_config(ENV_MODE="production")).config["SESSION_COOKIE_SECURE"] is True
    assert create_app(conftest.test_config()).config["SESSION_COOKIE_SECURE"] is False
    _, admin = make_maintenance_unit()
    app.config["SESSION_COOKIE_SECURE"] = True
    cookies = set_cookies(console_login(client, admin.username))
    assert "Secure" in cookies[SESSION_COOKIE] and "Secure" in cookies[CSRF_COOKIE]


def test_console_log_in_shares_the_lock_out_with_the_token_log_in(client, app):
    _, admin = make_maintenance_unit()
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        path = "/api/v1/auth/session" if attempt % 2 else "/api/v1/auth/login"
        response = client.post(path, json={"username": admin.username, "password": "Wrong2026pass"})
        assert response.status_code == 401 and response.json["error"]["code"] == "invalid_credentials"
    locked = console_login(client, admin.username)
    assert locked.status_code == 423 and locked.json["error"]["code"] == "account_locked"
    assert session_token(client) is None and not db.session.execute(db.select(ApiToken)).first()


def test_roles_without_a_password_cannot_open_a_console_session(client):
    world = make_world()
    world.tech1.username = "tech-console"
    world.tech1.password_hash = world.admin.password_hash
    response = console_login(client, "tech-console")
    assert response.status_code == 401 and session_token(client) is None


def test_supervisors_log_in_to_the_console(client):
    world = make_world()
    give_password(world.supervisor, "huang-sup")
    assert console_login(client, "huang-sup").status_code == 200
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json["role"] == "mu_supervisor"


def test_reads_with_the_session_cookie_need_no_csrf_header(client):
    _, admin = make_maintenance_unit()
    console_login(client, admin.username)
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json["id"] == admin.id


def test_a_cookie_write_without_or_with_a_wrong_csrf_header_is_refused_and_changes_nothing(client):
    unit, admin = make_maintenance_unit()
    before = contact_name(unit.id)
    password_before = admin.password_hash
    console_login(client, admin.username)
    good = csrf(client)[CSRF_HEADER]
    attempts = [{}, {CSRF_HEADER: ""}, {CSRF_HEADER: "0" * 64}, {CSRF_HEADER: good[:-1]}, {"X-CSRF": good}]
    attempts.append({CSRF_HEADER: hmac.new(b"another-key", b"x", hashlib.sha256).hexdigest()})
    for headers in attempts:
        response = client.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE, headers=headers)
        assert response.status_code == 403, headers
        assert response.json["error"] == {"code": "csrf_failed", "message": "缺少或无效的 CSRF 令牌，请刷新页面后重试"}
        change = {"old_password": PASSWORD, "new_password": "Changed2026pass"}
        assert client.post("/api/v1/me/password", json=change, headers=headers).status_code == 403
    assert contact_name(unit.id) == before
    assert db.session.get(Account, admin.id).password_hash == password_before
    assert console_row().revoked_at is None  # nor did the refused log-out or password change end the session
    response = client.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE, headers=csrf(client))
    assert response.status_code == 200 and contact_name(unit.id) == UNIT_CHANGE["contact_name"]


def test_one_sessions_csrf_token_does_not_unlock_another_session(client, app):
    unit, admin = make_maintenance_unit()
    console_login(client, admin.username)
    first_csrf = csrf(client)
    other = app.test_client()
    console_login(other, admin.username)
    response = other.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE, headers=first_csrf)
    assert response.status_code == 403 and response.json["error"]["code"] == "csrf_failed"


def test_bearer_clients_need_no_csrf_header_and_the_header_wins_over_the_cookie(client):
    unit, admin = make_maintenance_unit()
    headers = auth(admin)
    response = client.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE, headers=headers)
    assert response.status_code == 200
    console_login(client, admin.username)  # the cookie is now sent as well: the header still decides, no CSRF
    response = client.patch(f"/api/v1/maintenance-units/{unit.id}", json={"contact_name": "平台改"}, headers=headers)
    assert response.status_code == 200 and contact_name(unit.id) == "平台改"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_a_bearer_token_is_not_accepted_as_a_session_cookie(client):
    _, admin = make_maintenance_unit()
    bearer = auth(admin)["Authorization"].removeprefix("Bearer ")
    client.set_cookie(SESSION_COOKIE, bearer)
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_token"


def test_an_idle_console_session_ends(client, app):
    _, admin = make_maintenance_unit()
    console_login(client, admin.username)
    idle = app.config["CONSOLE_IDLE_SECONDS"]
    db.session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(seconds=idle - 30)))
    assert client.get("/api/v1/me").status_code == 200  # still within the idle time: and now used again
    db.session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(seconds=idle + 1)))
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"] == {"code": "session_idle", "message": "长时间未操作，请重新登录"}


def test_bearer_tokens_do_not_end_when_idle(client, app):
    _, admin = make_maintenance_unit()
    headers = auth(admin)
    db.session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(days=1)))
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_use_moves_last_used_at_at_most_once_a_minute(client):
    _, admin = make_maintenance_unit()
    console_login(client, admin.username)
    issued = console_row().last_used_at
    assert client.get("/api/v1/me").status_code == 200
    assert console_row().last_used_at == issued  # used seconds ago: no write
    earlier = utcnow() - timedelta(seconds=61)
    db.session.execute(update(ApiToken).values(last_used_at=earlier))
    assert client.get("/api/v1/me").status_code == 200
    moved = console_row().last_used_at
    assert moved > earlier + timedelta(seconds=60)


def test_a_refused_request_does_not_keep_the_session_alive(client):
    unit, admin = make_maintenance_unit()
    console_login(client, admin.username)
    earlier = utcnow() - timedelta(seconds=120)
    db.session.execute(update(ApiToken).values(last_used_at=earlier))
    assert client.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE).status_code == 403
    assert console_row().last_used_at == earlier


def test_a_console_session_ends_at_its_absolute_expiry_even_when_in_use(client):
    _, admin = make_maintenance_unit()
    console_login(client, admin.username)
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1), last_used_at=utcnow()))
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"]["code"] == "token_expired"


def test_logging_out_revokes_the_session_and_clears_both_cookies(client):
    _, admin = make_maintenance_unit()
    console_login(client, admin.username)
    token = session_token(client)
    refused = client.post("/api/v1/auth/logout")  # a log-out is a write too: another site cannot force it
    assert refused.status_code == 403 and console_row().revoked_at is None
    response = client.post("/api/v1/auth/logout", headers=csrf(client))
    assert response.status_code == 200 and response.json == {"ok": True}
    cookies = set_cookies(response)
    assert "Max-Age=0" in cookies[SESSION_COOKIE] and "Max-Age=0" in cookies[CSRF_COOKIE]
    assert session_token(client) is None
    assert console_row().revoked_at is not None
    client.set_cookie(SESSION_COOKIE, token)  # the old cookie, replayed
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_token"


def test_logging_in_again_in_the_same_browser_ends_the_previous_session(client):
    _, admin = make_maintenance_unit()
    console_login(client, admin.username)
    first = session_token(client)
    console_login(client, admin.username)
    assert session_token(client) != first
    client.set_cookie(SESSION_COOKIE, first)
    assert client.get("/api/v1/me").status_code == 401


def test_deactivating_a_person_ends_their_console_session(client, app):
    world = make_world()
    give_password(world.supervisor, "huang-sup")
    console_login(client, "huang-sup")
    assert client.get("/api/v1/me").status_code == 200
    response = app.test_client().post(f"/api/v1/staff/{world.supervisor.id}/deactivate", headers=auth(world.admin))
    assert response.status_code == 200
    db.session.execute(update(ApiToken).values(revoked_at=None))  # even had the revocation been missed
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"]["code"] == "account_inactive"


def test_suspending_a_unit_ends_its_admins_console_session(client, app):
    unit, admin = make_maintenance_unit()
    operator = make_authority("platform_operator")
    console_login(client, admin.username)
    assert client.get("/api/v1/me").status_code == 200
    body = {"status": "suspended"}
    response = app.test_client().post(f"/api/v1/maintenance-units/{unit.id}/status", json=body, headers=auth(operator))
    assert response.status_code == 200
    assert client.get("/api/v1/me").status_code == 401  # the suspension revoked the unit's tokens
    db.session.execute(update(ApiToken).values(revoked_at=None))  # and the unit's status alone also ends it
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"]["code"] == "account_inactive"


def test_the_demos_sqlite_database_keeps_console_sessions_going(sqlite_app):
    """The once-a-minute ``last_used_at`` write uses its own connection: SQLite must not find itself locked."""
    client = sqlite_app.test_client()
    unit, admin = make_maintenance_unit()
    db.session.commit()
    assert console_login(client, admin.username).status_code == 200
    earlier = utcnow() - timedelta(seconds=120)
    db.session.execute(update(ApiToken).values(last_used_at=earlier))
    response = client.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE, headers=csrf(client))
    assert response.status_code == 200 and contact_name(unit.id) == UNIT_CHANGE["contact_name"]
    assert console_row().last_used_at > earlier


def test_a_password_change_in_the_console_renews_the_session_in_cookies_not_in_the_body(client):
    unit, admin = make_maintenance_unit()
    phone = auth(admin)
    console_login(client, admin.username)
    old_token, old_csrf = session_token(client), csrf(client)
    change = {"old_password": PASSWORD, "new_password": "Changed2026pass"}
    response = client.post("/api/v1/me/password", json=change, headers=old_csrf)
    assert response.status_code == 200
    assert set(response.json) == {"account", "expires_at", "idle_seconds"}
    new_token = session_token(client)
    assert new_token and new_token != old_token and new_token not in response.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=phone).status_code == 401  # every other session has ended
    stale = client.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE, headers=old_csrf)
    assert stale.status_code == 403  # the old CSRF token belonged to the old session
    fresh = client.patch(f"/api/v1/maintenance-units/{unit.id}", json=UNIT_CHANGE, headers=csrf(client))
    assert fresh.status_code == 200
    client.set_cookie(SESSION_COOKIE, old_token)
    assert client.get("/api/v1/me").status_code == 401
