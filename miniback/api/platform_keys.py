"""A platform rotates its own keys with signed requests: register a new public key, retire an old one (at most two
active, never none). The history names the signing key instead of an operator."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from miniback.api.platform_auth import current_caller, platform_required
from miniback.api.schemas.platforms import KeyIn, PlatformKeyOut, key_out
from miniback.api.validation import documented, json_body
from miniback.extensions import db
from miniback.platform.clients import add_key, retire_key

bp = Blueprint("platform_keys", __name__)


@bp.post("/platform/keys")
@documented(
    "签名请求（MINIBACK-SIG-V1，见 docs/platform-api.md）。平台登记新公钥（最多 2 个有效公钥）：返回新 key_id，"
    "此后即可用新私钥签名",
    body=KeyIn,
    response=PlatformKeyOut,
    status=201,
)
@platform_required(operation="keys")
def add_own_key() -> Any:
    caller = current_caller()
    key = add_key(caller.client, json_body(KeyIn).public_key_pem, actor=None, signing_key_id=caller.key.key_id)
    out = key_out(key).model_dump(mode="json")
    db.session.commit()
    return out, 201


@bp.delete("/platform/keys/<string:key>")
@documented(
    "签名请求（MINIBACK-SIG-V1，见 docs/platform-api.md）。平台停用自己的一个公钥（不能停用唯一的有效公钥；"
    "可以停用本次签名所用的公钥）",
    response=PlatformKeyOut,
)
@platform_required(operation="keys")
def retire_own_key(key: str) -> Any:
    caller = current_caller()
    retired = retire_key(caller.client, key, actor=None, signing_key_id=caller.key.key_id)
    out = key_out(retired).model_dump(mode="json")
    db.session.commit()
    return out
