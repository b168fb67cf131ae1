"""The app keeps no state of its own: two instances sharing MySQL and Redis behave as one service."""

from __future__ import annotations

import contextvars

from miniback import create_app
from miniback.extensions import db
from tests.conftest import test_config as instance_config
from tests.factories.registry import PASSWORD, make_maintenance_unit


def other_instance_client(app):
    """A second, independent app object (its own engine and pool), as on another machine."""
    second = create_app(instance_config(WECHAT_API_BASE=app.config["WECHAT_API_BASE"]))
    client = second.test_client()

    class Remote:
        def open(self, *args, **kwargs):
            db.session.commit()
            response = contextvars.Context().run(client.open, *args, **kwargs)
            db.session.expire_all()
            return response

        def post(self, url, **kwargs):
            return self.open(url, method="POST", **kwargs)

        def get(self, url, **kwargs):
            return self.open(url, method="GET", **kwargs)

    return Remote()


def test_token_from_one_instance_works_on_another_and_logout_reaches_both(client, app):
    _, admin = make_maintenance_unit()
    other = other_instance_client(app)
    token = client.post("/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert other.get("/api/v1/me", headers=headers).json["id"] == admin.id
    assert other.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_password_lockout_counts_across_instances(client, app):
    _, admin = make_maintenance_unit()
    other = other_instance_client(app)
    wrong = {"username": admin.username, "password": "Wrong2026pass"}
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        caller = client if attempt % 2 else other
        assert caller.post("/api/v1/auth/login", json=wrong).status_code == 401
    right = {"username": admin.username, "password": PASSWORD}
    assert other.post("/api/v1/auth/login", json=right).status_code == 423
    assert client.post("/api/v1/auth/login", json=right).status_code == 423
