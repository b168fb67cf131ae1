"""Tampering through root's SQL access is detected by ``ledger verify`` / ``backup verify``, naming the record."""

from __future__ import annotations

import hashlib
import threading

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import Elevator, LedgerCheckpoint, LedgerEntry, MaintenanceRecord
from signoff.archive.backup import restore, verify_backup
from signoff.archive.segments import archive_pending
from signoff.archive.store import ArchiveStore
from signoff.ledger import merkle
from signoff.ledger.chain import entry_hash
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.verify import verify_ledger
from tests.conftest import recreate_database
from tests.factories.ledger import attacker, submit_record
from tests.factories.registry import make_world


@pytest.fixture
def ledger(app: Flask, archive: ArchiveStore) -> tuple[list[MaintenanceRecord], ArchiveStore]:
    """Six records on two elevators, checkpointed and archived (in a local directory, then on S3)."""
    world = make_world()
    records = [submit_record(world.elevators[i % 2], world.tech1.id, remarks=f"第{i}次") for i in range(6)]
    build_checkpoint()
    db.session.commit()
    store = archive
    assert archive_pending(store) == 6
    assert verify_ledger().problems == []
    assert verify_backup(store).problems == []
    for record in records:  # keep the original values readable after the attacker has changed the rows
        db.session.refresh(record)
        db.session.expunge(record)
    return records, store


def first_problem() -> str:
    problems = verify_ledger().problems
    assert problems, "tampering went undetected"
    return problems[0]


def test_a_byte_changed_in_a_record_content_is_named(ledger: tuple[list[MaintenanceRecord], ArchiveStore]) -> None:
    records, store = ledger
    with attacker("maintenance_record"):
        db.session.execute(
            text(
                "UPDATE maintenance_record SET canonical_content = REPLACE(canonical_content, '第2次', '第3次')"
                " WHERE id = :id"
            ),
            {"id": records[2].id},
        )
    assert first_problem().startswith(f"维保记录 #{records[2].id}（")
    assert "内容被改动" in first_problem()
    assert any(f"维保记录 #{records[2].id}" in p for p in verify_backup(store).problems)


def test_a_changed_signature_image_hash_is_named(ledger: tuple[list[MaintenanceRecord], ArchiveStore]) -> None:
    records, store = ledger
    forged = hashlib.sha256(b"another signature").hexdigest()
    with attacker("maintenance_record"):
        db.session.execute(
            text(
                "UPDATE maintenance_record SET canonical_content = REPLACE(canonical_content, signature_sha256, :f),"
                " content_hash = SHA2(REPLACE(canonical_content, signature_sha256, :f), 256) WHERE id = :id"
            ),
            {"id": records[4].id, "f": forged},
        )
    problem = first_problem()
    assert problem.startswith(f"维保记录 #{records[4].id}（") and "内容被改动" in problem
    assert any(f"维保记录 #{records[4].id}" in p for p in verify_backup(store).problems)


def test_a_deleted_entry_and_record_are_named(ledger: tuple[list[MaintenanceRecord], ArchiveStore]) -> None:
    records, store = ledger
    victim = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.ref_id == records[1].id)).one()
    with attacker("ledger_entry", "maintenance_record"):
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
        db.session.execute(text("DELETE FROM record_item WHERE record_id = :id"), {"id": records[1].id})
        db.session.execute(text("DELETE FROM maintenance_record WHERE id = :id"), {"id": records[1].id})
        db.session.execute(text("DELETE FROM ledger_entry WHERE id = :id"), {"id": victim.id})
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    problems = verify_ledger().problems
    # The next entry of the same elevator no longer links to its predecessor.
    assert any(f"维保记录 #{records[3].id}" in p and "链断裂" in p for p in problems)
    assert any("叶子对应的账本条目已被删除" in p for p in problems)
    assert any(f"维保记录 #{records[1].id}" in p and "数据库中缺失" in p for p in verify_backup(store).problems)


def test_two_swapped_entries_are_named(ledger: tuple[list[MaintenanceRecord], ArchiveStore]) -> None:
    records, _ = ledger
    a, b = (db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.ref_id == r.id)).one() for r in records[0:3:2])
    a_id, b_id, a_ref, b_ref, a_elevator = a.id, b.id, a.ref_id, b.ref_id, a.elevator_id
    with attacker("ledger_entry"):
        for entry_id, ref_id in ((a_id, -1), (b_id, a_ref), (a_id, b_ref)):
            db.session.execute(
                text("UPDATE ledger_entry SET ref_id = :r WHERE id = :id"), {"r": ref_id, "id": entry_id}
            )
    problem = first_problem()
    assert f"维保记录 #{records[2].id}（电梯 {a_elevator}，链上第 1 条）" in problem


