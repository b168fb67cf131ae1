"""Signed requests (docs/platform-api.md, 签名认证): every way a request can be refused, and what is logged."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from miniback.api.platform_auth import current_caller, platform_required
from miniback.extensions import db, redis_clients
from miniback.models import PlatformCall, PlatformKey, utcnow
from tests.factories.platform import Platform, call, make_platform, signed_headers, skewed

PATH = "/test-signed/echo"


@pytest.fixture
def app(app: Flask) -> Flask:
    """The app with one signed route of its own, so these tests do not depend on any real route's rules."""
    bp = Blueprint("test_signed", __name__)

    @bp.route("/test-signed/<name>", methods=["GET", "POST"])
    @platform_required("me")
    def echo(name: str) -> Any:
        caller = current_caller()
        return {"code": caller.client.code, "sandbox": caller.sandbox, "name": name}

    app.register_blueprint(bp)
    return app


@pytest.fixture
def platform(app: Flask) -> Platform:
    platform = make_platform()
    db.session.commit()
    return platform


def error_code(response: Any) -> str:
    return str(response.get_json()["error"]["code"])


def calls() -> list[PlatformCall]:
    db.session.expire_all()
    return list(db.session.execute(db.select(PlatformCall).order_by(PlatformCall.id)).scalars())


def test_a_signed_request_is_let_through_and_logged(client: FlaskClient, platform: Platform) -> None:
    response = call(client, platform, "POST", PATH + "?a=1&b=%E4%B8%AD", {"x": "电梯"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"code": platform.client.code, "sandbox": True, "name": "echo"}
    [logged] = calls()
    assert (logged.operation, logged.status, logged.error_code, logged.sandbox) == ("me", 200, None, True)
    assert logged.key_id == platform.key_id


def test_an_rsa_2048_key_signs_with_pkcs1_v15_and_sha256(client: FlaskClient, app: Flask) -> None:
    platform = make_platform("connected", private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    db.session.commit()
    response = call(client, platform, "GET", PATH)
    assert response.status_code == 200
    assert response.get_json()["sandbox"] is False


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "authorization_missing"),
        ("Bearer abc", "authorization_malformed"),
        ('MINIBACK-SIG-V1 key_id="pk_aaaaaaaaaaaaaaaaaaaa"', "authorization_malformed"),
        ('MINIBACK-SIG-V1 key_id="x", key_id="y", timestamp="t", nonce="n", signature="s"', "authorization_malformed"),
    ],
)
def test_a_missing_or_malformed_header_is_refused(
    client: FlaskClient, platform: Platform, header: Any, code: str
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(PATH, headers=headers)
    assert response.status_code == 401
    assert error_code(response) == code
    assert calls() == []  # no platform to log it against


def test_an_unknown_or_retired_key_is_refused(client: FlaskClient, platform: Platform) -> None:
    headers = signed_headers(platform, "GET", PATH, key_id="pk_aaaaaaaaaaaaaaaaaaaa")
    assert error_code(client.get(PATH, headers=headers)) == "key_unknown"
    key = db.session.execute(db.select(PlatformKey).where(PlatformKey.key_id == platform.key_id)).scalar_one()
    key.retired_at = utcnow()
    db.session.commit()
    response = call(client, platform, "GET", PATH)
    assert (response.status_code, error_code(response)) == (401, "key_retired")


@pytest.mark.parametrize("change", ["body", "path", "query", "method", "signature"])
def test_anything_changed_after_signing_breaks_the_signature(
    client: FlaskClient, platform: Platform, change: str
) -> None:
    body = b'{"n": 1}'
    headers = signed_headers(platform, "POST", PATH + "?page=1", body)
    path, method = PATH + "?page=1", "POST"
    if change == "body":
        body = b'{"n": 2}'
    elif change == "path":
        path = "/test-signed/other?page=1"
    elif change == "query":
        path = PATH + "?page=2"
    elif change == "method":
        method = "GET"
    else:
        headers = signed_headers(platform, "POST", PATH + "?page=1", body, signature="AAAA" * 22)
    response = client.open(path, method=method, data=body, headers=headers)
    assert (response.status_code, error_code(response)) == (401, "signature_invalid")
    [logged] = calls()
    assert (logged.status, logged.error_code) == (401, "signature_invalid")


@pytest.mark.parametrize(("seconds", "accepted"), [(-290, True), (290, True), (-310, False), (310, False)])
def test_the_timestamp_must_be_within_five_minutes(
    client: FlaskClient, platform: Platform, seconds: int, accepted: bool
) -> None:
    response = call(client, platform, "GET", PATH, timestamp=skewed(seconds))
    if accepted:
        assert response.status_code == 200
    else:
        assert (response.status_code, error_code(response)) == (401, "timestamp_skewed")


def test_a_timestamp_without_offset_is_malformed(client: FlaskClient, platform: Platform) -> None:
    response = call(client, platform, "GET", PATH, timestamp=utcnow().strftime("%Y-%m-%dT%H:%M:%S"))
    assert (response.status_code, error_code(response)) == (401, "authorization_malformed")


def test_a_replayed_nonce_is_refused_but_a_forged_request_spends_none(client: FlaskClient, platform: Platform) -> None:
    nonce = "replay-nonce-0000000001"
    forged = call(client, platform, "GET", PATH, nonce=nonce, signature="AAAA" * 22)
    assert error_code(forged) == "signature_invalid"
    assert call(client, platform, "GET", PATH, nonce=nonce).status_code == 200
    replay = call(client, platform, "GET", PATH, nonce=nonce)
    assert (replay.status_code, error_code(replay)) == (401, "nonce_reused")


@pytest.mark.parametrize(("status", "code"), [("suspended", "platform_suspended"), ("revoked", "platform_revoked")])
def test_a_suspended_or_revoked_platform_is_refused(client: FlaskClient, app: Flask, status: str, code: str) -> None:
    platform = make_platform(status)
    db.session.commit()
    response = call(client, platform, "GET", PATH)
    assert (response.status_code, error_code(response)) == (403, code)
    [logged] = calls()
    assert (logged.status, logged.error_code) == (403, code)


def test_without_the_nonce_store_nothing_is_accepted_unchecked(
    client: FlaskClient, app: Flask, platform: Platform
) -> None:
    redis_clients.close(app, "nonces")
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = call(client, platform, "GET", PATH)
    finally:
        redis_clients.close(app, "nonces")
    assert response.status_code == 503
    assert error_code(response) == "nonce_store_unavailable"
    assert response.headers["Retry-After"] == "5"
