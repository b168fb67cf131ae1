"""Signature images are evidence too: ``ledger verify`` re-hashes every stored one, and every finding of
``ledger verify`` and ``backup verify`` names the record the image belongs to."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import LedgerEntry, MaintenanceRecord, SignatureImage, SignoffEvent
from signoff.archive.backup import verify_backup
from signoff.archive.store import ArchiveStore
from signoff.ledger import blobs
from signoff.ledger.verify import verify_ledger
from tests.conftest import recreate_database
from tests.factories.ledger import attacker, submit_record
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_world
from tests.factories.signatures import signature_png
from tests.factories.signoff import TECH_SIGNATURE, record_rows, today_shanghai


@pytest.fixture
def configured_archive(app: Flask, archive_config: dict[str, Any], archive: ArchiveStore) -> ArchiveStore:
    app.config.update(archive_config)
    return archive


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def flip_one_byte(digest: str) -> None:
    """Root's access: one byte of the stored image changes, its key (the hash the record holds) stays."""
    image = db.session.get(SignatureImage, digest)
    assert image is not None
    changed = bytearray(image.content)
    changed[len(changed) // 2] ^= 0x01
    db.session.expunge(image)
    with attacker("signature_image"):
        db.session.execute(
            text("UPDATE signature_image SET content = :c WHERE sha256 = :s"), {"c": bytes(changed), "s": digest}
        )


@dataclass(frozen=True)
class Signed:
    record_id: int
    elevator_id: int
    technician_sha256: str
    event_id: int
    manager_sha256: str


def signed_record(client: FlaskClient) -> Signed:
    """A record submitted by a technician and signed by the use unit's manager with a signature of their own."""
    world = make_world()
    record_id = submitted_record(client, world.tech1, world.elevators[0])["id"]
    manager_png = base64.b64encode(signature_png(size=(280, 120))).decode()
    response = client.post(
        f"/api/v1/signoff/records/{record_id}/sign", json={"signature_png": manager_png}, headers=auth(world.manager)
    )
    assert response.status_code == 201, response.json
    record = db.session.get(MaintenanceRecord, record_id)
    event = db.session.execute(
        db.select(SignoffEvent).where(SignoffEvent.record_id == record_id, SignoffEvent.kind == "signed")
    ).scalar_one()
    assert record is not None and event.signature_hash not in (None, record.signature_sha256)
    return Signed(record_id, record.elevator_id, record.signature_sha256, event.id, str(event.signature_hash))


def chain_pos(kind: str, ref_id: int) -> int:
    entry = db.session.execute(
        db.select(LedgerEntry).where(LedgerEntry.kind == kind, LedgerEntry.ref_id == ref_id)
    ).scalar_one()
    return entry.chain_pos


def test_a_flipped_byte_in_a_technician_signature_fails_ledger_verify_naming_the_record(
    app: Flask, configured_archive: ArchiveStore
) -> None:
    world = make_world()
    records = [submit_record(world.elevators[i % 2], world.tech1.id) for i in range(3)]
    db.session.commit()
    assert run(app, "ledger", "checkpoint")[0] == 0
    assert run(app, "ledger", "verify")[0] == 0
    victim = records[1]
    flip_one_byte(victim.signature_sha256)

    code, output = run(app, "ledger", "verify")
    assert code == 1
    assert (
        f"发现 1 处问题，第一处：维保记录 #{victim.id}（电梯 {victim.elevator_id}）的维保人员签名图片 sha256 不符："
        f"图片内容被改动（sha256 {victim.signature_sha256[:12]}…）" in output
    )
    assert "签名图片重新计算哈希 3 个" in output
    code, output = run(app, "backup", "verify")
    assert code == 1
    assert (
        f"第一处：维保记录 #{victim.id}（电梯 {victim.elevator_id}）的维保人员签名图片"
        f"（sha256 {victim.signature_sha256[:12]}…）: 与备份不一致（字段 content）" in output
    )


def test_a_flipped_byte_in_a_manager_signature_fails_ledger_verify_naming_the_record(
    app: Flask, client: FlaskClient, configured_archive: ArchiveStore
) -> None:
    signed = signed_record(client)
    assert run(app, "ledger", "checkpoint")[0] == 0  # chains the sign-off events, then archives
    assert run(app, "ledger", "verify")[0] == 0
    flip_one_byte(signed.manager_sha256)

    code, output = run(app, "ledger", "verify")
    assert code == 1
    record = f"维保记录 #{signed.record_id}（电梯 {signed.elevator_id}）"
    assert (
        f"发现 1 处问题，第一处：{record}的使用单位安全管理人员签名图片 sha256 不符："
        f"图片内容被改动（签名确认事件 #{signed.event_id}，sha256 {signed.manager_sha256[:12]}…）" in output
    )
    code, output = run(app, "backup", "verify")
    assert code == 1
    assert (
        f"第一处：{record}的使用单位安全管理人员签名图片（签名确认事件 #{signed.event_id}，"
        f"sha256 {signed.manager_sha256[:12]}…）: 与备份不一致（字段 content）" in output
    ), "the manager's signature image is archived with its event"


def test_a_deleted_signature_image_is_named_by_the_record_that_refers_to_it(
    app: Flask, client: FlaskClient, configured_archive: ArchiveStore
) -> None:
    signed = signed_record(client)
    assert run(app, "ledger", "checkpoint")[0] == 0
    with attacker("signature_image"):
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
        for digest in (signed.technician_sha256, signed.manager_sha256):
            db.session.execute(text("DELETE FROM signature_image WHERE sha256 = :s"), {"s": digest})
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    problems = verify_ledger().problems
    record_pos, event_pos = chain_pos("record", signed.record_id), chain_pos("event", signed.event_id)
    assert problems == [
        f"维保记录 #{signed.record_id}（电梯 {signed.elevator_id}，链上第 {record_pos} 条）: "
        f"维保人员签名图片缺失（sha256 {signed.technician_sha256[:12]}…）",
        f"签名确认事件 #{signed.event_id}（维保记录 #{signed.record_id}，电梯 {signed.elevator_id}，"
        f"链上第 {event_pos} 条）: 使用单位安全管理人员签名图片缺失（sha256 {signed.manager_sha256[:12]}…）",
    ]
    backup = verify_backup(configured_archive).problems
    assert (
        f"维保记录 #{signed.record_id}（电梯 {signed.elevator_id}）的维保人员签名图片"
        f"（sha256 {signed.technician_sha256[:12]}…）: 数据库中缺失（备份中存在）" in backup
    )


def test_a_changed_image_no_record_refers_to_is_reported_as_such(app: Flask) -> None:
    world = make_world()
    submit_record(world.elevators[0], world.tech1.id)
    orphan = SignatureImage(sha256="c" * 64, content=b"\x89PNG not this", width=1, height=1, size_bytes=13)
    db.session.add(orphan)
    db.session.commit()
    report = verify_ledger()
    assert report.blobs_checked == 2
    assert report.problems == [f"签名图片 sha256 {'c' * 12}… 不符：图片内容被改动（没有记录引用它）"]


def test_an_image_shared_by_many_records_names_the_first_and_counts_the_rest(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    ids = record_rows(world, world.elevators[0], 3, today_shanghai())  # one stored image, whose bytes do not match
    db.session.commit()
    monkeypatch.setattr(blobs, "REFERRERS_SHOWN", 2)
    checked, problems = blobs.rehash_blobs()
    elevator_id = world.elevators[0].id
    assert checked == 1
    assert problems == [
        *(
            f"维保记录 #{record_id}（电梯 {elevator_id}）的维保人员签名图片 sha256 不符："
            f"图片内容被改动（sha256 {TECH_SIGNATURE[:12]}…）"
            for record_id in ids[:2]
        ),
        f"另有 1 条记录的维保人员签名图片是同一张（sha256 {TECH_SIGNATURE[:12]}…），未逐条列出",
    ]


@pytest.mark.parametrize("in_database", [True, False], ids=["hashed-by-mariadb", "hashed-here"])
def test_images_are_rehashed_a_bounded_chunk_at_a_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch, in_database: bool
) -> None:
    world = make_world()
    records = [submit_record(world.elevators[0], world.tech1.id) for _ in range(7)]
    db.session.commit()
    reads: list[int] = []
    fetch_all = blobs.fetch_all

    def counting(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        rows = fetch_all(sql, params)
        reads.append(len(rows))
        return rows

    monkeypatch.setattr(blobs, "BLOB_CHUNK", 3)
    monkeypatch.setattr(blobs, "HASHED_CHUNK", 3)
    monkeypatch.setattr(blobs, "_hashed_by_the_database", lambda: in_database)
    monkeypatch.setattr(blobs, "fetch_all", counting)
    victim = max(records, key=lambda r: r.signature_sha256)  # the last image read
    flip_one_byte(victim.signature_sha256)
    report = verify_ledger()
    assert reads == [3, 3, 1]
    assert report.blobs_checked == 7
    assert report.problems == [
        f"维保记录 #{victim.id}（电梯 {victim.elevator_id}）的维保人员签名图片 sha256 不符："
        f"图片内容被改动（sha256 {victim.signature_sha256[:12]}…）"
    ]


def test_restore_brings_back_the_manager_signature_and_verifies_it(
    app: Flask, client: FlaskClient, configured_archive: ArchiveStore
) -> None:
    signed = signed_record(client)
    assert run(app, "ledger", "checkpoint")[0] == 0
    db.session.remove()
    db.engine.dispose()
    recreate_database()
    upgrade()
    code, output = run(app, "backup", "restore")
    assert code == 0, output
    assert output.splitlines()[-1] == "恢复完成，账本与备份校验通过"
    assert db.session.get(SignatureImage, signed.manager_sha256) is not None
    report = verify_ledger()
    assert (report.problems, report.blobs_checked) == ([], 2)
    assert verify_backup(configured_archive).problems == []
