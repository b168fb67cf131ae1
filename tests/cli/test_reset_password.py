"""``flask reset-password``: the operator's way back in, on the server, when the password is lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from werkzeug.security import check_password_hash

from miniback.extensions import db
from miniback.models import Account, ApiToken, ChangeLog, PasswordReset, utcnow
from tests.factories.registry import auth, make_authority, make_world

NEW = "Operator2026again"


def run(app, username: str, typed: str):
    return app.test_cli_runner().invoke(args=["reset-password", "--username", username], input=typed)


def test_the_operator_resets_their_own_password_from_the_command_line(app, client):
    operator = make_authority("platform_operator")
    operator.password_hash = "scrypt:never-matches"
    operator.failed_logins, operator.locked_until = 3, utcnow() + timedelta(minutes=10)
    old_session = auth(operator)
    db.session.commit()
    result = run(app, operator.username, f"{NEW}\n{NEW}\n")
    assert result.exit_code == 0, result.output
    assert "新密码" in result.output and "请再次输入新密码" in result.output
    assert f"已重置 {operator.username} 的密码，锁定已解除，原有登录会话全部失效" in result.output
    db.session.expire_all()
    account = db.session.get(Account, operator.id)
    assert check_password_hash(account.password_hash, NEW)
    assert account.failed_logins == 0 and account.locked_until is None
    assert db.session.execute(db.select(ApiToken.revoked_at)).scalar_one() is not None
    assert client.get("/api/v1/me", headers=old_session).status_code == 401
    login = client.post("/api/v1/auth/session", json={"username": operator.username, "password": NEW})
    assert login.status_code == 200
    log = db.session.execute(db.select(ChangeLog).where(ChangeLog.entity_id == operator.id)).scalar_one()
    assert (log.field, log.new_value, log.actor_id) == ("password", "通过命令行重置", None)


def test_the_reset_voids_open_reset_links(app, client):
    world = make_world()
    operator = make_authority("platform_operator")
    response = client.post(f"/api/v1/accounts/{world.admin.id}/password-reset", headers=auth(operator))
    assert response.status_code == 201
    assert run(app, world.admin.username, f"{NEW}\n{NEW}\n").exit_code == 0
    db.session.expire_all()
    assert db.session.execute(db.select(PasswordReset.voided_at)).scalar_one() is not None


def test_refusals_are_in_chinese_and_change_nothing(app):
    operator = make_authority("platform_operator")
    operator.password_hash = "scrypt:unchanged"
    world = make_world()
    db.session.commit()
    unknown = run(app, "nobody", f"{NEW}\n{NEW}\n")
    assert unknown.exit_code == 1 and "错误：找不到登录名 nobody" in unknown.output
    weak = run(app, operator.username, "short1\nshort1\n")
    assert weak.exit_code == 1 and "错误：密码至少 10 位，且须同时包含字母和数字" in weak.output
    mismatch = run(app, operator.username, f"{NEW}\nOther2026pass\n")  # click asks again; nothing more is typed
    assert mismatch.exit_code != 0
    db.session.execute(update(Account).where(Account.id == world.tech1.id).values(username="tech-cli"))
    db.session.commit()
    technician = run(app, "tech-cli", f"{NEW}\n{NEW}\n")
    assert technician.exit_code == 1 and "错误：该角色不使用密码登录" in technician.output
    db.session.expire_all()
    assert db.session.get(Account, operator.id).password_hash == "scrypt:unchanged"
    assert db.session.get(Account, world.tech1.id).password_hash is None
