"""The operator's accounts screen: every account listed and searched, authorities' accounts created (API and
CLI alike), deactivated and reactivated."""

from __future__ import annotations

from miniback.extensions import db
from miniback.models import Account, ApiToken, ChangeLog
from tests.factories.registry import PASSWORD, auth, make_authority, make_world


def _list(client, operator, query=""):
    response = client.get(f"/api/v1/accounts?per_page=100{query}", headers=auth(operator))
    assert response.status_code == 200, response.json
    return response.json


def test_operator_lists_every_account_with_username_and_unit_names(client):
    world, other = make_world(), make_world("越秀区")
    operator = make_authority("platform_operator")
    db.session.commit()
    page = _list(client, operator)
    listed = {item["id"]: item for item in page["items"]}
    everyone = db.session.execute(db.select(Account.id)).scalars().all()
    assert set(listed) == set(everyone) and page["total"] == len(everyone)
    tech = listed[world.tech1.id]
    assert tech["maintenance_unit_name"] == world.unit.name and tech["use_unit_name"] is None
    assert tech["username"] is None and tech["role"] == "technician"
    manager = listed[other.manager.id]
    assert manager["use_unit_name"] == other.use_unit.name and manager["maintenance_unit_name"] is None
    assert listed[world.admin.id]["username"] == world.admin.username


def test_account_list_filters_by_role_unit_activity_and_search(client):
    world, other = make_world(), make_world("越秀区")
    operator = make_authority("platform_operator")
    regulator = make_authority("regulator", "天河区")
    world.tech2.active = False
    db.session.commit()

    def ids(query):
        return {item["id"] for item in _list(client, operator, query)["items"]}

    assert ids("&role=regulator") == {regulator.id}
    assert ids(f"&maintenance_unit_id={world.unit.id}&role=technician") == {world.tech1.id, world.tech2.id}
    assert ids(f"&maintenance_unit_id={world.unit.id}&active=false") == {world.tech2.id}
    assert ids(f"&use_unit_id={other.use_unit.id}") == {other.uu_admin.id, other.manager.id}
    assert ids("&q=张伟") == {world.tech1.id, other.tech1.id}  # both units have a 张伟明
    assert ids(f"&q={world.tech1.mobile[-6:]}") == {world.tech1.id}
    assert ids(f"&q={regulator.username}") == {regulator.id}
    assert ids("&q=%25") == set()  # a LIKE wildcard is searched as the character it is
    page = client.get("/api/v1/accounts?per_page=2&page=2", headers=auth(operator)).json
    assert (len(page["items"]), page["page"], page["per_page"]) == (2, 2, 2)


def test_account_list_refuses_bad_filters_and_other_roles(client):
    world = make_world()
    operator = make_authority("platform_operator")
    db.session.commit()
    for query in ("role=boss", "active=perhaps", "maintenance_unit_id=x", "q=" + "长" * 51, "per_page=0"):
        response = client.get(f"/api/v1/accounts?{query}", headers=auth(operator))
        assert response.status_code == 422, query
        assert response.json["error"]["fields"], query
    for account in (world.admin, world.uu_admin, make_authority("regulator")):
        assert client.get("/api/v1/accounts", headers=auth(account)).status_code == 403


def test_operator_creates_a_district_regulator_who_can_log_in(client):
    operator = make_authority("platform_operator")
    db.session.commit()
    body = {"role": "regulator", "name": "天河区市场监管局", "username": "th-reg", "password": PASSWORD}
    response = client.post("/api/v1/accounts", json=body | {"district": "天河区"}, headers=auth(operator))
    assert response.status_code == 201, response.json
    created = response.json
    assert (created["role"], created["district"], created["username"], created["active"]) == (
        "regulator",
        "天河区",
        "th-reg",
        True,
    )
    assert "password" not in str(created) and "password_hash" not in created
    login = client.post("/api/v1/auth/login", json={"username": "th-reg", "password": PASSWORD})
    assert login.status_code == 200 and login.json["account"]["district"] == "天河区"


def test_account_creation_refuses_bad_values_and_writes_nothing(client):
    operator = make_authority("platform_operator")
    db.session.commit()
    before = db.session.execute(db.select(db.func.count(Account.id))).scalar_one()
    good = {"role": "inspector", "name": "广州特检院", "username": "gz-inspect", "password": PASSWORD}
    cases = [
        (good | {"role": "mu_admin"}, 422, "role"),
        (good | {"district": "天河区"}, 422, "district"),  # only a regulator has a district
        (good | {"district": "火星区", "role": "regulator"}, 422, "district"),
        (good | {"password": "short1"}, 422, "password"),
        (good | {"username": "有 空格"}, 422, "username"),
        (good | {"username": operator.username}, 409, "username"),
        ({k: v for k, v in good.items() if k != "name"}, 422, "name"),
    ]
    for body, status, field in cases:
        response = client.post("/api/v1/accounts", json=body, headers=auth(operator))
        assert response.status_code == status, (body, response.json)
        assert field in response.json["error"]["fields"], (body, response.json)
    assert db.session.execute(db.select(db.func.count(Account.id))).scalar_one() == before


