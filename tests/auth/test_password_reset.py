"""Password-reset links: issued by the operator or a unit admin for their own accounts, used once, then gone."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update
from werkzeug.security import check_password_hash

from miniback.auth.password_reset import ResetLinkGone, issue_password_reset, use_password_reset
from miniback.extensions import db
from miniback.models import Account, ChangeLog, PasswordReset, utcnow
from tests.factories.registry import PASSWORD, auth, make_authority, make_maintenance_unit, make_world
from tests.factories.sessions import console_login

NEW_PASSWORD = "Reset2026newpass"


def issue(client, issuer: Account, account: Account):
    return client.post(f"/api/v1/accounts/{account.id}/password-reset", headers=auth(issuer))


def link_token(response) -> str:
    assert response.status_code == 201, response.json
    return parse_qs(urlsplit(response.json["url"]).query)["token"][0]


def use(client, token: str, password: str = NEW_PASSWORD, **extra):
    return client.post("/api/v1/auth/password-reset", json={"token": token, "new_password": password, **extra})


def inspect(client, token: str):
    return client.post("/api/v1/auth/password-reset/inspect", json={"token": token})


def password_login(client, username: str, password: str) -> int:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_the_operator_issues_a_link_that_sets_a_new_password_once(client, app):
    regulator = make_authority("regulator", "天河区")
    regulator.password_hash = make_maintenance_unit()[1].password_hash
    operator = make_authority("platform_operator")
    old_token = auth(regulator)
    response = issue(client, operator, regulator)
    url = response.json["url"]
    assert url.startswith("https://lift.example.test/console/reset-password?token=")
    token = link_token(response)
    row = db.session.execute(db.select(PasswordReset)).scalar_one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert row.issued_by_id == operator.id and row.account_id == regulator.id and row.used_at is None
    assert (row.expires_at - row.created_at).total_seconds() == app.config["PASSWORD_RESET_TTL_SECONDS"] == 86400

    info = inspect(client, token)
    assert info.status_code == 200
    assert info.json == {
        "name": regulator.name,
        "username": regulator.username,
        "role": "regulator",
        "expires_at": info.json["expires_at"],
    }
    done = use(client, token)
    assert done.status_code == 200 and done.json == {"ok": True, "username": regulator.username}
    assert password_login(client, regulator.username, NEW_PASSWORD) == 200
    assert password_login(client, regulator.username, PASSWORD) == 401
    assert client.get("/api/v1/me", headers=old_token).status_code == 401  # every earlier session has ended
    used = db.session.execute(db.select(PasswordReset)).scalar_one()
    assert used.used_at is not None
    log = db.session.execute(db.select(ChangeLog).where(ChangeLog.field == "password")).scalar_one()
    assert (log.entity, log.entity_id, log.new_value) == ("account", regulator.id, "通过重置链接设置")
    assert NEW_PASSWORD not in str(log.new_value) and log.old_value is None

    again = use(client, token, "Another2026pass")
    assert again.status_code == 410 and again.json["error"]["code"] == "reset_link_used"
    assert inspect(client, token).json["error"]["code"] == "reset_link_used"
    assert password_login(client, regulator.username, NEW_PASSWORD) == 200


def test_using_a_link_clears_the_lock_out(client, app):
    _, admin = make_maintenance_unit()
    operator = make_authority("platform_operator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        password_login(client, admin.username, "Wrong2026pass")
    assert password_login(client, admin.username, PASSWORD) == 423
    assert use(client, link_token(issue(client, operator, admin))).status_code == 200
    account = db.session.get(Account, admin.id)
    assert account.locked_until is None and account.failed_logins == 0
    assert console_login(client, admin.username, NEW_PASSWORD).status_code == 200


def test_an_expired_link_is_gone(client):
    _, admin = make_maintenance_unit()
    token = link_token(issue(client, make_authority("platform_operator"), admin))
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    for response in (inspect(client, token), use(client, token)):
        assert response.status_code == 410 and response.json["error"]["code"] == "reset_link_expired"
    assert password_login(client, admin.username, PASSWORD) == 200


def test_a_newer_link_voids_the_older_unused_one(client):
    _, admin = make_maintenance_unit()
    operator = make_authority("platform_operator")
    first = link_token(issue(client, operator, admin))
    second = link_token(issue(client, operator, admin))
    response = use(client, first)
    assert response.status_code == 410 and response.json["error"]["code"] == "reset_link_voided"
    assert use(client, second).status_code == 200
    rows = db.session.execute(db.select(PasswordReset).order_by(PasswordReset.id)).scalars().all()
    assert rows[0].voided_at is not None and rows[0].used_at is None and rows[1].used_at is not None


def test_an_unknown_link_is_not_found(client):
    for response in (inspect(client, "no-such-token"), use(client, "no-such-token")):
        assert response.status_code == 404 and response.json["error"]["code"] == "reset_link_invalid"


def test_a_weak_password_is_refused_under_new_password_and_the_link_stays_usable(client):
    _, admin = make_maintenance_unit()
    token = link_token(issue(client, make_authority("platform_operator"), admin))
    for weak in ("short1", "onlyletterslong", "1234567890123"):
        response = use(client, token, weak)
        assert response.status_code == 422
        assert response.json["error"]["fields"] == {"new_password": "密码至少 10 位，且须同时包含字母和数字"}
    assert db.session.execute(db.select(PasswordReset.used_at)).scalar_one() is None
    assert password_login(client, admin.username, PASSWORD) == 200
    assert use(client, token).status_code == 200


def test_a_supervisor_without_a_log_in_name_chooses_one_with_the_link(client):
    world = make_world()
    token = link_token(issue(client, world.admin, world.supervisor))
    info = inspect(client, token).json
    assert info["username"] is None and info["role"] == "mu_supervisor" and info["name"] == "黄主管"
    missing = use(client, token)
    assert missing.status_code == 422 and missing.json["error"]["fields"] == {"username": "请设置登录名"}
    taken = use(client, token, username=world.admin.username)
    assert taken.status_code == 422 and taken.json["error"]["fields"] == {"username": "该登录名已被使用"}
    bad = use(client, token, username="空 格")
    assert bad.status_code == 422 and "username" in bad.json["error"]["fields"]
    done = use(client, token, username="huang-sup")
    assert done.status_code == 200 and done.json["username"] == "huang-sup"
    assert console_login(client, "huang-sup", NEW_PASSWORD).status_code == 200
    logged = db.session.execute(db.select(ChangeLog).where(ChangeLog.field == "username")).scalar_one()
    assert logged.new_value == "huang-sup" and logged.entity_id == world.supervisor.id


def test_a_reset_changes_nothing_but_its_own_account(client):
    _, admin = make_maintenance_unit()
    _, other = make_maintenance_unit()
    other_token = auth(other)
    assert use(client, link_token(issue(client, make_authority("platform_operator"), admin))).status_code == 200
    assert client.get("/api/v1/me", headers=other_token).status_code == 200
    assert password_login(client, other.username, PASSWORD) == 200


def test_of_concurrent_uses_exactly_one_wins(client, app):
    _, admin = make_maintenance_unit()
    token = link_token(issue(client, make_authority("platform_operator"), admin))
    passwords = [f"Racer{n}2026pass" for n in range(4)]
    barrier = threading.Barrier(len(passwords))

    def attempt(password: str) -> int:
        with app.app_context():  # each request from its own thread and app context, as gunicorn threads would
            barrier.wait()
            status = use(client, token, password).status_code
            db.session.remove()
            return status

    with ThreadPoolExecutor(len(passwords)) as pool:
        results = dict(zip(passwords, pool.map(attempt, passwords), strict=True))
    assert sorted(results.values()) == [200, 410, 410, 410], results
    winner = next(password for password, status in results.items() if status == 200)
    db.session.expire_all()
    assert check_password_hash(db.session.get(Account, admin.id).password_hash, winner)
    assert db.session.execute(db.select(PasswordReset.used_at)).scalar_one() is not None


def test_a_link_used_by_another_transaction_after_this_one_read_it_is_refused(app):
    """The race itself, made certain: this transaction has read the link as unused (REPEATABLE READ keeps showing
    it so), then another use commits. The claim, a conditional update, still sees the committed use."""
    _, admin = make_maintenance_unit()
    operator = make_authority("platform_operator")
    db.session.commit()
    token, _ = issue_password_reset(operator, admin, 3600)
    db.session.commit()
    assert db.session.execute(db.select(PasswordReset.used_at)).scalar_one() is None  # the snapshot: unused
    with db.engine.begin() as connection:
        connection.execute(update(PasswordReset).values(used_at=utcnow()))
    before = db.session.get(Account, admin.id).password_hash
    with pytest.raises(ResetLinkGone) as refused:
        use_password_reset(token, NEW_PASSWORD, None)
    assert refused.value.code == "reset_link_used"
    db.session.rollback()
    assert db.session.get(Account, admin.id).password_hash == before


def test_unit_admins_reset_their_own_units_accounts_only(client):
    a, b = make_world("天河区"), make_world("越秀区")
    assert issue(client, a.admin, a.supervisor).status_code == 201
    assert issue(client, a.admin, a.admin).status_code == 201  # their own, too
    for foreign in (b.supervisor, b.admin, a.uu_admin, b.uu_admin, make_authority("regulator")):
        response = issue(client, a.admin, foreign)
        assert response.status_code == 404, foreign.role
        assert response.json["error"]["message"] == "找不到该账号"
    assert issue(client, a.uu_admin, a.uu_admin).status_code == 201
    assert issue(client, a.uu_admin, a.supervisor).status_code == 404
    assert issue(client, a.uu_admin, b.uu_admin).status_code == 404
    for role_without_password in (a.tech1, a.manager):
        issuer = a.admin if role_without_password is a.tech1 else a.uu_admin
        response = issue(client, issuer, role_without_password)
        assert response.status_code == 403 and response.json["error"]["code"] == "password_not_supported"
    assert issue(client, a.supervisor, a.tech1).status_code == 403  # supervisors issue no resets
    assert issue(client, make_authority("regulator"), a.admin).status_code == 403


def test_the_operator_resets_any_password_account(client):
    world = make_world()
    operator = make_authority("platform_operator")
    for account in (world.admin, world.supervisor, world.uu_admin, make_authority("inspector"), operator):
        assert issue(client, operator, account).status_code == 201, account.role


def test_a_deactivated_account_gets_no_link_and_its_open_link_stops_working(client):
    world = make_world()
    token = link_token(issue(client, world.admin, world.supervisor))
    assert client.post(f"/api/v1/staff/{world.supervisor.id}/deactivate", headers=auth(world.admin)).status_code == 200
    response = issue(client, world.admin, world.supervisor)
    assert response.status_code == 409 and response.json["error"]["code"] == "account_inactive"
    gone = use(client, token, username="huang-sup")
    assert gone.status_code == 410 and gone.json["error"]["code"] == "account_inactive"
    assert db.session.get(Account, world.supervisor.id).password_hash is None
