"""The record verification page ``/v/<code>``: every check recomputed server-side, ✓ or ✗ naming what failed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordVerification, utcnow
from miniback.records.verification import CODE_PATTERN, verification_code_of, verification_url, verify_record
from signoff.ledger.checkpoints import build_checkpoint
from tests.factories.ledger import attacker
from tests.factories.records import point, submit, submitted_record
from tests.factories.registry import auth, make_world


def checkpoint() -> None:
    build_checkpoint()
    db.session.commit()


def page(client: FlaskClient, code: str) -> tuple[int, str]:
    response = client.get(f"/v/{code}")
    return response.status_code, response.get_data(as_text=True)


def verdict(html: str) -> str:
    found = re.search(r'id="verdict">(.*?)</div>', html, re.S)
    assert found, html
    return found.group(1)


def check_line(html: str, name: str) -> str:
    found = re.search(rf'class="check-{name}">(.*?)</li>', html, re.S)
    assert found, html
    return " ".join(found.group(1).split())


@pytest.fixture
def submitted(client: FlaskClient) -> tuple[object, dict, str]:
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    return world, record, verification_code_of(record["id"])


def test_every_submitted_record_gets_an_unguessable_code_and_a_public_url(client, submitted):
    world, record, code = submitted
    other = submitted_record(client, world.tech2, world.elevators[1])
    assert CODE_PATTERN.fullmatch(code) and str(record["id"]) not in code
    assert verification_code_of(other["id"]) != code
    assert verification_url(code) == f"https://lift.example.test/v/{code}"
    stored = db.session.execute(db.select(RecordVerification)).scalars().all()
    assert {row.record_id for row in stored} == {record["id"], other["id"]}


def test_a_good_record_shows_a_tick_masked_names_and_its_hashes(client, submitted):
    world, record, code = submitted
    checkpoint()
    status, html = page(client, code)
    assert status == 200
    assert verdict(html).startswith("✓ 核验通过")
    for name in ("content", "chain", "inclusion", "signature"):
        assert "✓" in check_line(html, name)
    assert record["content_hash"] in html
    assert world.tech1.name not in html
    masked = world.tech1.name[0] + "*" * (len(world.tech1.name) - 2) + world.tech1.name[-1]
    assert masked in html
    assert 'href="/v/recipe"' in html and "hashlib" in client.get("/v/recipe").get_data(as_text=True)
    assert "\u2014 lift.example.test/ledger " in html  # the signed note, C2SP format


def test_a_record_not_yet_in_a_checkpoint_says_so_without_a_cross(client, submitted):
    _, _, code = submitted
    status, html = page(client, code)
    assert status == 200
    assert "尚未纳入检查点" in verdict(html) and "✗" not in html
    assert "✓" in check_line(html, "content")


def test_a_record_tampered_by_raw_sql_shows_a_cross_naming_the_content(client, submitted):
    _, record, code = submitted
    checkpoint()
    with attacker("maintenance_record"):
        db.session.execute(
            text("UPDATE maintenance_record SET remarks = '已全部更换',"
                 " canonical_content = REPLACE(canonical_content, :old, :new) WHERE id = :id"),
            {"id": record["id"], "old": '"remarks":null', "new": '"remarks":"已全部更换"'},
        )  # fmt: skip
    db.session.expire_all()
    status, html = page(client, code)
    assert status == 200
    assert verdict(html).startswith("✗ 核验未通过：内容哈希")
    assert "✗" in check_line(html, "content") and "已被改动" in check_line(html, "content")


def test_a_column_changed_behind_the_canonical_content_is_caught(client, submitted):
    _, record, code = submitted
    checkpoint()
    with attacker("maintenance_record"):
        db.session.execute(
            text("UPDATE maintenance_record SET check_out_at = check_out_at + INTERVAL 2 HOUR WHERE id = :id"),
            {"id": record["id"]},
        )
    db.session.expire_all()
    verification = verify_record(code)
    assert verification is not None and not verification.ok
    assert [check.name for check in verification.failed] == ["content"]
    assert "check_out_at" in verification.failed[0].detail


def test_a_record_rewritten_with_its_hashes_fails_the_inclusion_proof(client, submitted):
    """The insider recomputes the content hash, the record's column and the ledger entry: the tree catches it."""
    _, record, code = submitted
    checkpoint()
    with attacker("maintenance_record", "ledger_entry"):
        db.session.execute(
            text("UPDATE maintenance_record SET canonical_content = REPLACE(canonical_content, :old, :new)"
                 " WHERE id = :id"),
            {"id": record["id"], "old": '"duration_seconds":', "new": '"duration_seconds":1'},
        )  # fmt: skip
        db.session.execute(
            text("UPDATE maintenance_record SET content_hash = SHA2(canonical_content, 256) WHERE id = :id"),
            {"id": record["id"]},
        )
        db.session.execute(
            text("UPDATE ledger_entry SET content_hash = (SELECT content_hash FROM maintenance_record WHERE id = :id)"
                 " WHERE kind = 'record' AND ref_id = :id"),
            {"id": record["id"]},
        )  # fmt: skip
        db.session.execute(
            text("UPDATE ledger_entry SET entry_hash = SHA2(CONCAT_WS('|', elevator_id, chain_pos, kind, ref_id,"
                 " content_hash, prev_hash), 256) WHERE kind = 'record' AND ref_id = :id"),
            {"id": record["id"]},
        )  # fmt: skip
    db.session.expire_all()
    verification = verify_record(code)
    assert verification is not None
    names = {check.name: check.ok for check in verification.checks}
    assert names["chain"] is True and names["inclusion"] is False
    status, html = page(client, code)
    assert "✗ 核验未通过：" in verdict(html) and "包含证明" in verdict(html)