def test_truncated_newest_entries_of_a_chain_are_detected(ledger: tuple[list[MaintenanceRecord], ArchiveStore]) -> None:
    records, store = ledger
    newest = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.ref_id == records[5].id)).one()
    newest_id, elevator_id = newest.id, newest.elevator_id
    with attacker("ledger_entry", "ledger_leaf", "merkle_node"):
        db.session.execute(text("DELETE FROM ledger_leaf WHERE entry_id = :id"), {"id": newest_id})
        db.session.execute(text("DELETE FROM ledger_entry WHERE id = :id"), {"id": newest_id})
    problems = verify_ledger().problems
    assert any(f"电梯 {elevator_id} 的链被截断" in p for p in problems)
    assert any("检查点（6 条）超出了树的大小 5" in p for p in problems)
    assert any(f"维保记录 #{records[5].id}" in p for p in verify_backup(store).problems)


def test_a_forged_record_with_a_valid_looking_chain_is_detected(
    ledger: tuple[list[MaintenanceRecord], ArchiveStore],
) -> None:
    records, store = ledger
    # Forge: rewrite the 2nd entry of elevator A to point at a forged record, recompute the rest of the chain.
    chain = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.elevator_id == records[0].elevator_id).order_by(LedgerEntry.chain_pos)
    ).all()
    forged_hash = hashlib.sha256(b"forged").hexdigest()
    forged_ref = chain[1].ref_id
    with attacker("ledger_entry", "ledger_head", "maintenance_record"):
        prev = chain[0].entry_hash
        for entry in chain[1:]:
            content = forged_hash if entry is chain[1] else entry.content_hash
            link = entry_hash(entry.elevator_id, entry.chain_pos, entry.kind, entry.ref_id, content, prev)
            db.session.execute(
                text("UPDATE ledger_entry SET content_hash = :c, prev_hash = :p, entry_hash = :e WHERE id = :id"),
                {"c": content, "p": prev, "e": link, "id": entry.id},
            )
            prev = link
        db.session.execute(
            text("UPDATE ledger_head SET last_hash = :h WHERE elevator_id = :e"),
            {"h": prev, "e": records[0].elevator_id},
        )
        db.session.execute(
            text("UPDATE maintenance_record SET content_hash = :c WHERE id = :id"),
            {"c": forged_hash, "id": chain[1].ref_id},
        )
    problems = verify_ledger().problems
    # The chain is self-consistent, but the tree and its checkpoint still hold the original entry hashes.
    assert not any("链断裂" in p or "前一哈希" in p for p in problems)
    assert any(f"维保记录 #{forged_ref}" in p and "默克尔树" in p for p in problems)
    assert any(f"维保记录 #{forged_ref}" in p for p in verify_backup(store).problems)


def test_a_record_inserted_around_the_application_is_named(
    ledger: tuple[list[MaintenanceRecord], ArchiveStore],
) -> None:
    records, _ = ledger
    with attacker("maintenance_record"):
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
        db.session.execute(
            text("CREATE TEMPORARY TABLE forged AS SELECT * FROM maintenance_record WHERE id = :id;"),
            {"id": records[0].id},
        )
        db.session.execute(text("UPDATE forged SET id = 9999, draft_id = 9999"))
        db.session.execute(text("INSERT INTO maintenance_record SELECT * FROM forged"))
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    assert "维保记录 #9999: 不在账本中" in " ".join(verify_ledger().problems)


