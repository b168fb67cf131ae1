"""A platform rotates its own keys with signed requests (POST /platform/keys, DELETE /platform/keys/<key_id>): at
most two active, never none; the history names the signing key, not an operator."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from miniback.extensions import db
from miniback.models import PlatformCall, PlatformClientEvent, PlatformKey
from tests.factories.platform import Platform, call, make_platform, public_pem

KEYS = "/api/v1/platform/keys"


def active_key_ids(platform: Platform) -> list[str]:
    query = db.select(PlatformKey.key_id).where(
        PlatformKey.platform_client_id == platform.client.id, PlatformKey.retired_at.is_(None)
    )
    return sorted(db.session.execute(query).scalars())


def test_a_platform_adds_a_key_then_signs_with_it_and_retires_the_old_one(client):
    platform = make_platform("connected")
    db.session.commit()
    new_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    added = call(client, platform, "POST", KEYS, {"public_key_pem": public_pem(new_private)})
    assert added.status_code == 201, added.json
    assert added.json["algorithm"] == "rsa-sha256" and added.json["active"] is True
    rotated = Platform(platform.client, new_private, added.json["key_id"])

    retired = call(client, rotated, "DELETE", f"{KEYS}/{platform.key_id}")
    assert retired.status_code == 200, retired.json
    assert retired.json["key_id"] == platform.key_id and retired.json["active"] is False
    assert active_key_ids(platform) == [rotated.key_id]
    # The old key no longer signs anything.
    refused = call(client, platform, "POST", KEYS, {"public_key_pem": public_pem(ed25519.Ed25519PrivateKey.generate())})
    assert refused.status_code == 401 and refused.json["error"]["code"] == "key_retired"

    events = db.session.execute(
        db.select(PlatformClientEvent).where(PlatformClientEvent.kind.in_(("key_added", "key_retired")))
    ).scalars()
    assert [(e.kind, e.actor_id, e.key_id) for e in events] == [
        ("key_added", None, platform.key_id),
        ("key_retired", None, rotated.key_id),
    ]
    logged = db.session.execute(db.select(PlatformCall.operation, PlatformCall.status)).all()
    assert set(logged) >= {("keys", 201), ("keys", 200)}


def test_a_third_active_key_and_retiring_the_last_one_are_409(client):
    platform = make_platform("testing")
    db.session.commit()
    second = call(client, platform, "POST", KEYS, {"public_key_pem": public_pem(ed25519.Ed25519PrivateKey.generate())})
    assert second.status_code == 201
    third = call(client, platform, "POST", KEYS, {"public_key_pem": public_pem(ed25519.Ed25519PrivateKey.generate())})
    assert third.status_code == 409 and third.json["error"]["code"] == "too_many_active_keys"
    assert call(client, platform, "DELETE", f"{KEYS}/{second.json['key_id']}").status_code == 200
    last = call(client, platform, "DELETE", f"{KEYS}/{platform.key_id}")
    assert last.status_code == 409 and last.json["error"]["code"] == "last_active_key"
    assert active_key_ids(platform) == [platform.key_id]


def test_bad_keys_and_other_platforms_keys_are_refused_in_the_one_error_shape(client):
    platform, other = make_platform("connected"), make_platform("connected")
    db.session.commit()
    weak = public_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    for body, status, code in (
        ({"public_key_pem": weak}, 422, "key_refused"),
        ({"public_key_pem": "garbage"}, 422, "key_refused"),
        ({"pem": "x"}, 422, "validation_error"),
        ({"public_key_pem": public_pem(other.private_key)}, 409, "key_already_registered"),
    ):
        response = call(client, platform, "POST", KEYS, body)
        assert response.status_code == status, (body, response.json)
        assert set(response.json) == {"error"} and response.json["error"]["code"] == code
    foreign = call(client, platform, "DELETE", f"{KEYS}/{other.key_id}")
    assert foreign.status_code == 404 and foreign.json["error"]["code"] == "key_not_found"
    assert active_key_ids(other) == [other.key_id] and active_key_ids(platform) == [platform.key_id]


def test_a_suspended_platform_cannot_rotate_keys(client):
    platform = make_platform("suspended")
    db.session.commit()
    response = call(
        client, platform, "POST", KEYS, {"public_key_pem": public_pem(ed25519.Ed25519PrivateKey.generate())}
    )
    assert response.status_code == 403 and response.json["error"]["code"] == "platform_suspended"
    assert active_key_ids(platform) == [platform.key_id]
