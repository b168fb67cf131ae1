"""Verification codes and the server-side check behind a record's public verification page (``/v/<code>``).

Every submitted record gets an unguessable code (80 random bits, lowercase base32, never the record id), minted by
``submit_record`` in the submission's transaction — one insert — and, for records submitted before codes existed,
by migration 0016. The code is what a printed record's QR code holds.

``verify_record`` recomputes, on the server, everything an inspector's ``hashlib`` recipe (docs/verify-proof.md)
checks, and names each check so that a failure says which one failed:

1. ``content`` — the SHA-256 of the stored canonical content equals the content hash in the ledger, the record's
   own hash column says the same, and the record's columns and items still say what that content says;
2. ``chain`` — the ledger entry's hash recomputes from its fields;
3. ``inclusion`` — the entry's Merkle inclusion proof leads to the root of the latest checkpoint;
4. ``signature`` — that checkpoint's C2SP signed note verifies under the platform's published log key and names
   the same tree size and root.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import current_app
from sqlalchemy import Connection, insert

from miniback.extensions import db
from miniback.models import LedgerCheckpoint, MaintenanceRecord, RecordVerification
from signoff.ledger import merkle
from signoff.ledger.chain import entry_hash
from signoff.ledger.checkpoints import entry_for_proof, inclusion_proof
from signoff.ledger.kinds import KINDS, columns_differing, load_children
from signoff.ledger.logkey import log_key, stored_signed_note
from signoff.ledger.signed_note import NoteError, verify_signed_checkpoint

CODE_BYTES = 10  # 80 bits: 16 base32 characters
CODE_PATTERN = re.compile(r"[a-z2-7]{16}")
_INSERT_CODE = insert(RecordVerification.__table__)

CheckName = Literal["content", "chain", "inclusion", "signature"]
CHECK_LABELS: dict[str, str] = {
    "content": "内容哈希",
    "chain": "账本条目",
    "inclusion": "包含证明",
    "signature": "检查点签名",
}


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").lower()


def mint_code(connection: Connection, record_id: int) -> str:
    """Give a new record its verification code: one insert on the submission's connection."""
    code = new_code()
    connection.execute(_INSERT_CODE, {"record_id": record_id, "code": code})
    return code


def verification_code_of(record_id: int) -> str:
    """The record's verification code; ``LookupError`` if it has none (every submitted record has one)."""
    code = db.session.execute(
        db.select(RecordVerification.code).where(RecordVerification.record_id == record_id)
    ).scalar_one_or_none()
    if code is None:
        raise LookupError(f"record {record_id} has no verification code")
    return code


def verification_url(code: str) -> str:
    """``PUBLIC_BASE_URL/v/<code>``: the address a printed record's QR code holds."""
    return f"{str(current_app.config['PUBLIC_BASE_URL']).rstrip('/')}/v/{code}"


def record_for_code(code: str) -> MaintenanceRecord | None:
    """The record a well-formed code names; None for an unknown or malformed code."""
    if not CODE_PATTERN.fullmatch(code):
        return None
    return db.session.execute(
        db.select(MaintenanceRecord)
        .join(RecordVerification, RecordVerification.record_id == MaintenanceRecord.id)
        .where(RecordVerification.code == code)
    ).scalar_one_or_none()


@dataclass
class Check:
    name: CheckName
    ok: bool | None  # None: cannot be checked yet (the record is not in a checkpoint yet)
    detail: str

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.name]


@dataclass
class Related:
    record_id: int
    code: str | None


@dataclass
class Verification:
    code: str
    record: MaintenanceRecord
    content: dict[str, Any]  # the canonical content as stored (parsed); {} when it no longer parses
    checks: list[Check]
    recomputed_hash: str
    ledger_content_hash: str | None = None
    entry_hash: str | None = None
    leaf_index: int | None = None
    tree_size: int | None = None
    root_hash: str | None = None
    signed_note: str | None = None
    key_id: str | None = None
    superseded_by: list[Related] = field(default_factory=list)
    supersedes: Related | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok is True for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.ok is False]

    @property
    def pending(self) -> bool:
        return not self.failed and any(check.ok is None for check in self.checks)


def _codes(record_ids: list[int]) -> dict[int, str]:
    if not record_ids:
        return {}
    rows = db.session.execute(
        db.select(RecordVerification.record_id, RecordVerification.code).where(
            RecordVerification.record_id.in_(record_ids)
        )
    )
    return {int(record_id): str(code) for record_id, code in rows}


