"""Public proofs (no log-in): anyone can check a record against a published checkpoint with ``hashlib`` only.

See ``docs/verify-proof.md`` for the inspector's recipe. Every endpoint here counts against one per-client limit
(``MINIBACK_PROOF_RATE_LIMIT``, Redis-backed); a flood gets the API's JSON 429.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from flask import Blueprint
from pydantic import Field
from sqlalchemy import RowMapping

from miniback.api.schemas.fields import Out
from miniback.api.validation import Schema, documented, query_args
from miniback.errors import Conflict, NotFound, ValidationFailed
from miniback.public.ratelimit import proof_limit
from signoff.ledger import checkpoints
from signoff.ledger.logkey import log_key

bp = Blueprint("ledger", __name__)


class CheckpointOut(Out):
    tree_size: int
    root_hash: str
    created_at: datetime
    # The C2SP signed note (tlog-checkpoint) under the platform's log key; None before checkpoints were signed.
    signed_note: str | None


class EntryOut(Out):
    id: int
    elevator_id: int
    chain_pos: int
    kind: str
    ref_id: int
    content_hash: str
    prev_hash: str
    entry_hash: str
    created_at: datetime


class ProofOut(Out):
    entry: EntryOut
    leaf_index: int
    checkpoint: CheckpointOut
    inclusion_proof: list[str]


class ProofQuery(Schema):
    tree_size: int | None = Field(None, ge=1)


class ConsistencyQuery(Schema):
    first: int = Field(ge=1)
    second: int = Field(ge=1)


class ConsistencyOut(Out):
    first: CheckpointOut
    second: CheckpointOut
    consistency_proof: list[str]


def _checkpoint(tree_size: int | None) -> RowMapping:
    found = checkpoints.checkpoint_for_proof(tree_size)
    if found is None:
        raise NotFound("没有该检查点" if tree_size else "尚未发布检查点")
    return found


def _proof(entry: RowMapping) -> dict[str, Any]:
    args = query_args(ProofQuery)
    checkpoint = _checkpoint(args.tree_size)
    leaf_index = entry["leaf_index"]
    if leaf_index is None or leaf_index >= checkpoint["tree_size"]:
        raise Conflict("该条目尚未纳入检查点，请在下一个检查点（至多 5 分钟）之后再试", code="not_yet_checkpointed")
    return ProofOut(
        entry=EntryOut.model_validate(entry),
        leaf_index=leaf_index,
        checkpoint=CheckpointOut.model_validate(checkpoint),
        inclusion_proof=checkpoints.inclusion_proof(leaf_index, checkpoint["tree_size"]),
    ).model_dump(mode="json")


@bp.get("/ledger/checkpoints/latest")
@documented("最新检查点（默克尔树根）", response=CheckpointOut, auth=False)
@proof_limit
def latest_checkpoint() -> Any:
    return CheckpointOut.model_validate(_checkpoint(None)).model_dump(mode="json")


@bp.get("/ledger/entries/<int:entry_id>/proof")
@documented("账本条目的包含证明（RFC 6962）", query=ProofQuery, response=ProofOut, auth=False)
@proof_limit
def entry_proof(entry_id: int) -> Any:
    entry = checkpoints.entry_for_proof(entry_id=entry_id)
    if entry is None:
        raise NotFound("找不到该账本条目")
    return _proof(entry)


@bp.get("/ledger/records/<int:record_id>/proof")
@documented("维保记录的内容哈希、账本条目及其包含证明", query=ProofQuery, response=ProofOut, auth=False)
@proof_limit
def record_proof(record_id: int) -> Any:
    entry = checkpoints.entry_for_proof(record_id=record_id)
    if entry is None:
        raise NotFound("找不到该维保记录的账本条目")
    return _proof(entry)


@bp.get("/ledger/consistency")
@documented("两个检查点之间的一致性证明（RFC 6962）", query=ConsistencyQuery, response=ConsistencyOut, auth=False)
@proof_limit
def consistency() -> Any:
    args = query_args(ConsistencyQuery)
    if args.first > args.second:
        raise ValidationFailed(fields={"first": "不能大于 second"})
    first, second = _checkpoint(args.first), _checkpoint(args.second)
    return ConsistencyOut(
        first=CheckpointOut.model_validate(first),
        second=CheckpointOut.model_validate(second),
        consistency_proof=checkpoints.consistency_proof(first["tree_size"], second["tree_size"]),
    ).model_dump(mode="json")


class LogKeyOut(Out):
    name: str
    key_id: str
    verifier_key: str
    public_key: str
    public_key_pem: str


@bp.get("/ledger/log-key")
@documented("检查点签名公钥（Ed25519，C2SP signed-note 验证公钥）", response=LogKeyOut, auth=False)
@proof_limit
def log_key_view() -> Any:
    key = log_key()
    return LogKeyOut(
        name=key.name,
        key_id=key.key_id.hex(),
        verifier_key=key.verifier_key,
        public_key=base64.b64encode(key.public_bytes).decode(),
        public_key_pem=key.public_pem,
    ).model_dump(mode="json")
