"""CLIs (``ledger checkpoint|verify``, ``backup archive|verify|restore``) and the archive's write-once rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import LedgerEntry
from signoff.archive.backup import restore, verify_backup
from signoff.archive.local import LocalArchive
from signoff.archive.s3 import S3Archive
from signoff.archive.segments import Manifest, archive_pending, manifests, read_archive
from signoff.archive.store import ArchiveError, ArchiveStore
from signoff.ledger.checkpoints import build_checkpoint
from tests.conftest import recreate_database
from tests.factories.ledger import attacker, submit_record
from tests.factories.registry import make_world


@pytest.fixture
def configured_archive(app: Flask, archive_config: dict[str, Any], archive: ArchiveStore) -> ArchiveStore:
    """The app configured with a local or an S3 archive, as an operator would set ``MINIBACK_ARCHIVE_*``."""
    app.config.update(archive_config)
    return archive


def archived_objects(store: ArchiveStore) -> dict[str, bytes]:
    return {name: store.get(name) for prefix in ("segments/", "manifest/") for name in store.names(prefix)}


def overwrite_behind_the_archive(store: ArchiveStore, name: str, data: bytes) -> None:
    """What an operator with the storage's own credentials could do (the archiver itself never overwrites)."""
    if isinstance(store, LocalArchive):
        (store.root / name).write_bytes(data)
    else:
        assert isinstance(store, S3Archive)
        store.client.put_object(Bucket=store.bucket, Key=store.prefix + name, Body=data)


class Unreachable:
    """An archive whose writes fail (network down); reads go through."""

    def __init__(self, store: ArchiveStore) -> None:
        self.store = store

    def put(self, name: str, data: bytes) -> None:
        raise OSError("archive unreachable")

    def get(self, name: str) -> bytes:
        return self.store.get(name)

    def names(self, prefix: str) -> list[str]:
        return self.store.names(prefix)


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_checkpoint_command_publishes_and_archives_then_verify_passes(
    app: Flask, configured_archive: ArchiveStore
) -> None:
    world = make_world()
    for i in range(3):
        submit_record(world.elevators[i % 2], world.tech1.id)
    db.session.commit()
    code, output = run(app, "ledger", "checkpoint")
    assert code == 0
    assert "检查点：3 条" in output and "归档了 3 条" in output
    assert run(app, "ledger", "checkpoint")[1].startswith("没有新条目（树的大小 3）")
    assert sorted(archived_objects(configured_archive)) == [
        "manifest/00000001.json",
        *[name for name in archived_objects(configured_archive) if name.startswith("segments/00000001-")],
    ], "the command wrote to the configured store, one segment and its manifest"
    code, output = run(app, "ledger", "verify")
    assert (code, output.splitlines()[-1]) == (0, "账本完好")
    assert "账本条目 3 条，内容核对 3 条，检查点 1 个" in output
    code, output = run(app, "backup", "verify")
    assert (code, output.splitlines()[-1]) == (0, "数据库与备份一致")


def test_verify_commands_exit_non_zero_naming_the_first_bad_record(
    app: Flask, configured_archive: ArchiveStore
) -> None:
    world = make_world()
    records = [submit_record(world.elevators[0], world.tech1.id, remarks=f"第{i}次") for i in range(3)]
    db.session.commit()
    assert run(app, "ledger", "checkpoint")[0] == 0
    record_id = records[1].id
    with attacker("maintenance_record"):
        db.session.execute(
            text("UPDATE maintenance_record SET canonical_content = REPLACE(canonical_content, '第1次', '第7次')"
                 " WHERE id = :id"),
            {"id": record_id},
        )  # fmt: skip
    code, output = run(app, "ledger", "verify")
    assert code == 1
    assert (
        f"发现 1 处问题，第一处：维保记录 #{record_id}（电梯 {world.elevators[0].id}，链上第 2 条）: 内容被改动"
        in output
    )
    code, output = run(app, "backup", "verify")
    assert code == 1
    assert (
        f"第一处：维保记录 #{record_id}（电梯 {world.elevators[0].id}）: 与备份不一致（字段 canonical_content）"
        in output
    )