def _content_check(record: MaintenanceRecord, row: dict[str, Any], ledger_hash: str | None) -> Check:
    recomputed = hashlib.sha256(record.canonical_content.encode("utf-8")).hexdigest()
    if ledger_hash is None:
        return Check("content", False, "账本中没有该记录的条目")
    if recomputed != ledger_hash:
        return Check("content", False, "重新计算的内容哈希与账本中的不符：记录内容已被改动")
    if record.content_hash != ledger_hash:
        return Check("content", False, "记录的内容哈希字段与账本中的不符")
    children = load_children(KINDS["record"], [record.id]).get(record.id, {})
    differing = columns_differing(row, record.canonical_content, children)
    if differing:
        return Check("content", False, f"字段 {', '.join(differing)} 与上传时的内容不符：记录已被改动")
    return Check("content", True, "重新计算的 SHA-256 与账本一致")


def _checkpoint_checks(entry: Any, verification: Verification) -> list[Check]:
    latest = db.session.execute(
        db.select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size.desc()).limit(1)
    ).scalar_one_or_none()
    leaf_index = entry["leaf_index"]
    if latest is None or leaf_index is None or leaf_index >= latest.tree_size:
        waiting = "该记录尚未纳入检查点（每 5 分钟内生成一次），请稍后再查看"
        return [Check("inclusion", None, waiting), Check("signature", None, waiting)]
    verification.leaf_index, verification.tree_size = int(leaf_index), int(latest.tree_size)
    verification.root_hash = latest.root_hash
    checks = []
    try:
        proof = [bytes.fromhex(h) for h in inclusion_proof(int(leaf_index), int(latest.tree_size))]
        root = merkle.root_from_inclusion(
            int(leaf_index), int(latest.tree_size), merkle.leaf_hash(bytes.fromhex(entry["entry_hash"])), proof
        )
    except (LookupError, ValueError):
        checks.append(Check("inclusion", False, "默克尔树节点缺失或损坏，无法生成包含证明"))
    else:
        if root.hex() == latest.root_hash:
            checks.append(Check("inclusion", True, f"包含在 {latest.tree_size} 条的最新检查点中"))
        else:
            checks.append(Check("inclusion", False, "包含证明得出的根哈希与检查点不符：账本已被改动"))
    note = stored_signed_note(int(latest.tree_size))
    verification.signed_note = note
    key = log_key()
    verification.key_id = key.key_id.hex()
    if note is None:
        checks.append(Check("signature", False, "最新检查点没有日志密钥的签名"))
        return checks
    try:
        signed = verify_signed_checkpoint(note, key)
    except NoteError as exc:
        checks.append(Check("signature", False, str(exc)))
        return checks
    if signed.tree_size != latest.tree_size or signed.root_hash.hex() != latest.root_hash:
        checks.append(Check("signature", False, "已签名的检查点与数据库中的检查点不符：检查点已被改写"))
    else:
        checks.append(Check("signature", True, f"由平台日志密钥 {key.name}（编号 {key.key_id.hex()}）签署"))
    return checks


def verify_record(code: str) -> Verification | None:
    """Check the record a code names, server-side; None for an unknown or malformed code."""
    record = record_for_code(code)
    if record is None:
        return None
    table = MaintenanceRecord.__table__
    row = dict(db.session.execute(table.select().where(table.c.id == record.id)).mappings().one())
    try:
        content = json.loads(record.canonical_content)
    except ValueError:
        content = {}
    if not isinstance(content, dict):
        content = {}
    entry = entry_for_proof(record_id=record.id)
    ledger_hash = entry["content_hash"] if entry is not None else None
    verification = Verification(
        code=code,
        record=record,
        content=content,
        checks=[],
        recomputed_hash=hashlib.sha256(record.canonical_content.encode("utf-8")).hexdigest(),
        ledger_content_hash=ledger_hash,
    )
    verification.checks.append(_content_check(record, row, ledger_hash))
    if entry is None:
        missing = "账本中没有该记录的条目"
        verification.checks += [Check("chain", False, missing), Check("inclusion", False, missing)]
        verification.checks.append(Check("signature", None, missing))
    else:
        verification.entry_hash = entry["entry_hash"]
        fields = ("elevator_id", "chain_pos", "kind", "ref_id", "content_hash", "prev_hash")
        if entry_hash(*(entry[name] for name in fields)) == entry["entry_hash"]:
            verification.checks.append(Check("chain", True, "账本条目哈希重新计算一致"))
        else:
            verification.checks.append(Check("chain", False, "账本条目哈希与其字段不符：账本已被改动"))
        verification.checks += _checkpoint_checks(entry, verification)
    successors = list(
        db.session.execute(
            db.select(MaintenanceRecord.id)
            .where(MaintenanceRecord.supersedes_id == record.id)
            .order_by(MaintenanceRecord.id)
        ).scalars()
    )
    codes = _codes([*successors, *([record.supersedes_id] if record.supersedes_id else [])])
    verification.superseded_by = [Related(successor, codes.get(successor)) for successor in successors]
    if record.supersedes_id:
        verification.supersedes = Related(record.supersedes_id, codes.get(record.supersedes_id))
    return verification
