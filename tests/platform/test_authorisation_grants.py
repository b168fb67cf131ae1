"""A maintenance unit's authorisation of a platform (四(四)): granted and revoked by that unit's admin only, kept as
history (a new grant is a new row), one live grant per platform × unit even when two admins race."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import PlatformAuthorisation
from miniback.platform.authorisations import authorised_unit_ids, is_authorised, live_authorisation
from tests.factories.platform import make_platform
from tests.factories.registry import auth, make_authority, make_staff, make_world


def grants_url(unit_id):
    return f"/api/v1/maintenance-units/{unit_id}/platform-authorisations"


def grant(client, admin, unit_id, platform_id):
    return client.post(grants_url(unit_id), json={"platform_client_id": platform_id}, headers=auth(admin))


def test_a_unit_admin_authorises_a_platform_for_the_unit(client):
    world = make_world()
    platform = make_platform("connected")
    db.session.commit()
    response = grant(client, world.admin, world.unit.id, platform.client.id)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["live"] is True and body["platform_code"] == platform.client.code
    assert body["maintenance_unit_id"] == world.unit.id and body["granted_by_id"] == world.admin.id
    assert is_authorised(platform.client.id, world.unit.id)
    assert db.session.execute(authorised_unit_ids(platform.client.id)).scalars().all() == [world.unit.id]
    listed = client.get("/api/v1/platforms", headers=auth(world.admin)).json["items"]
    assert [(item["id"], item["authorised"]) for item in listed] == [(platform.client.id, True)]
    detail = client.get(f"/api/v1/platforms/{platform.client.id}", headers=auth(make_authority("platform_operator")))
    assert detail.json["authorised_units"] == 1


def test_a_second_live_grant_is_409(client):
    world = make_world()
    platform = make_platform("testing")
    db.session.commit()
    assert grant(client, world.admin, world.unit.id, platform.client.id).status_code == 201
    again = grant(client, world.admin, world.unit.id, platform.client.id)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_authorised"
    assert len(db.session.execute(db.select(PlatformAuthorisation.id)).all()) == 1


def test_a_unit_admin_cannot_grant_or_revoke_for_another_unit(client):
    a, b = make_world("天河区"), make_world("越秀区")
    platform = make_platform("connected")
    db.session.commit()
    assert grant(client, b.admin, a.unit.id, platform.client.id).status_code == 404
    granted = grant(client, a.admin, a.unit.id, platform.client.id).json
    assert client.get(grants_url(a.unit.id), headers=auth(b.admin)).status_code == 404
    revoke = client.post(f"/api/v1/platform-authorisations/{granted['id']}/revoke", json={}, headers=auth(b.admin))
    assert revoke.status_code == 404
    assert client.get(grants_url(b.unit.id), headers=auth(b.admin)).json["items"] == []
    assert is_authorised(platform.client.id, a.unit.id) and not is_authorised(platform.client.id, b.unit.id)


def test_only_unit_admins_grant_and_the_operator_only_reads(client):
    world = make_world()
    platform = make_platform("connected")
    operator = make_authority("platform_operator")
    supervisor = make_staff(world.admin, "mu_supervisor", world.branch)
    db.session.commit()
    for account in (operator, supervisor, world.tech1, world.uu_admin, make_authority("regulator")):
        assert grant(client, account, world.unit.id, platform.client.id).status_code == 403
    granted = grant(client, world.admin, world.unit.id, platform.client.id).json
    listed = client.get(grants_url(world.unit.id), headers=auth(operator))
    assert listed.status_code == 200 and [item["id"] for item in listed.json["items"]] == [granted["id"]]
    url = f"/api/v1/platform-authorisations/{granted['id']}/revoke"
    assert client.post(url, json={}, headers=auth(operator)).status_code == 403
    assert client.get(grants_url(world.unit.id), headers=auth(world.tech1)).status_code == 403
    assert client.get(grants_url(world.unit.id)).status_code == 401


def test_a_revoked_or_unknown_platform_cannot_be_authorised(client):
    world = make_world()
    revoked = make_platform("revoked")
    db.session.commit()
    assert grant(client, world.admin, world.unit.id, revoked.client.id).status_code == 404
    assert grant(client, world.admin, world.unit.id, 99999999).status_code == 404
    bad = client.post(grants_url(world.unit.id), json={"platform_client_id": "x"}, headers=auth(world.admin))
    assert bad.status_code == 422 and "platform_client_id" in bad.json["error"]["fields"]
    assert db.session.execute(db.select(PlatformAuthorisation.id)).first() is None


def test_revoking_ends_the_grant_and_a_new_grant_is_a_new_row(client):
    world = make_world()
    platform = make_platform("connected")
    db.session.commit()
    first = grant(client, world.admin, world.unit.id, platform.client.id).json
    url = f"/api/v1/platform-authorisations/{first['id']}/revoke"
    revoked = client.post(url, json={"reason": "合同到期"}, headers=auth(world.admin))
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["live"] is False and revoked.json["revoke_reason"] == "合同到期"
    assert revoked.json["revoked_by_id"] == world.admin.id
    assert revoked.json["granted_by_name"] == revoked.json["revoked_by_name"] == world.admin.name
    assert live_authorisation(platform.client.id, world.unit.id) is None
    assert db.session.execute(authorised_unit_ids(platform.client.id)).first() is None
    again = client.post(url, headers=auth(world.admin))  # no body at all: the reason is optional
    assert again.status_code == 409 and again.json["error"]["code"] == "authorisation_revoked"

    second = grant(client, world.admin, world.unit.id, platform.client.id)
    assert second.status_code == 201 and second.json["id"] != first["id"]
    history = client.get(grants_url(world.unit.id), headers=auth(world.admin)).json
    assert [(item["id"], item["live"]) for item in history["items"]] == [
        (second.json["id"], True),
        (first["id"], False),
    ]
    assert live_authorisation(platform.client.id, world.unit.id).id == second.json["id"]


def test_a_grant_racing_an_uncommitted_one_is_409_and_one_stays_live(client, app: Flask):
    world = make_world()
    platform = make_platform("connected")
    db.session.commit()
    # Another admin's grant, written but not yet committed: the request is refused by the unique key, not by a read
    # (which could not see the uncommitted row).
    other = db.engine.connect()
    transaction = other.begin()
    other.execute(
        text(
            "INSERT INTO platform_authorisation (platform_client_id, maintenance_unit_id, granted_by_id, granted_at)"
            " VALUES (:client, :unit, :admin, UTC_TIMESTAMP(6))"
        ),
        {"client": platform.client.id, "unit": world.unit.id, "admin": world.admin.id},
    )
    answers = []
    # Everything the thread sends is read here: the thread has no app context to load expired rows in.
    url, body, headers = grants_url(world.unit.id), {"platform_client_id": platform.client.id}, auth(world.admin)
    db.session.commit()
    thread = threading.Thread(target=lambda: answers.append(_post_in_new_context(app, url, body, headers)))
    thread.start()  # its insert waits on the uncommitted row's unique key (or comes after the commit: refused alike)
    transaction.commit()
    other.close()
    thread.join(timeout=30)
    [response] = answers
    assert response.status_code == 409 and response.json["error"]["code"] == "already_authorised"
    rows = db.session.execute(db.select(PlatformAuthorisation.live_key)).scalars().all()
    assert rows == [1]


def _post_in_new_context(app: Flask, url: str, body: dict, headers: dict):
    """A request from another thread: a plain test client (the request makes its own app context and session)."""
    return FlaskClient(app).post(url, json=body, headers=headers)
