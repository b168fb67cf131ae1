"""The ledger: per-elevator chains, the Merkle tree and checkpoints, the public proof endpoints."""

from __future__ import annotations

import hashlib
import itertools

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from miniback import create_app
from miniback.extensions import db
from miniback.models import GENESIS_HASH, LedgerCheckpoint, LedgerEntry, LedgerHead
from signoff.ledger import checkpoints, merkle
from signoff.ledger.bulk import insert_computed, keyset
from signoff.ledger.chain import append_entry, entry_hash
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.verify import verify_ledger
from tests import conftest
from tests.factories.ledger import submit_record
from tests.factories.registry import make_world


def h(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_entries_chain_per_elevator_from_the_genesis_hash(app: object) -> None:
    a1 = append_entry(1, "record", 10, h(1))
    b1 = append_entry(2, "record", 11, h(2))
    a2 = append_entry(1, "event", 12, h(3))
    db.session.commit()
    assert (a1.chain_pos, a1.prev_hash) == (1, GENESIS_HASH)
    assert (b1.chain_pos, b1.prev_hash) == (1, GENESIS_HASH)
    assert (a2.chain_pos, a2.prev_hash) == (2, a1.entry_hash)
    assert a2.entry_hash == hashlib.sha256(f"1|2|event|12|{h(3)}|{a1.entry_hash}".encode()).hexdigest()
    assert a2.entry_hash == entry_hash(1, 2, "event", 12, h(3), a1.entry_hash)
    heads = {head.elevator_id: (head.length, head.last_hash) for head in db.session.scalars(db.select(LedgerHead))}
    assert heads == {1: (2, a2.entry_hash), 2: (1, b1.entry_hash)}


def test_append_refuses_unknown_kinds_and_malformed_hashes(app: object) -> None:
    with pytest.raises(ValueError):
        append_entry(1, "note", 1, h(1))
    with pytest.raises(ValueError):
        append_entry(1, "record", 1, "ABC")


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("ledger_entry", "ref_id"),
        ("ledger_leaf", "entry_id"),
        ("merkle_node", "hash"),
        ("ledger_checkpoint", "root_hash"),
    ],
)
def test_database_refuses_update_and_delete_of_ledger_rows(app: object, table: str, column: str) -> None:
    append_entry(1, "record", 1, h(1))
    build_checkpoint()
    db.session.commit()
    for statement in (f"UPDATE {table} SET {column} = '1'", f"DELETE FROM {table}"):
        with pytest.raises(OperationalError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    with pytest.raises(OperationalError, match="append-only"):
        db.session.execute(text("DELETE FROM ledger_head"))
    db.session.rollback()


def test_checkpoint_root_is_the_rfc6962_root_over_entry_hashes_and_grows_incrementally(app: object) -> None:
    entries = [append_entry(n % 3, "record", n, h(n)) for n in range(1, 8)]
    first = build_checkpoint()
    db.session.commit()
    tree = merkle.MemoryTree([bytes.fromhex(e.entry_hash) for e in entries])
    assert first.checkpoint is not None
    assert (first.added, first.checkpoint.tree_size, first.checkpoint.root_hash) == (7, 7, tree.root().hex())
    assert build_checkpoint().checkpoint is None, "no new entries, no new checkpoint"
    more = [append_entry(n % 3, "event", n, h(n)) for n in range(8, 21)]
    second = build_checkpoint()
    db.session.commit()
    tree = merkle.MemoryTree([bytes.fromhex(e.entry_hash) for e in entries + more])
    assert second.checkpoint is not None
    assert (second.added, second.checkpoint.tree_size, second.checkpoint.root_hash) == (13, 20, tree.root().hex())
    assert verify_ledger(content=False).problems == []


def test_an_entry_committing_late_still_enters_the_tree(app: object) -> None:
    late = append_entry(1, "record", 1, h(1))
    db.session.commit()
    append_entry(2, "record", 2, h(2))
    build_checkpoint()
    db.session.commit()
    # An entry with a lower id than the newest leaf, first seen now (as after a slow transaction).
    db.session.execute(
        text(
            "INSERT INTO ledger_entry (id, elevator_id, chain_pos, kind, ref_id, content_hash, prev_hash, entry_hash,"
            " created_at) SELECT id - 1000, 9, 1, 'event', 99, :c, :g, :e, created_at FROM ledger_entry WHERE id = :id"
        ),
        {"c": h(9), "g": GENESIS_HASH, "e": entry_hash(9, 1, "event", 99, h(9), GENESIS_HASH), "id": late.id},
    )
    result = build_checkpoint()
    db.session.commit()
    assert (result.added, result.tree_size) == (1, 3)


def _proof_ok(proof: dict) -> bool:  # type: ignore[type-arg]
    leaf = merkle.leaf_hash(bytes.fromhex(proof["entry"]["entry_hash"]))
    path = [bytes.fromhex(x) for x in proof["inclusion_proof"]]
    root = bytes.fromhex(proof["checkpoint"]["root_hash"])
    return merkle.verify_inclusion(proof["leaf_index"], proof["checkpoint"]["tree_size"], leaf, path, root)


def test_public_record_proof_verifies_against_the_latest_and_an_older_checkpoint(client: FlaskClient) -> None:
    world = make_world()
    records = [submit_record(world.elevators[i % 2], world.tech1.id) for i in range(5)]
    build_checkpoint()
    records += [submit_record(world.elevators[0], world.tech1.id) for _ in range(6)]
    build_checkpoint()
    db.session.commit()
    for record in records:
        response = client.get(f"/api/v1/ledger/records/{record.id}/proof")
        assert response.status_code == 200
        proof = response.get_json()
        assert proof["entry"]["content_hash"] == record.content_hash
        assert proof["checkpoint"]["tree_size"] == 11
        assert _proof_ok(proof)
    old = client.get(f"/api/v1/ledger/records/{records[2].id}/proof?tree_size=5").get_json()
    assert old["checkpoint"]["tree_size"] == 5 and _proof_ok(old)
    newer = client.get(f"/api/v1/ledger/records/{records[7].id}/proof?tree_size=5")
    assert newer.status_code == 409
    assert newer.get_json()["error"]["code"] == "not_yet_checkpointed"
    assert client.get("/api/v1/ledger/records/999999/proof").status_code == 404
    assert client.get("/api/v1/ledger/records/1/proof?tree_size=abc").status_code == 422


def test_consistency_proof_between_two_checkpoints_verifies(client: FlaskClient) -> None:
    for n in range(1, 6):
        append_entry(n, "record", n, h(n))
    build_checkpoint()
    for n in range(6, 14):
        append_entry(n % 4, "event", n, h(n))
    build_checkpoint()
    db.session.commit()
    body = client.get("/api/v1/ledger/consistency?first=5&second=13").get_json()
    proof = [bytes.fromhex(x) for x in body["consistency_proof"]]
    r1, r2 = bytes.fromhex(body["first"]["root_hash"]), bytes.fromhex(body["second"]["root_hash"])
    assert merkle.verify_consistency(5, 13, r1, r2, proof)
    assert client.get("/api/v1/ledger/consistency?first=13&second=5").status_code == 422
    assert client.get("/api/v1/ledger/consistency?first=4&second=13").status_code == 404
    latest = client.get("/api/v1/ledger/checkpoints/latest").get_json()
    checkpoint = db.session.scalars(db.select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc())).first()
    assert checkpoint is not None
    assert (latest["tree_size"], latest["root_hash"]) == (13, checkpoint.root_hash)