def test_cli_and_api_create_accounts_through_one_operation(app, client):
    runner = app.test_cli_runner()
    args = ["create-account", "--role", "inspector", "--username", "cli-inspect", "--name", "特检院"]
    result = runner.invoke(args=[*args, "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "已创建检验机构账号 cli-inspect" in result.output
    again = runner.invoke(args=[*args, "--password", PASSWORD])
    assert again.exit_code != 0 and "登录名 cli-inspect 已存在" in again.output
    # The API's rule, now the CLI's too: a district belongs to a regulator only.
    other = [*args[:-4], "--username", "x-inspect", "--name", "x", "--password", PASSWORD]
    district = runner.invoke(args=[*other, "--district", "天河区"])
    assert district.exit_code != 0 and "只有监管部门的账号可以限定区" in district.output
    weak = runner.invoke(args=[*args[:-4], "--username", "weak", "--name", "x", "--password", "abcdef"])
    assert weak.exit_code != 0 and "密码至少 10 位" in weak.output
    operator = make_authority("platform_operator")
    db.session.commit()
    body = {"role": "inspector", "name": "x", "username": "cli-inspect", "password": PASSWORD}
    assert client.post("/api/v1/accounts", json=body, headers=auth(operator)).status_code == 409
    usernames = db.session.execute(db.select(Account.username).where(Account.role == "inspector")).scalars().all()
    assert sorted(usernames) == ["cli-inspect"]


def test_deactivation_ends_every_session_and_reactivation_lets_the_person_log_in_again(client):
    operator = make_authority("platform_operator")
    db.session.commit()
    body = {"role": "regulator", "name": "市局", "username": "city-reg", "password": PASSWORD}
    regulator_id = client.post("/api/v1/accounts", json=body, headers=auth(operator)).json["id"]
    token = client.post("/api/v1/auth/login", json={"username": "city-reg", "password": PASSWORD}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200

    response = client.post(f"/api/v1/accounts/{regulator_id}/deactivate", headers=auth(operator))
    assert response.status_code == 200 and response.json["active"] is False
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    live = db.session.execute(
        db.select(ApiToken).where(ApiToken.account_id == regulator_id, ApiToken.revoked_at.is_(None))
    ).all()
    assert live == []
    refused = client.post("/api/v1/auth/login", json={"username": "city-reg", "password": PASSWORD})
    assert refused.status_code == 401
    # Twice is the same: still inactive, nothing more logged.
    assert client.post(f"/api/v1/accounts/{regulator_id}/deactivate", headers=auth(operator)).status_code == 200

    response = client.post(f"/api/v1/accounts/{regulator_id}/reactivate", headers=auth(operator))
    assert response.status_code == 200 and response.json["active"] is True
    assert client.get("/api/v1/me", headers=bearer).status_code == 401  # the old session stays ended
    again = client.post("/api/v1/auth/login", json={"username": "city-reg", "password": PASSWORD})
    assert again.status_code == 200
    changes = db.session.execute(
        db.select(ChangeLog.new_value, ChangeLog.actor_id).where(
            ChangeLog.entity == "account", ChangeLog.entity_id == regulator_id, ChangeLog.field == "active"
        )
    ).all()
    assert [tuple(change) for change in changes] == [("False", operator.id), ("True", operator.id)]


def test_operator_cannot_deactivate_themself_nor_a_units_people(client):
    world = make_world()
    operator = make_authority("platform_operator")
    db.session.commit()
    own = client.post(f"/api/v1/accounts/{operator.id}/deactivate", headers=auth(operator))
    assert own.status_code == 409 and own.json["error"]["code"] == "cannot_deactivate_self"
    for person in (world.admin, world.tech1, world.uu_admin):
        for action in ("deactivate", "reactivate"):
            response = client.post(f"/api/v1/accounts/{person.id}/{action}", headers=auth(operator))
            assert response.status_code == 409, (person.role, action)
            assert response.json["error"]["code"] == "not_authority_account"
    db.session.expire_all()
    assert all(a.active for a in db.session.execute(db.select(Account)).scalars())
    assert client.post("/api/v1/accounts/999999999/deactivate", headers=auth(operator)).status_code == 404
    assert client.get("/api/v1/accounts/999999999", headers=auth(operator)).status_code == 404
    detail = client.get(f"/api/v1/accounts/{world.tech1.id}", headers=auth(operator))
    assert detail.status_code == 200 and detail.json["maintenance_unit_name"] == world.unit.name
