"""A platform's lifecycle as the platform operator runs it: registration, details, keys, status, and the history
that keeps every change with who made it and why."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from miniback.extensions import db
from miniback.models import PLATFORM_ROLE, Account, PlatformClient, PlatformClientEvent, PlatformKey
from tests.factories.platform import make_platform, public_pem
from tests.factories.platform_traffic import all_green_sandbox_traffic
from tests.factories.registry import auth, credit_code, make_authority, make_maintenance_unit, make_world

KEY_ID = re.compile(r"^pk_[a-z2-7]{20}$")


def registration(**overrides):
    body = {
        "code": "acme-lift",
        "name": "安科电梯云",
        "company_name": "广州安科信息技术有限公司",
        "company_credit_code": credit_code("91440101MA"),
        "contact_name": "周工",
        "contact_phone": "020-38881111",
        "contact_email": "ops@acme.example",
        "callback_url": "http://127.0.0.1:8765/callbacks",
    }
    body.update(overrides)
    return body


def ed25519_pem():
    return public_pem(ed25519.Ed25519PrivateKey.generate())


def rsa_pem(bits=2048):
    return public_pem(rsa.generate_private_key(public_exponent=65537, key_size=bits))


@pytest.fixture
def operator():
    account = make_authority("platform_operator")
    db.session.commit()
    return account


def register(client, operator, **overrides):
    return client.post("/api/v1/platforms", json=registration(**overrides), headers=auth(operator))


def events(client, operator, platform_id):
    response = client.get(f"/api/v1/platforms/{platform_id}/events?per_page=100", headers=auth(operator))
    assert response.status_code == 200, response.json
    return list(reversed(response.json["items"]))  # oldest first


def test_operator_registers_a_platform_in_the_sandbox_with_its_first_key(client, operator):
    response = register(client, operator, public_key_pem=ed25519_pem())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "testing" and body["sandbox"] is True and body["connected_at"] is None
    assert body["code"] == "acme-lift" and body["authorised_units"] == 0
    [key] = body["keys"]
    assert KEY_ID.match(key["key_id"]) and key["algorithm"] == "ed25519" and key["active"] is True
    history = events(client, operator, body["id"])
    assert [e["kind"] for e in history] == ["registered", "key_added"]
    assert history[0]["to_status"] == "testing" and history[0]["actor_id"] == operator.id
    assert history[0]["actor_name"] == operator.name
    assert history[1]["changes"]["key_id"] == key["key_id"]


def test_registration_creates_the_platforms_own_account_which_has_no_way_to_log_in(client, operator):
    body = register(client, operator).json
    platform = db.session.get(PlatformClient, body["id"])
    account = db.session.get(Account, platform.account_id)
    assert account.role == PLATFORM_ROLE and account.name == "安科电梯云"
    assert account.username is None and account.password_hash is None and account.openid is None
    assert body["keys"] == []  # a key may come later


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"code": "ab"}, "code"),
        ({"code": "Acme"}, "code"),
        ({"code": "acme_lift"}, "code"),
        ({"code": "a" * 24}, "code"),
        ({"company_credit_code": "91440101MA0000001X"}, "company_credit_code"),
        ({"company_credit_code": "91440101MA000000I1"}, "company_credit_code"),
        ({"contact_phone": "not-a-phone"}, "contact_phone"),
        ({"contact_email": "nobody"}, "contact_email"),
        ({"callback_url": "ftp://acme.example/cb"}, "callback_url"),
        ({"name": ""}, "name"),
        ({"public_key_pem": "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----"}, "public_key_pem"),
        ({"status": "connected"}, "status"),
    ],
)
def test_bad_registrations_are_422_naming_the_field_and_write_nothing(client, operator, overrides, field):
    response = register(client, operator, **overrides)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"], response.json
    assert db.session.execute(db.select(PlatformClient.id)).first() is None
    assert db.session.execute(db.select(Account.id).where(Account.role == PLATFORM_ROLE)).first() is None


def test_a_private_callback_address_is_refused_outside_tests_and_the_demo(client, app, operator):
    app.config["PLATFORM_CALLBACK_ALLOW_PRIVATE"] = False
    for url in (
        "https://127.0.0.1/cb",
        "https://10.1.2.3/cb",
        "https://169.254.169.254/latest",
        "http://acme.example/",
    ):
        response = register(client, operator, callback_url=url)
        assert response.status_code == 422, (url, response.json)
        assert response.json["error"]["code"] == "callback_url_refused"
        assert "callback_url" in response.json["error"]["fields"]
    assert db.session.execute(db.select(PlatformClient.id)).first() is None


def test_a_taken_code_is_409(client, operator):
    assert register(client, operator).status_code == 201
    response = register(client, operator, name="另一个平台")
    assert response.status_code == 409 and response.json["error"]["code"] == "duplicate_platform_code"


def test_only_the_operator_registers_and_manages_platforms(client, operator):
    world = make_world()
    platform_id = register(client, operator).json["id"]
    for account in (world.admin, world.tech1, world.uu_admin, make_authority("regulator")):
        assert register(client, account, code="other-code").status_code == 403
    assert client.get(f"/api/v1/platforms/{platform_id}", headers=auth(world.admin)).status_code == 403
    assert client.post("/api/v1/platforms", json=registration()).status_code == 401


def test_details_change_with_old_and_new_values_in_the_history(client, operator):
    platform_id = register(client, operator).json["id"]
    url = f"/api/v1/platforms/{platform_id}"
    change = {"name": "安科电梯云 2.0", "callback_url": None, "contact_phone": "020-38882222"}
    response = client.patch(url, json=change, headers=auth(operator))
    assert response.status_code == 200, response.json
    assert response.json["name"] == "安科电梯云 2.0" and response.json["callback_url"] is None
    assert response.json["contact_email"] == "ops@acme.example"  # not sent, not changed
    last = events(client, operator, platform_id)[-1]
    assert last["kind"] == "updated"
    assert last["changes"] == {
        "name": ["安科电梯云", "安科电梯云 2.0"],
        "callback_url": ["http://127.0.0.1:8765/callbacks", None],
        "contact_phone": ["020-38881111", "020-38882222"],
    }


@pytest.mark.parametrize(
    "change, field",
    [({"name": None}, "name"), ({"code": "renamed"}, "code"), ({"company_credit_code": "123"}, "company_credit_code")],
)
def test_bad_detail_changes_are_422_and_change_nothing(client, operator, change, field):
    platform_id = register(client, operator).json["id"]
    response = client.patch(f"/api/v1/platforms/{platform_id}", json=change, headers=auth(operator))
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.json
    assert [e["kind"] for e in events(client, operator, platform_id)] == ["registered"]


def test_keys_rotate_with_at_most_two_active_and_never_none(client, operator):
    platform_id = register(client, operator, public_key_pem=ed25519_pem()).json["id"]
    keys_url = f"/api/v1/platforms/{platform_id}/keys"
    rsa_key = client.post(keys_url, json={"public_key_pem": rsa_pem()}, headers=auth(operator))
    assert rsa_key.status_code == 201, rsa_key.json
    assert rsa_key.json["algorithm"] == "rsa-sha256" and KEY_ID.match(rsa_key.json["key_id"])
    third = client.post(keys_url, json={"public_key_pem": ed25519_pem()}, headers=auth(operator))
    assert third.status_code == 409 and third.json["error"]["code"] == "too_many_active_keys"

    first_key = client.get(f"/api/v1/platforms/{platform_id}", headers=auth(operator)).json["keys"][-1]["key_id"]
    retired = client.post(f"{keys_url}/{first_key}/retire", headers=auth(operator))
    assert retired.status_code == 200 and retired.json["active"] is False and retired.json["retired_at"]
    again = client.post(f"{keys_url}/{first_key}/retire", headers=auth(operator))
    assert again.status_code == 409 and again.json["error"]["code"] == "key_already_retired"
    last = client.post(f"{keys_url}/{rsa_key.json['key_id']}/retire", headers=auth(operator))
    assert last.status_code == 409 and last.json["error"]["code"] == "last_active_key"
    unknown = client.post(f"{keys_url}/pk_aaaaaaaaaaaaaaaaaaaa/retire", headers=auth(operator))
    assert unknown.status_code == 404

    # A retired key no longer counts: a new one fits again. Retired keys stay (old signatures still verify).
    assert client.post(keys_url, json={"public_key_pem": ed25519_pem()}, headers=auth(operator)).status_code == 201
    detail = client.get(f"/api/v1/platforms/{platform_id}", headers=auth(operator)).json
    assert [k["active"] for k in detail["keys"]] == [True, True, False]
    kinds = [e["kind"] for e in events(client, operator, platform_id)]
    assert kinds == ["registered", "key_added", "key_added", "key_retired", "key_added"]


@pytest.mark.parametrize(
    "pem, message",
    [
        (rsa_pem(1024), "2048"),
        ("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----\n", "无法解析公钥"),
        ("not a key at all", "无法解析公钥"),
    ],
)
def test_weak_or_garbage_keys_are_422_key_refused(client, operator, pem, message):
    platform_id = register(client, operator).json["id"]
    response = client.post(
        f"/api/v1/platforms/{platform_id}/keys", json={"public_key_pem": pem}, headers=auth(operator)
    )
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "key_refused" and message in response.json["error"]["message"]
    assert db.session.execute(db.select(PlatformKey.id)).first() is None


def test_the_same_key_cannot_be_registered_twice_even_for_another_platform(client, operator):
    pem = ed25519_pem()
    first = register(client, operator, public_key_pem=pem).json["id"]
    again = client.post(f"/api/v1/platforms/{first}/keys", json={"public_key_pem": pem}, headers=auth(operator))
    assert again.status_code == 409 and again.json["error"]["code"] == "key_already_registered"
    other = register(client, operator, code="other-lift", public_key_pem=pem)
    assert other.status_code == 409 and other.json["error"]["code"] == "key_already_registered"
    assert db.session.execute(db.select(PlatformClient.code)).scalars().all() == ["acme-lift"]


def status(client, operator, platform_id, to, reason=None):
    body = {"status": to} | ({"reason": reason} if reason is not None else {})
    return client.post(f"/api/v1/platforms/{platform_id}/status", json=body, headers=auth(operator))


def test_going_live_needs_the_conformance_report_all_green(client, operator):
    platform_id = register(client, operator, public_key_pem=ed25519_pem()).json["id"]
    platform = db.session.get(PlatformClient, platform_id)
    all_green_sandbox_traffic(platform, callback_acked=True)
    response = status(client, operator, platform_id, "connected")
    assert response.status_code == 409 and response.json["error"]["code"] == "conformance_incomplete"
    assert "回调" in response.json["error"]["message"]
    assert db.session.get(PlatformClient, platform_id).status == "testing"

    all_green_sandbox_traffic(platform)
    response = status(client, operator, platform_id, "connected")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "connected" and response.json["sandbox"] is False
    assert response.json["connected_at"] is not None


def test_the_lifecycle_keeps_every_status_change_with_its_reason(client, operator):
    platform_id = register(client, operator).json["id"]
    all_green_sandbox_traffic(db.session.get(PlatformClient, platform_id))
    connected = status(client, operator, platform_id, "connected").json
    for blank in (None, "   "):
        no_reason = status(client, operator, platform_id, "suspended", blank)
        assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["fields"], no_reason.json
    assert status(client, operator, platform_id, "suspended", "抽查发现批量逾期上传").json["status"] == "suspended"
    reinstated = status(client, operator, platform_id, "connected", "整改完成").json
    assert reinstated["status"] == "connected" and reinstated["connected_at"] == connected["connected_at"]
    no_reason = status(client, operator, platform_id, "revoked")
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "reason_required"
    revoked = status(client, operator, platform_id, "revoked", "多次伪造签到位置")
    assert revoked.json["status"] == "revoked" and revoked.json["status_reason"] == "多次伪造签到位置"

    history = [e for e in events(client, operator, platform_id) if e["kind"] != "registered"]
    assert [(e["kind"], e["from_status"], e["to_status"], e["reason"]) for e in history] == [
        ("connected", "testing", "connected", None),
        ("suspended", "connected", "suspended", "抽查发现批量逾期上传"),
        ("reinstated", "suspended", "connected", "整改完成"),
        ("revoked", "connected", "revoked", "多次伪造签到位置"),
    ]
    assert {e["actor_id"] for e in history} == {operator.id}


def test_revoked_is_final(client, operator):
    platform_id = register(client, operator, public_key_pem=ed25519_pem()).json["id"]
    assert status(client, operator, platform_id, "revoked", "停止合作").status_code == 200
    for to, reason in (("connected", None), ("suspended", "再暂停"), ("revoked", "再撤销")):
        response = status(client, operator, platform_id, to, reason)
        assert response.status_code == 409 and response.json["error"]["code"] == "invalid_transition", to
    url = f"/api/v1/platforms/{platform_id}"
    assert client.patch(url, json={"name": "复活"}, headers=auth(operator)).status_code == 409
    add = client.post(f"{url}/keys", json={"public_key_pem": ed25519_pem()}, headers=auth(operator))
    assert add.status_code == 409 and add.json["error"]["code"] == "platform_revoked"
    kinds = db.session.execute(db.select(PlatformClientEvent.kind).order_by(PlatformClientEvent.id)).scalars().all()
    assert kinds == ["registered", "key_added", "revoked"]


@pytest.mark.parametrize("to", ["suspended", "testing", "deleted"])
def test_transitions_that_do_not_exist_are_refused(client, operator, to):
    platform_id = register(client, operator).json["id"]
    response = status(client, operator, platform_id, to, "原因")
    assert response.status_code in (409, 422), response.json
    assert response.json["error"]["code"] in ("invalid_transition", "validation_error")
    assert db.session.get(PlatformClient, platform_id).status == "testing"


def test_the_history_is_insert_only(client, operator):
    platform_id = register(client, operator).json["id"]
    event = db.session.execute(db.select(PlatformClientEvent)).scalar_one()
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError):
        db.session.execute(
            PlatformClientEvent.__table__.update().where(PlatformClientEvent.id == event.id).values(reason="x")
        )
        db.session.flush()
    db.session.rollback()
    assert [e["reason"] for e in events(client, operator, platform_id)] == [None]


def test_the_operator_lists_and_filters_every_platform_and_a_unit_admin_sees_the_choosable_ones(client, operator):
    testing = make_platform("testing")
    connected = make_platform("connected")
    revoked = make_platform("revoked")
    unit, admin = make_maintenance_unit()
    db.session.commit()
    everything = client.get("/api/v1/platforms", headers=auth(operator)).json
    assert everything["total"] == 3 and {item["authorised"] for item in everything["items"]} == {None}
    only = client.get("/api/v1/platforms?status=connected", headers=auth(operator)).json["items"]
    assert [item["id"] for item in only] == [connected.client.id]
    found = client.get(f"/api/v1/platforms?q={testing.client.name}", headers=auth(operator)).json["items"]
    assert [item["id"] for item in found] == [testing.client.id]
    choosable = client.get("/api/v1/platforms", headers=auth(admin)).json["items"]
    assert {item["id"] for item in choosable} == {testing.client.id, connected.client.id}
    assert revoked.client.id not in {item["id"] for item in choosable}
    assert {item["authorised"] for item in choosable} == {False}
    bad = client.get("/api/v1/platforms?status=unknown", headers=auth(operator))
    assert bad.status_code == 422 and "status" in bad.json["error"]["fields"]
    assert client.get("/api/v1/platforms/999999", headers=auth(operator)).status_code == 404