def test_a_flood_of_proof_requests_gets_the_json_429_and_other_clients_are_unaffected(
    app: Flask, client: FlaskClient
) -> None:
    app.config["PROOF_RATE_LIMIT"] = "4 per minute"
    world = make_world()
    record = submit_record(world.elevators[0], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    entry_id = db.session.scalars(db.select(LedgerEntry.id)).one()
    flooder, neighbour = {"REMOTE_ADDR": "10.0.0.7"}, {"REMOTE_ADDR": "10.0.0.8"}
    # The limit is shared by every proof endpoint: switching endpoints does not reset it.
    urls = [
        f"/api/v1/ledger/records/{record.id}/proof",
        f"/api/v1/ledger/entries/{entry_id}/proof",
        "/api/v1/ledger/checkpoints/latest",
        "/api/v1/ledger/consistency?first=1&second=1",
    ]
    assert [client.get(url, environ_base=flooder).status_code for url in urls] == [200] * 4
    for url in urls:
        blocked = client.get(url, environ_base=flooder)
        assert blocked.status_code == 429
        assert blocked.get_json() == {"error": {"code": "too_many_requests", "message": "操作过于频繁，请稍后再试"}}
        assert int(blocked.headers["Retry-After"]) > 0
    assert client.get(urls[0], environ_base=neighbour).status_code == 200
    # The resident's page has a limit of its own: a proof flood does not lock the flooder out of it.
    public_url = f"/api/v1/public/elevators/{world.elevators[0].public_code}"
    assert client.get(public_url, environ_base=flooder).status_code == 200
    keys = redis.Redis.from_url(app.config["REDIS_URL"]).keys("*10.0.0.7/ledger-proofs/*")
    assert keys, "counted in Redis, shared by every API process"


def test_the_proof_limit_is_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIBACK_PROOF_RATE_LIMIT", "7 per second")
    assert create_app(conftest.test_config()).config["PROOF_RATE_LIMIT"] == "7 per second"
    monkeypatch.delenv("MINIBACK_PROOF_RATE_LIMIT")
    assert create_app(conftest.test_config()).config["PROOF_RATE_LIMIT"] == "120 per minute"


def test_the_packed_read_of_new_entries_matches_the_row_by_row_read(app: object) -> None:
    for n in range(1, 8):
        append_entry(n % 3, "record", n, h(n))
    db.session.flush()
    rows = list(itertools.islice(keyset(checkpoints.NEW_ENTRIES_SQL, chunk=3), 5))
    assert checkpoints._new_entries_packed(-1, 5) == [(int(i), str(x)) for i, x in rows]
    assert len(rows) == 5 and checkpoints._new_entries_packed(rows[-1][0], 50) == [
        (int(i), str(x)) for i, x in keyset(checkpoints.NEW_ENTRIES_SQL, start=rows[-1][0])
    ]


def test_tree_rows_are_inserted_only_from_computed_ints_and_hex_digests(app: object) -> None:
    for bad in ("1' OR '1'='1", "ABCDEF", 1.5):
        with pytest.raises(ValueError, match="not a computed int or hex digest"):
            insert_computed("merkle_node", ("level", "idx", "hash"), [(40, 1, bad)])  # type: ignore[list-item]
    insert_computed("merkle_node", ("level", "idx", "hash"), [(40, 1, "ab" * 32), (40, 2, "cd" * 32)])
    stored = db.session.execute(text("SELECT idx, hash FROM merkle_node WHERE level = 40 ORDER BY idx")).all()
    assert [tuple(row) for row in stored] == [(1, "ab" * 32), (2, "cd" * 32)]


def test_no_checkpoint_yet_is_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/ledger/checkpoints/latest")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "尚未发布检查点"


def test_entry_count_matches_records(app: object) -> None:
    world = make_world()
    submit_record(world.elevators[0], world.tech1.id)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)) == 1


def test_a_large_backlog_is_built_in_bounded_batches_and_published_once_caught_up(app: object) -> None:
    entries = [append_entry(n % 2, "record", n, h(n)) for n in range(1, 6)]
    db.session.commit()
    results = []
    while not results or not results[-1].caught_up:
        results.append(build_checkpoint(max_entries=2))
        db.session.commit()
    assert [(r.added, r.tree_size, r.checkpoint is not None) for r in results] == [
        (2, 2, False),
        (2, 4, False),
        (1, 5, True),
    ]
    tree = merkle.MemoryTree([bytes.fromhex(e.entry_hash) for e in entries])
    assert results[-1].checkpoint is not None and results[-1].checkpoint.root_hash == tree.root().hex()