def test_whole_ledger_rewritten_and_rehashed_consistently_is_caught_by_the_archive(
    ledger: tuple[list[MaintenanceRecord], ArchiveStore],
) -> None:
    records, store = ledger
    target = records[3]
    tables = ("maintenance_record", "ledger_entry", "ledger_leaf", "merkle_node", "ledger_checkpoint", "ledger_head")
    with attacker(*tables):
        # Change a record, then rebuild everything derived from it exactly as the application would.
        canonical = target.canonical_content.replace("第3次", "第9次")
        content = hashlib.sha256(canonical.encode()).hexdigest()
        db.session.execute(
            text(
                "UPDATE maintenance_record SET canonical_content = :t, content_hash = :c, remarks = '第9次'"
                " WHERE id = :id"
            ),
            {"t": canonical, "c": content, "id": target.id},
        )
        entries = db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id)).all()
        heads: dict[int, str] = {}
        tree = merkle.MemoryTree()
        for entry in entries:
            c = content if entry.ref_id == target.id else entry.content_hash
            prev = heads.get(entry.elevator_id, "0" * 64)
            link = entry_hash(entry.elevator_id, entry.chain_pos, entry.kind, entry.ref_id, c, prev)
            db.session.execute(
                text("UPDATE ledger_entry SET content_hash = :c, prev_hash = :p, entry_hash = :e WHERE id = :id"),
                {"c": c, "p": prev, "e": link, "id": entry.id},
            )
            heads[entry.elevator_id] = link
            tree.append_leaf_hash(merkle.leaf_hash(bytes.fromhex(link)))
        for elevator_id, last in heads.items():
            db.session.execute(
                text("UPDATE ledger_head SET last_hash = :h WHERE elevator_id = :e"), {"h": last, "e": elevator_id}
            )
        db.session.execute(text("DELETE FROM merkle_node"))
        for level, row in enumerate(tree.levels):
            for index, node in enumerate(row):
                db.session.execute(
                    text("INSERT INTO merkle_node (level, idx, hash) VALUES (:l, :i, :h)"),
                    {"l": level, "i": index, "h": node.hex()},
                )
        db.session.execute(text("UPDATE ledger_checkpoint SET root_hash = :r"), {"r": tree.root().hex()})
    # Consistent everywhere but in the checkpoint's signature: without the log key it cannot be re-signed.
    assert verify_ledger().problems == ["检查点（6 条）与其签名不符：检查点已被改写"]
    problems = verify_backup(store).problems
    assert problems
    assert problems[0].startswith(f"维保记录 #{target.id}")
    assert any("检查点" in p for p in problems)


def test_restore_after_dropping_the_database_yields_identical_hashes(
    app: Flask, ledger: tuple[list[MaintenanceRecord], ArchiveStore]
) -> None:
    records, store = ledger
    before_entries = [(e.id, e.entry_hash) for e in db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id))]
    before_roots = [(c.tree_size, c.root_hash) for c in db.session.scalars(db.select(LedgerCheckpoint))]
    before_records = {r.id: r.content_hash for r in records}
    db.session.remove()
    db.engine.dispose()
    recreate_database()
    upgrade()
    assert restore(store) == 6
    db.session.commit()
    after_entries = [(e.id, e.entry_hash) for e in db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id))]
    assert after_entries == before_entries
    assert [(c.tree_size, c.root_hash) for c in db.session.scalars(db.select(LedgerCheckpoint))] == before_roots
    restored = {r.id: r.content_hash for r in db.session.scalars(db.select(MaintenanceRecord))}
    assert restored == before_records
    assert verify_ledger().problems == []
    assert verify_backup(store).problems == []


def test_a_kind_rewritten_with_separators_is_named_by_the_row_by_row_pass(
    ledger: tuple[list[MaintenanceRecord], ArchiveStore],
) -> None:
    records, _ = ledger
    with attacker("ledger_entry"):
        db.session.execute(text("UPDATE ledger_entry SET kind = 'rec|ord' WHERE ref_id = :id"), {"id": records[1].id})
    problems = verify_ledger().problems
    assert problems[0] == f"rec|ord #{records[1].id}（电梯 {records[1].elevator_id}，链上第 1 条）: 账本条目哈希不符"


def test_a_changed_tree_node_is_named_by_level_and_index(ledger: tuple[list[MaintenanceRecord], ArchiveStore]) -> None:
    with attacker("merkle_node"):
        db.session.execute(text("UPDATE merkle_node SET hash = REPEAT('0', 64) WHERE level = 1 AND idx = 1"))
    assert verify_ledger().problems == ["默克尔树第 1 层第 1 个节点被改动或缺失"]


def test_appends_and_a_checkpoint_committed_while_verify_starts_are_no_false_alarm(
    app: Flask, ledger: tuple[list[MaintenanceRecord], ArchiveStore]
) -> None:
    """``ledger verify`` on a live system: its session's snapshot is a moment older than the streamed entries."""
    records, _ = ledger
    elevator_id = records[0].elevator_id
    technician_id = db.session.execute(text("SELECT technician_id FROM record_draft LIMIT 1")).scalar_one()
    db.session.execute(text("SELECT COUNT(*) FROM ledger_checkpoint")).scalar()  # the session's snapshot starts

    def meanwhile() -> None:
        with app.app_context():
            elevator = db.session.get(Elevator, elevator_id)
            assert elevator is not None
            submit_record(elevator, technician_id)
            build_checkpoint()
            db.session.commit()
            submit_record(elevator, technician_id)  # an append the tree has not taken in yet
            db.session.commit()

    worker = threading.Thread(target=meanwhile)
    worker.start()
    worker.join()
    report = verify_ledger()
    assert report.problems == []
    assert report.entries == 8 and report.contents_checked == 8