def test_restore_command_rebuilds_an_emptied_database_and_verifies(
    app: Flask, configured_archive: ArchiveStore
) -> None:
    world = make_world()
    for i in range(4):
        submit_record(world.elevators[i % 2], world.tech1.id)
    db.session.commit()
    run(app, "ledger", "checkpoint")
    hashes = sorted(db.session.scalars(db.select(LedgerEntry.entry_hash)))
    assert run(app, "backup", "restore")[1].strip().endswith("只能恢复到空库")
    db.session.remove()
    db.engine.dispose()
    recreate_database()
    upgrade()
    code, output = run(app, "backup", "restore")
    assert code == 0, output
    assert "已从备份恢复 4 条账本条目" in output and output.splitlines()[-1] == "恢复完成，账本与备份校验通过"
    assert sorted(db.session.scalars(db.select(LedgerEntry.entry_hash))) == hashes


def test_archive_catches_up_after_an_outage_without_rewriting_anything(app: Flask, archive: ArchiveStore) -> None:
    world = make_world()
    store = archive
    submit_record(world.elevators[0], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    assert archive_pending(store) == 1

    for _ in range(3):
        submit_record(world.elevators[1], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    with pytest.raises(OSError):
        archive_pending(Unreachable(store))
    before = archived_objects(store)
    assert len(before) == 2
    assert archive_pending(store) == 3, "the next run continues from the last manifest"
    after = archived_objects(store)
    assert len(after) == 4
    assert all(after[name] == data for name, data in before.items()), "nothing archived is rewritten"
    assert [(m.leaf_start, m.leaf_end) for m, _ in manifests(store)] == [(0, 1), (1, 4)]
    assert sum(1 for line in read_archive(store) if line["t"] == "entry") == 4
    assert sum(1 for line in read_archive(store) if line["t"] == "checkpoint") == 2
    assert archive_pending(store) == 0
    assert verify_backup(store).problems == []


def test_archive_objects_are_write_once_and_a_tampered_segment_is_reported(app: Flask, archive: ArchiveStore) -> None:
    store = archive
    store.put("segments/x.jsonl", b"a")
    with pytest.raises(ArchiveError):
        store.put("segments/x.jsonl", b"b")
    assert store.get("segments/x.jsonl") == b"a"
    assert store.names("segments/") == ["segments/x.jsonl"]
    world = make_world()
    submit_record(world.elevators[0], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    archive_pending(store)
    manifest, _ = manifests(store)[0]
    tampered = store.get(manifest.segment).replace(b'"t":"entry"', b'"t":"entry" ')
    overwrite_behind_the_archive(store, manifest.segment, tampered)
    problems = verify_backup(store).problems
    assert problems == [f"备份本身已损坏：备份段 {manifest.segment} 与清单中的哈希不符"]
    assert json.loads(store.get("manifest/00000001.json"))["leaf_end"] == 1


def test_a_segment_missing_from_the_archive_is_reported(app: Flask, archive: ArchiveStore) -> None:
    manifest = Manifest(1, "segments/00000001-gone.jsonl", "0" * 64, 0, 0, 1, 0, "", "2026-11-25T00:00:00")
    archive.put("manifest/00000001.json", manifest.encode())
    problems = verify_backup(archive).problems
    assert problems == ["备份本身已损坏：备份对象 segments/00000001-gone.jsonl 缺失"]


def test_restore_refuses_a_database_that_already_has_a_ledger(app: Flask, archive: ArchiveStore) -> None:
    store = archive
    world = make_world()
    submit_record(world.elevators[0], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    archive_pending(store)
    with pytest.raises(ArchiveError, match="只能恢复到空库"):
        restore(store)
