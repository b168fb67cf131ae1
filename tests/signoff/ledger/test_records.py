"""Real submissions through the API land in the ledger; verify re-derives their content from the stored rows."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import LedgerEntry, MaintenanceRecord, SignoffEvent
from signoff.archive.backup import verify_backup
from signoff.archive.store import ArchiveStore
from signoff.ledger import merkle
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.verify import verify_ledger
from tests.factories.ledger import attacker
from tests.factories.records import submitted_record
from tests.factories.registry import make_world


def test_submitted_records_are_chained_per_elevator_and_provable(client: FlaskClient) -> None:
    world = make_world()
    first = submitted_record(client, world.tech1, world.elevators[0])
    second = submitted_record(client, world.tech1, world.elevators[0])
    other = submitted_record(client, world.tech1, world.elevators[1])
    entries = {e.ref_id: e for e in db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.kind == "record"))}
    records = {r.id: r for r in db.session.scalars(db.select(MaintenanceRecord))}
    ids = [body["id"] for body in (first, second, other)]
    assert sorted(entries) == sorted(ids)
    assert [entries[i].content_hash for i in ids] == [records[i].content_hash for i in ids]
    assert (entries[ids[0]].chain_pos, entries[ids[1]].chain_pos, entries[ids[2]].chain_pos) == (1, 2, 1)
    assert entries[ids[1]].prev_hash == entries[ids[0]].entry_hash
    build_checkpoint()
    db.session.commit()
    proof = client.get(f"/api/v1/ledger/records/{ids[1]}/proof").get_json()
    leaf = merkle.leaf_hash(bytes.fromhex(proof["entry"]["entry_hash"]))
    path = [bytes.fromhex(x) for x in proof["inclusion_proof"]]
    root = bytes.fromhex(proof["checkpoint"]["root_hash"])
    assert merkle.verify_inclusion(proof["leaf_index"], 3, leaf, path, root)
    report = verify_ledger()
    assert (report.problems, report.entries, report.contents_checked) == ([], 3, 3)


def test_a_column_changed_without_touching_the_canonical_content_is_named(client: FlaskClient) -> None:
    world = make_world()
    record_id = submitted_record(client, world.tech1, world.elevators[0])["id"]
    build_checkpoint()
    db.session.commit()
    with attacker("maintenance_record", "record_item"):
        db.session.execute(
            text("UPDATE maintenance_record SET duration_seconds = 7200 WHERE id = :id"), {"id": record_id}
        )
        db.session.execute(
            text("UPDATE record_item SET result = 'hazard' WHERE record_id = :id AND seq = 3"), {"id": record_id}
        )
    problems = verify_ledger().problems
    assert len(problems) == 1
    assert problems[0].startswith(f"维保记录 #{record_id}（电梯 {world.elevators[0].id}，链上第 1 条）: 字段 ")
    assert "duration_seconds" in problems[0] and "items[3]" in problems[0]


def test_signoff_events_are_chained_by_the_seal_job_and_tampering_with_them_is_named(
    client: FlaskClient, archive: ArchiveStore
) -> None:
    from jobs.ledger import seal_ledger

    world = make_world()
    ids = [submitted_record(client, world.tech1, world.elevators[0])["id"] for _ in range(2)]
    events = db.session.scalars(db.select(SignoffEvent).order_by(SignoffEvent.id)).all()
    assert [(e.record_id, e.kind) for e in events] == [(ids[0], "submitted"), (ids[1], "submitted")]
    event_ids = [e.id for e in events]
    store = archive
    result = seal_ledger(store)
    assert (result.added, result.checkpoint_size, result.archived) == (4, 4, 4)
    chain = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.elevator_id == world.elevators[0].id).order_by(LedgerEntry.chain_pos)
    ).all()
    assert [(e.kind, e.ref_id) for e in chain] == [
        ("record", ids[0]),
        ("record", ids[1]),
        ("event", event_ids[0]),
        ("event", event_ids[1]),
    ]
    report = verify_ledger()
    assert (report.problems, report.contents_checked) == ([], 4)
    assert seal_ledger(store).added == 0, "idempotent"
    with attacker("signoff_event"):
        db.session.execute(text("UPDATE signoff_event SET kind = 'signed' WHERE id = :id"), {"id": event_ids[0]})
        db.session.execute(text("DELETE FROM signoff_event WHERE id = :id"), {"id": event_ids[1]})
    problems = verify_ledger().problems
    elevator_id = world.elevators[0].id
    assert problems[0].startswith(
        f"签名确认事件 #{event_ids[0]}（维保记录 #{ids[0]}，电梯 {elevator_id}，链上第 3 条）: 内容被改动"
    )
    assert problems[1].startswith(
        f"签名确认事件 #{event_ids[1]}（电梯 {elevator_id}，链上第 4 条）: 已从数据库中消失"
    ), "a deleted event's record is unknown to the database"
    backup = verify_backup(store).problems
    assert any(
        p.startswith(f"签名确认事件 #{event_ids[0]}（维保记录 #{ids[0]}，电梯 {elevator_id}）: 与备份不一致")
        for p in backup
    )
    assert any(
        p.startswith(f"签名确认事件 #{event_ids[1]}（维保记录 #{ids[1]}，电梯 {elevator_id}）: 数据库中缺失")
        for p in backup
    ), "the archived copy still says which record the deleted event belonged to"
