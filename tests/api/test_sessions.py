"""``/me/sessions``: the caller's live sessions and tokens, and ending one of them (never someone else's)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from miniback.auth.current import CSRF_COOKIE, SESSION_COOKIE
from miniback.extensions import db
from miniback.models import ApiToken, utcnow
from tests.factories.registry import auth, make_maintenance_unit
from tests.factories.sessions import console_login, csrf, session_token


def test_the_list_shows_the_callers_live_sessions_and_marks_the_current_one(client, app):
    _, admin = make_maintenance_unit()
    _, other_admin = make_maintenance_unit()
    auth(other_admin)  # someone else's token: never listed
    bearer = auth(admin)
    for _ in range(3):
        auth(admin)
    revoked, expired, idle = (
        db.session.execute(db.select(ApiToken).where(ApiToken.account_id == admin.id).order_by(ApiToken.id.desc()))
        .scalars()
        .all()[:3]
    )
    revoked.revoked_at = utcnow()
    expired.expires_at = utcnow() - timedelta(seconds=1)
    idle.kind = "console"  # a console session unused for longer than the idle time has ended
    idle.last_used_at = utcnow() - timedelta(seconds=app.config["CONSOLE_IDLE_SECONDS"] + 1)
    console_login(client, admin.username, headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/140"})
    response = client.get("/api/v1/me/sessions")
    assert response.status_code == 200
    items = response.json["items"]
    assert [(item["kind"], item["current"]) for item in items] == [("console", True), ("bearer", False)]
    console = items[0]
    assert console["user_agent"] == "Mozilla/5.0 (Windows NT 10.0) Chrome/140" and console["ip"] == "127.0.0.1"
    assert set(console) == {"id", "kind", "created_at", "last_used_at", "expires_at", "user_agent", "ip", "current"}
    assert "token" not in response.get_data(as_text=True)
    from_bearer = client.get("/api/v1/me/sessions", headers=bearer).json["items"]
    assert [item["current"] for item in from_bearer] == [False, True]


def test_ending_another_of_ones_own_sessions_stops_it_at_once(client):
    _, admin = make_maintenance_unit()
    bearer = auth(admin)
    console_login(client, admin.username)
    phone = next(item for item in client.get("/api/v1/me/sessions").json["items"] if not item["current"])
    refused = client.delete(f"/api/v1/me/sessions/{phone['id']}")
    assert refused.status_code == 403 and client.get("/api/v1/me", headers=bearer).status_code == 200
    response = client.delete(f"/api/v1/me/sessions/{phone['id']}", headers=csrf(client))
    assert response.status_code == 204 and response.data == b""
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert client.get("/api/v1/me").status_code == 200  # the console session itself goes on
    again = client.delete(f"/api/v1/me/sessions/{phone['id']}", headers=csrf(client))
    assert again.status_code == 404


def test_another_accounts_session_id_is_not_found_and_stays_alive(client):
    _, admin = make_maintenance_unit()
    _, other_admin = make_maintenance_unit()
    other = auth(other_admin)
    other_id = db.session.execute(db.select(ApiToken.id).where(ApiToken.account_id == other_admin.id)).scalar_one()
    console_login(client, admin.username)
    response = client.delete(f"/api/v1/me/sessions/{other_id}", headers=csrf(client))
    assert response.status_code == 404 and response.json["error"]["code"] == "session_not_found"
    assert client.delete("/api/v1/me/sessions/999999", headers=csrf(client)).status_code == 404
    assert client.get("/api/v1/me", headers=other).status_code == 200


def test_ending_the_current_console_session_clears_its_cookies(client):
    _, admin = make_maintenance_unit()
    console_login(client, admin.username)
    current = client.get("/api/v1/me/sessions").json["items"][0]
    response = client.delete(f"/api/v1/me/sessions/{current['id']}", headers=csrf(client))
    assert response.status_code == 204
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"{SESSION_COOKIE}=") and "Max-Age=0" in c for c in cookies)
    assert any(c.startswith(f"{CSRF_COOKIE}=") and "Max-Age=0" in c for c in cookies)
    assert session_token(client) is None


def test_tokens_from_before_console_sessions_are_listed_and_stay_valid(client):
    _, admin = make_maintenance_unit()
    headers = auth(admin)
    db.session.execute(update(ApiToken).values(last_used_at=None, user_agent=None, ip=None))
    items = client.get("/api/v1/me/sessions", headers=headers).json["items"]
    assert len(items) == 1 and items[0]["kind"] == "bearer"
    assert db.session.execute(db.select(ApiToken.last_used_at)).scalar_one() is not None  # first use records it
