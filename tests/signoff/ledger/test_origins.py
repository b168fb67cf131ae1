"""``ledger verify`` traces every uploaded record to the platform that signed it (issue 15, signed requests): the
kept request's body and signature, the key, the item in the body, and the record's source — each break named."""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import MaintenanceRecord, PlatformKey, PlatformRequest, PlatformUpload, utcnow
from signoff.ledger.origin import string_to_sign
from signoff.ledger.origins import item_sha256
from signoff.ledger.verify import verify_ledger
from tests.factories.ledger import attacker, submit_record
from tests.factories.platform import Platform, call, make_platform
from tests.factories.registry import UnitWorld, make_world
from tests.factories.uploads import certify, record_payload

_seq = itertools.count(1)


def connected(code: str, algorithm: str = "ed25519") -> Platform:
    """A connected platform (its uploads are official records) named ``code``, with one Ed25519 or RSA key."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if algorithm != "ed25519" else None
    platform = make_platform("connected", private_key=private_key)
    platform.client.code = code
    db.session.flush()
    return platform


def item(ref: str) -> dict[str, Any]:
    """An uploaded item as a platform sends it (the fields ``ledger verify`` reads; H1's routes validate the rest)."""
    return {
        "platform_record_id": ref,
        "elevator": {"device_code": "31104401000000001"},
        "category": "half_month",
        "check_in": {"at": "2026-12-03T09:00:00+08:00", "lat": 23.1327, "lng": 113.3322, "coord_system": "gcj02"},
        "remarks": "正常，无异常",
    }


def send(platform: Platform, path: str, body: dict[str, Any]) -> PlatformRequest:
    """The signed request as the API edge keeps it (raw body, the exact string the platform signed)."""
    raw = json.dumps(body, ensure_ascii=False, indent=1).encode()  # not canonical: whatever the platform sends
    timestamp, nonce = "2026-12-03T14:05:00+08:00", f"nonce-{next(_seq):08d}-abcdef"
    request = PlatformRequest(
        platform_client_id=platform.client.id,
        key_id=platform.key_id,
        sandbox=False,
        method="POST",
        path=path,
        signed_timestamp=timestamp,
        nonce=nonce,
        body_sha256=hashlib.sha256(raw).hexdigest(),
        signature=platform.sign(string_to_sign("POST", path, timestamp, nonce, raw)),
        body=raw,
    )
    db.session.add(request)
    db.session.flush()
    return request


def upload(
    world: UnitWorld, platform: Platform, request: PlatformRequest, index: int, sent: dict[str, Any], **overrides: Any
) -> MaintenanceRecord:
    """The record the item made and its upload row, as the upload route writes them in one transaction."""
    source = overrides.pop("source", f"platform:{platform.client.code}")
    record = submit_record(world.elevators[index % 2], world.tech1.id, remarks=sent["remarks"], source=source)
    values = dict(
        platform_client_id=platform.client.id,
        sandbox=False,
        kind="record",
        platform_ref=sent["platform_record_id"],
        item_sha256=item_sha256(sent),
        request_id=request.id,
        item_index=index,
        record_id=record.id,
        content_hash=record.content_hash,
    )
    db.session.add(PlatformUpload(**(values | overrides)))
    db.session.flush()
    return record


@pytest.fixture
def world(app: Flask) -> UnitWorld:
    return make_world()


def single(world: UnitWorld, platform: Platform, ref: str, **overrides: Any) -> MaintenanceRecord:
    sent = item(ref)
    return upload(world, platform, send(platform, "/api/v1/platform/records", sent), 0, sent, **overrides)


def batch(world: UnitWorld, platform: Platform, refs: list[str]) -> list[MaintenanceRecord]:
    items = [item(ref) for ref in refs]
    request = send(platform, "/api/v1/platform/records/batch", {"records": items})
    return [upload(world, platform, request, index, sent) for index, sent in enumerate(items)]


def problems() -> list[str]:
    db.session.commit()
    return verify_ledger().problems


def only_problem() -> str:
    found = problems()
    assert len(found) == 1, found
    return found[0]


def test_uploaded_records_single_and_batch_verify_clean(world: UnitWorld) -> None:
    acme, rsa_shop = connected("acme"), connected("javashop", algorithm="rsa-sha256")
    single(world, acme, "A-1")
    batch(world, acme, ["A-2", "A-3", "A-4"])
    batch(world, rsa_shop, ["J-1", "J-2"])
    db.session.commit()
    report = verify_ledger()
    assert report.problems == []
    assert report.origins_checked == 6


def test_a_record_signed_with_a_key_retired_since_still_verifies(world: UnitWorld) -> None:
    acme = connected("acme", algorithm="rsa-sha256")
    single(world, acme, "A-1")
    key = db.session.execute(db.select(PlatformKey).where(PlatformKey.key_id == acme.key_id)).scalar_one()
    key.retired_at = utcnow()
    db.session.commit()
    report = verify_ledger()
    assert report.problems == [] and report.origins_checked == 1


def test_a_tampered_request_body_is_named_by_its_record(world: UnitWorld) -> None:
    acme = connected("acme")
    single(world, acme, "A-1")
    records = batch(world, acme, ["A-2", "A-3"])
    db.session.commit()
    with attacker("platform_request"):
        db.session.execute(
            text("UPDATE platform_request SET body = REPLACE(body, '无异常', '有异常') WHERE path LIKE '%/batch'")
        )
    found = problems()
    assert found[0].startswith(f"维保记录 #{records[0].id}（平台 acme 的上传 #")
    assert "请求体与保存的 SHA-256 不符" in found[0]
    # The signature no longer covers the body either, and both items' canonical hashes changed.
    assert any("签名无法用密钥" in problem for problem in found)
    assert sum("规范 SHA-256 与上传时保存的不符" in problem for problem in found) == 2


def test_a_body_rewritten_with_its_hash_is_caught_by_the_signature(world: UnitWorld) -> None:
    acme = connected("acme")
    record = single(world, acme, "A-1")
    db.session.commit()
    forged = json.dumps(item("A-1") | {"remarks": "正常，无异常 "}).encode()
    with attacker("platform_request"):
        db.session.execute(
            text("UPDATE platform_request SET body = :body, body_sha256 = :digest"),
            {"body": forged, "digest": hashlib.sha256(forged).hexdigest()},
        )
    found = problems()
    assert found[0] == (
        f"维保记录 #{record.id}（平台 acme 的上传 #1，平台编号 A-1）: 签名请求 #1 的签名无法用密钥 "
        f"{acme.key_id} 验证（签名或被签名的内容被改动）"
    )
    assert "规范 SHA-256 与上传时保存的不符" in found[1]


def test_a_signature_swapped_from_another_request_is_named(world: UnitWorld) -> None:
    acme = connected("acme")
    first, second = single(world, acme, "A-1"), single(world, acme, "A-2")
    db.session.commit()
    with attacker("platform_request"):
        db.session.execute(
            text(
                "UPDATE platform_request a JOIN platform_request b ON b.id = a.id + 1"
                " SET a.signature = b.signature WHERE a.id = (SELECT MIN(id) FROM platform_request)"
            )
        )
    message = only_problem()
    assert message.startswith(f"维保记录 #{first.id}（平台 acme 的上传 #")
    assert f"签名无法用密钥 {acme.key_id} 验证" in message
    assert f"#{second.id}（" not in message


def test_an_upload_pointing_at_another_platforms_request_is_named(world: UnitWorld) -> None:
    acme, rival = connected("acme"), connected("rival")
    theirs = item("R-1")
    rival_request = send(rival, "/api/v1/platform/records", theirs)
    upload(world, rival, rival_request, 0, theirs)
    # A record claiming acme made it, vouched for by rival's (perfectly valid) signed request.
    record = upload(world, acme, rival_request, 0, theirs)
    message = only_problem()
    assert message == (
        f"维保记录 #{record.id}（平台 acme 的上传 #2，平台编号 R-1）: "
        f"签名请求 #{rival_request.id} 是另一平台（rival）发送的"
    )


def test_a_request_signed_with_another_platforms_key_is_named(world: UnitWorld) -> None:
    acme, rival = connected("acme"), connected("rival")
    record = single(world, acme, "A-1")
    with attacker("platform_request"):
        db.session.execute(text("UPDATE platform_request SET key_id = :key"), {"key": rival.key_id})
    message = only_problem()
    assert message.startswith(f"维保记录 #{record.id}（平台 acme 的上传 #1")
    assert message.endswith(f"所用的密钥 {rival.key_id} 属于另一平台（rival）")


def test_an_upload_naming_another_item_of_its_batch_is_named(world: UnitWorld) -> None:
    acme = connected("acme")
    items = [item("A-1"), item("A-2")]
    request = send(acme, "/api/v1/platform/records/batch", {"records": items})
    upload(world, acme, request, 0, items[0])
    record = upload(world, acme, request, 1, items[1], item_index=0)
    found = problems()
    assert found == [
        f"维保记录 #{record.id}（平台 acme 的上传 #2，平台编号 A-2）: 请求体第 0 项的规范 SHA-256 与上传时保存的不符",
        f"维保记录 #{record.id}（平台 acme 的上传 #2，平台编号 A-2）: 请求体第 0 项的平台编号为 A-1，与上传记录不符",
    ]


def test_a_record_whose_content_names_another_source_is_named(world: UnitWorld) -> None:
    acme = connected("acme")
    record = single(world, acme, "A-1", source="miniprogram")
    assert only_problem() == (
        f"维保记录 #{record.id}（平台 acme 的上传 #1，平台编号 A-1）: "
        "维保记录的规范内容中来源为 miniprogram，应为 platform:acme"
    )


def test_a_record_whose_content_no_longer_parses_is_named(world: UnitWorld) -> None:
    acme = connected("acme")
    record = single(world, acme, "A-1")
    db.session.commit()
    with attacker("maintenance_record"):
        db.session.execute(
            text("UPDATE maintenance_record SET canonical_content = CONCAT('x', canonical_content) WHERE id = :id"),
            {"id": record.id},
        )
    assert f"维保记录 #{record.id}（平台 acme 的上传 #1，平台编号 A-1）: 维保记录的规范内容无法解析" in problems()


def test_a_record_claiming_a_platform_without_its_signed_upload_is_named(world: UnitWorld) -> None:
    connected("acme")
    record = submit_record(world.elevators[0], world.tech1.id, source="platform:acme")
    assert only_problem() == (
        f"维保记录 #{record.id}: 来源为 platform:acme，却没有该平台签名上传的凭据（绕过数据接口写入）"
    )


def test_the_cli_counts_the_uploads_and_exits_1_naming_the_first_bad_one(app: Flask, world: UnitWorld) -> None:
    acme = connected("acme")
    record = single(world, acme, "A-1")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "平台上传来源核对 1 条" in result.output
    with attacker("platform_request"):
        db.session.execute(text("UPDATE platform_request SET signature = 'AAAA'"))
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"第一处：维保记录 #{record.id}（平台 acme 的上传 #1，平台编号 A-1）: 签名请求 #" in result.output


def test_skip_content_skips_the_origin_check(world: UnitWorld) -> None:
    acme = connected("acme")
    single(world, acme, "A-1")
    db.session.commit()
    with attacker("platform_request"):
        db.session.execute(text("UPDATE platform_request SET signature = 'AAAA'"))
    report = verify_ledger(content=False)
    assert report.problems == [] and report.origins_checked == 0


def test_the_canonical_item_hash_ignores_key_order_and_whitespace() -> None:
    sent = item("A-1")
    reordered = json.loads(json.dumps(dict(reversed(list(sent.items()))), indent=4))
    assert item_sha256(reordered) == item_sha256(sent)
    assert item_sha256(sent | {"remarks": "正常"}) != item_sha256(sent)


def test_records_uploaded_through_the_real_routes_verify_and_a_changed_batch_names_its_records(
    client: FlaskClient,
) -> None:
    world = make_world()
    certify(world.tech1, world.tech2)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    sandbox = make_platform("testing", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    one = call(client, platform, "POST", "/api/v1/platform/records", record_payload(world.elevators[0], [world.tech1]))
    assert one.status_code == 201, one.json
    items = [record_payload(world.elevators[1], [world.tech2]), record_payload(world.elevators[0], [world.tech2])]
    batch_items = call(client, platform, "POST", "/api/v1/platform/records/batch", {"records": items})
    assert batch_items.json["counts"]["created"] == 2, batch_items.json
    trial = call(client, sandbox, "POST", "/api/v1/platform/records", record_payload(world.elevators[1], [world.tech1]))
    assert trial.status_code == 201 and trial.json["record"]["record_id"] is None
    report = verify_ledger()
    assert report.problems == []
    assert report.origins_checked == 3  # the sandbox upload made no record: nothing to trace
    batched = [entry["record"]["record_id"] for entry in batch_items.json["results"]]
    with attacker("platform_request"):
        db.session.execute(
            text(
                "UPDATE platform_request SET body = REPLACE(body, '平台上传的维保记录', '平台上传的记录')"
                " WHERE path LIKE '%/batch'"
            )
        )
    found = problems()
    assert {problem.split("（", 1)[0] for problem in found} == {f"维保记录 #{record_id}" for record_id in batched}
    assert "请求体与保存的 SHA-256 不符" in found[0] and "签名无法用密钥" in found[1]


def test_the_demos_sqlite_database_traces_its_uploads_too(sqlite_app: Flask) -> None:
    world = make_world()
    acme = connected("acme")
    single(world, acme, "A-1")
    batch(world, acme, ["A-2", "A-3"])
    db.session.commit()
    report = verify_ledger()  # SQLite has no JSON_VALUE: each record's content is parsed in Python instead
    assert report.problems == [] and report.origins_checked == 3
    record = submit_record(world.elevators[0], world.tech1.id, source="platform:acme")
    db.session.commit()
    assert verify_ledger().problems == [
        f"维保记录 #{record.id}: 来源为 platform:acme，却没有该平台签名上传的凭据（绕过数据接口写入）"
    ]
