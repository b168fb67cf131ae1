"""The witness keeps the last signed checkpoint it saw and catches a rewritten history, even one re-signed with the
platform's own log key, through the consistency proof; a history signed with another key fails its signature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import LedgerCheckpointSignature
from signoff.ledger.checkpoints import build_checkpoint, latest_checkpoint
from signoff.ledger.logkey import log_key
from signoff.ledger.signed_note import NoteError, log_key_from_private, signed_checkpoint_text
from signoff.ledger.witness import DatabaseSource, HttpSource, witness
from tests.factories.ledger import attacker, submit_record
from tests.factories.registry import make_world

LEDGER_TABLES = ("ledger_leaf", "merkle_node", "ledger_checkpoint", "ledger_checkpoint_signature")


def grow(world, count: int) -> None:
    for i in range(count):
        submit_record(world.elevators[i % 2], world.tech1.id, remarks=f"记录{i}")
    build_checkpoint()
    db.session.commit()


def rewrite_history(record_id: int) -> None:
    """An insider with root's SQL access and the log key: changes a record and its ledger entry, then rebuilds the
    whole tree and lets the builder sign the new checkpoints with the real key."""
    with attacker("maintenance_record", "ledger_entry", *LEDGER_TABLES):
        db.session.execute(
            text("UPDATE maintenance_record SET canonical_content = REPLACE(canonical_content, '记录', '伪造'),"
                 " remarks = REPLACE(remarks, '记录', '伪造') WHERE id = :id"),
            {"id": record_id},
        )  # fmt: skip
        db.session.execute(
            text("UPDATE maintenance_record SET content_hash = SHA2(canonical_content, 256) WHERE id = :id"),
            {"id": record_id},
        )
        db.session.execute(
            text("UPDATE ledger_entry e JOIN maintenance_record r ON r.id = e.ref_id SET e.content_hash ="
                 " r.content_hash, e.entry_hash = SHA2(CONCAT_WS('|', e.elevator_id, e.chain_pos, e.kind, e.ref_id,"
                 " r.content_hash, e.prev_hash), 256) WHERE e.kind = 'record' AND e.ref_id = :id"),
            {"id": record_id},
        )  # fmt: skip
        for table in LEDGER_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text("UPDATE ledger_state SET tree_size = 0"))
    build_checkpoint()
    db.session.commit()


@pytest.fixture
def world(app: Flask):
    return make_world()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "witness.json"


def test_the_witness_keeps_the_first_checkpoint_then_follows_consistent_growth(world, state):
    vkey = log_key().verifier_key
    grow(world, 3)
    first = witness(state, DatabaseSource(), vkey)
    assert (first.outcome, first.tree_size) == ("first", 3)
    assert json.loads(state.read_text())["verifier_key"] == vkey
    assert witness(state, DatabaseSource()).outcome == "unchanged"
    grow(world, 4)
    advanced = witness(state, DatabaseSource())
    assert (advanced.outcome, advanced.tree_size, advanced.ok) == ("advanced", 7, True)
    assert "\n7\n" in json.loads(state.read_text())["signed_note"]


def test_a_history_rewritten_and_re_signed_with_the_real_key_is_caught_as_a_fork(world, state):
    grow(world, 4)
    assert witness(state, DatabaseSource(), log_key().verifier_key).outcome == "first"
    kept = state.read_text()
    victim = db.session.execute(text("SELECT MIN(id) FROM maintenance_record")).scalar_one()
    rewrite_history(victim)
    same_size = witness(state, DatabaseSource())
    assert (same_size.outcome, same_size.ok) == ("fork", False)
    assert "根哈希不同" in same_size.message
    grow(world, 3)  # the forged history grows on: 7 entries, each checkpoint validly signed
    assert latest_checkpoint().tree_size == 7
    result = witness(state, DatabaseSource())
    assert result.outcome == "fork" and "一致性证明不成立" in result.message
    assert state.read_text() == kept, "a refused checkpoint never replaces the witness copy"
    assert result.evidence is not None and "\n7\n" in result.evidence.read_text()


def test_a_history_signed_with_another_key_fails_the_signature_check(world, state):
    grow(world, 2)
    witness(state, DatabaseSource(), log_key().verifier_key)
    grow(world, 2)
    impostor = log_key_from_private(log_key().name, ed25519.Ed25519PrivateKey.generate())
    latest = latest_checkpoint()
    with attacker("ledger_checkpoint_signature"):
        db.session.execute(
            text("UPDATE ledger_checkpoint_signature SET signed_note = :note WHERE tree_size = :size"),
            {"note": signed_checkpoint_text(latest, impostor), "size": latest.tree_size},
        )
    result = witness(state, DatabaseSource())
    assert result.outcome == "bad_signature" and not result.ok


def test_a_rolled_back_log_is_refused(world, state):
    grow(world, 2)
    grow(world, 2)
    witness(state, DatabaseSource(), log_key().verifier_key)
    with attacker("ledger_checkpoint", "ledger_checkpoint_signature"):
        db.session.execute(text("DELETE FROM ledger_checkpoint WHERE tree_size = 4"))
        db.session.execute(text("DELETE FROM ledger_checkpoint_signature WHERE tree_size = 4"))
    result = witness(state, DatabaseSource())
    assert result.outcome == "rollback" and "只有 2 条" in result.message


def test_the_witness_pins_its_key(world, state):
    grow(world, 1)
    with pytest.raises(NoteError, match="验证公钥"):
        witness(state, DatabaseSource())
    witness(state, DatabaseSource(), log_key().verifier_key)
    other = log_key_from_private(log_key().name, ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match="固定"):
        witness(state, DatabaseSource(), other.verifier_key)


def test_the_witness_reads_the_public_api_and_a_checkpoint_gone_from_it_is_a_fork(client, world, state):
    def get(path: str):
        response = client.get(path)
        return response.status_code, response.json

    source = HttpSource("https://lift.example.test", get)
    vkey = client.get("/api/v1/ledger/log-key").json["verifier_key"]
    grow(world, 3)
    assert witness(state, source, vkey).outcome == "first"
    grow(world, 2)
    assert witness(state, source).outcome == "advanced"
    grow(world, 2)
    rewrite_history(db.session.execute(text("SELECT MIN(id) FROM maintenance_record")).scalar_one())
    # The rebuilt log publishes one checkpoint of all 7 entries: the witness's 5 is gone from it.
    gone = witness(state, source)
    assert gone.outcome == "fork" and "平台已没有" in gone.message
    grow(world, 1)
    with attacker("ledger_checkpoint"):  # an insider who also republishes the size the witness holds
        root = db.session.execute(text("SELECT hash FROM merkle_node WHERE level = 0 AND idx = 0")).scalar_one()
        insert = "INSERT INTO ledger_checkpoint (tree_size, root_hash, created_at) VALUES (5, :r, NOW())"
        db.session.execute(text(insert), {"r": root})
    assert witness(state, source).outcome == "fork"


def test_the_witness_command_exits_1_on_a_fork(app, world, state):
    runner = app.test_cli_runner()
    grow(world, 2)
    first = runner.invoke(args=["ledger", "witness", "--state", str(state), "--vkey", log_key().verifier_key])
    assert first.exit_code == 0 and "已保存第一个检查点（2 条）" in first.output
    rewrite_history(db.session.execute(text("SELECT MIN(id) FROM maintenance_record")).scalar_one())
    grow(world, 1)
    forked = runner.invoke(args=["ledger", "witness", "--state", str(state)])
    assert forked.exit_code == 1 and "分叉" in forked.output and "已保留证据" in forked.output


def test_every_published_checkpoint_is_signed_with_the_log_key(world):
    grow(world, 2)
    grow(world, 3)
    signatures = db.session.execute(db.select(LedgerCheckpointSignature)).scalars().all()
    assert {s.tree_size for s in signatures} == {2, 5}
    assert {s.key_id for s in signatures} == {log_key().key_id.hex()}


def test_a_rewrite_beyond_the_witnessed_size_is_not_a_fork(world, state):
    """What a witness can vouch for: the entries its checkpoint covers. A later entry rewritten by someone holding the
    key before any witness saw it is outside that (the record's content hash still differs from its printed copy)."""
    grow(world, 3)
    witness(state, DatabaseSource(), log_key().verifier_key)
    grow(world, 1)
    rewrite_history(db.session.execute(text("SELECT MAX(id) FROM maintenance_record")).scalar_one())
    assert witness(state, DatabaseSource()).outcome == "advanced"


def test_ledger_verify_names_a_checkpoint_rewritten_behind_its_signature(world):
    from signoff.ledger.verify import verify_ledger

    grow(world, 3)
    assert verify_ledger().problems == []
    with attacker("ledger_checkpoint"):
        db.session.execute(text("UPDATE ledger_checkpoint SET root_hash = REPEAT('cd', 32) WHERE tree_size = 3"))
    problems = verify_ledger().problems
    assert "检查点（3 条）与其签名不符：检查点已被改写" in problems