def test_a_checkpoint_rewritten_without_the_key_fails_the_signature(client, submitted):
    _, _, code = submitted
    checkpoint()
    with attacker("ledger_checkpoint"):
        db.session.execute(text("UPDATE ledger_checkpoint SET root_hash = REPEAT('ab', 32)"))
    db.session.expire_all()
    verification = verify_record(code)
    assert verification is not None
    failed = {check.name: check.detail for check in verification.failed}
    assert set(failed) == {"inclusion", "signature"}
    assert "已被改写" in failed["signature"]


def test_a_superseded_record_says_so_and_links_its_successor(client, submitted):
    world, record, code = submitted
    headers = auth(world.tech1)
    correction = client.post(f"/api/v1/records/{record['id']}/corrections", json={}, headers=headers).json
    url = f"/api/v1/drafts/{correction['id']}"
    client.post(f"{url}/check-in", json=point(utcnow() - timedelta(minutes=30)), headers=headers)
    client.post(f"{url}/check-out", json=point(utcnow()), headers=headers)
    corrected = submit(client, world.tech1, correction["id"])
    assert corrected.status_code == 201, corrected.json
    checkpoint()
    successor = verification_code_of(corrected.json["id"])
    _, html = page(client, code)
    assert "本记录已被更正记录取代" in html and f'href="/v/{successor}"' in html
    assert verdict(html).startswith("✓")  # the original stays intact and verifiable
    _, html = page(client, successor)
    assert "本记录是对一条此前记录的更正" in html and f'href="/v/{code}"' in html


@pytest.mark.parametrize("code", ["", "aaaaaaaaaaaaaaaa", "1", "../../etc/passwd", "AAAAAAAAAAAAAAAA", "x" * 300])
def test_unknown_or_malformed_codes_get_the_friendly_404_page(client, submitted, code):
    response = client.get(f"/v/{code}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "未找到该维保记录" in body and "<html" in body


def test_the_record_id_is_not_a_code(client, submitted):
    _, record, _ = submitted
    assert client.get(f"/v/{record['id']}").status_code == 404


def test_the_migration_backfills_codes_for_records_submitted_before_it(client, submitted):
    """Migration 0016's backfill: a record without a code (as before the revision) gets one."""
    from importlib import import_module

    migration = import_module("miniback.migrations.versions.0016_record_verification")
    _, record, code = submitted
    with attacker("record_verification"):
        db.session.execute(text("DELETE FROM record_verification"))
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    connection = db.session.connection()
    with Operations.context(MigrationContext.configure(connection)):
        migration._backfill_codes()
    db.session.commit()
    backfilled = verification_code_of(record["id"])
    assert CODE_PATTERN.fullmatch(backfilled) and backfilled != code
    assert db.session.get(MaintenanceRecord, record["id"]) is not None
