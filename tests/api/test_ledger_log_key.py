"""The log key's public half is published, and every checkpoint the API serves carries its signed note."""

from __future__ import annotations

import base64

from miniback.extensions import db
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.logkey import log_key
from signoff.ledger.signed_note import parse_verifier_key, verify_signed_checkpoint
from tests.factories.ledger import submit_record
from tests.factories.registry import make_world


def test_the_log_key_is_published_without_log_in(client):
    body = client.get("/api/v1/ledger/log-key").json
    key = parse_verifier_key(body["verifier_key"])
    assert body["name"] == "lift.example.test/ledger" == key.name
    assert body["key_id"] == key.key_id.hex() == log_key().key_id.hex()
    assert base64.b64decode(body["public_key"]) == key.public_bytes
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_checkpoints_and_proofs_carry_the_signed_note(client):
    world = make_world()
    records = [submit_record(world.elevators[0], world.tech1.id) for _ in range(3)]
    build_checkpoint()
    db.session.commit()
    key = parse_verifier_key(client.get("/api/v1/ledger/log-key").json["verifier_key"])
    latest = client.get("/api/v1/ledger/checkpoints/latest").json
    signed = verify_signed_checkpoint(latest["signed_note"], key)
    assert (signed.tree_size, signed.root_hash.hex()) == (3, latest["root_hash"])
    proof = client.get(f"/api/v1/ledger/records/{records[1].id}/proof").json
    assert proof["checkpoint"]["signed_note"] == latest["signed_note"]
    submit_record(world.elevators[0], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    consistency = client.get("/api/v1/ledger/consistency?first=3&second=4").json
    assert verify_signed_checkpoint(consistency["second"]["signed_note"], key).tree_size == 4
