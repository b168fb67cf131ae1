"""Signed requests from platforms: the ``Authorization`` header, the time window, the replay nonce and the
signature (docs/platform-api.md, 签名认证).

``Authorization: MINIBACK-SIG-V1 key_id="pk_…", timestamp="2026-12-03T14:05:00+08:00", nonce="…", signature="…"``
over ``signoff.ledger.origin.string_to_sign``. The order of the checks matters: nothing is remembered (no nonce
spent, no status revealed) for a request whose signature does not verify.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError

from miniback.errors import Forbidden, Unauthenticated, Unavailable
from miniback.extensions import db
from miniback.models import PlatformClient, PlatformKey
from signoff.ledger.origin import signature_valid, string_to_sign

SCHEME = "MINIBACK-SIG-V1"
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEY_ID_PATTERN = re.compile(r"^pk_[a-z2-7]{20}$")
# RFC 3339 with an offset (``Z`` or ``±hh:mm``), seconds required, at most microseconds.
TIMESTAMP_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
PARAMETER = re.compile(r'\s*([a-z_]+)="([^"]*)"\s*(?:,|$)')
PARAMETERS = ("key_id", "timestamp", "nonce", "signature")
NONCE_KEY = "miniback:platform-nonce:{key_id}:{nonce}"
# How long a refused platform should wait when the nonce store is unreachable.
NONCE_STORE_RETRY_AFTER = 5


def new_key_id() -> str:
    """A fresh key id: ``pk_`` and 20 lowercase base32 characters (100 random bits)."""
    return "pk_" + base64.b32encode(secrets.token_bytes(15)).decode().lower()[:20]


class SignatureRefused(Unauthenticated):
    code = "signature_invalid"
    message = "签名校验失败：请按接口规范重新计算签名"


@dataclass(frozen=True)
class SignedRequest:
    """What the HTTP edge hands over: the request exactly as it arrived."""

    method: str
    path_and_query: str
    authorization: str | None
    body: bytes


@dataclass(frozen=True)
class Caller:
    """A verified platform request: who signed it, with which key, and the signed values (kept as evidence)."""

    client: PlatformClient
    key: PlatformKey
    timestamp: str
    nonce: str
    signature: str
    # A platform under test (``testing``) uses the sandbox: answered as in production, kept apart. Fixed when the
    # request is verified: one request is all sandbox or all production, even if the status changes meanwhile.
    sandbox: bool


def parse_authorization(header: str | None) -> dict[str, str]:
    """The header's four parameters, or 401 ``authorization_malformed`` saying what is wrong."""
    if not header:
        raise Unauthenticated(f"缺少 Authorization 请求头（{SCHEME} 签名）", code="authorization_missing")
    scheme, _, rest = header.strip().partition(" ")
    if scheme != SCHEME:
        raise Unauthenticated(f"Authorization 须以 {SCHEME} 开头", code="authorization_malformed")
    values: dict[str, str] = {}
    position = 0
    rest = rest.strip()
    while position < len(rest):
        match = PARAMETER.match(rest, position)
        if match is None or match.group(1) in values:
            raise Unauthenticated(
                'Authorization 格式有误：参数须为 name="value"，以逗号分隔，且不重复', code="authorization_malformed"
            )
        values[match.group(1)] = match.group(2)
        position = match.end()
    missing = [name for name in PARAMETERS if not values.get(name)]
    if missing or set(values) - set(PARAMETERS):
        raise Unauthenticated(
            f"Authorization 须含且仅含 {', '.join(PARAMETERS)}" + (f"，缺少 {', '.join(missing)}" if missing else ""),
            code="authorization_malformed",
        )
    if not NONCE_PATTERN.match(values["nonce"]):
        raise Unauthenticated("nonce 须为 16–64 位字母、数字、下划线或连字符", code="authorization_malformed")
    if not TIMESTAMP_PATTERN.match(values["timestamp"]):
        raise Unauthenticated(
            "timestamp 须为带时区的 RFC 3339 时间，例如 2026-12-03T14:05:00+08:00", code="authorization_malformed"
        )
    return values


def _signing_key(key_id: str) -> PlatformKey:
    key = None
    if KEY_ID_PATTERN.match(key_id):
        key = db.session.execute(db.select(PlatformKey).where(PlatformKey.key_id == key_id)).scalar_one_or_none()
    if key is None:
        raise Unauthenticated("未知的密钥编号 key_id", code="key_unknown")
    if key.retired_at is not None:
        raise Unauthenticated("该密钥已停用，请使用有效密钥签名", code="key_retired")
    return key


def _check_window(timestamp: str, now: datetime, skew: timedelta) -> None:
    signed_at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if abs(now - signed_at) > skew:
        raise Unauthenticated(
            f"请求时间与服务器时间相差超过 {int(skew.total_seconds())} 秒，请校准时钟后重新签名",
            code="timestamp_skewed",
        )


def _check_status(client: PlatformClient) -> None:
    if client.status == "suspended":
        raise Forbidden("该平台已被暂停对接，暂不能调用接口", code="platform_suspended")
    if client.status == "revoked":
        raise Forbidden("该平台的对接资格已被撤销", code="platform_revoked")


def _spend_nonce(nonces: Redis, key_id: str, nonce: str, ttl: timedelta) -> None:
    """Remember the nonce for the window (SET NX): a second use inside it is a replay. Without the store nothing
    is accepted unchecked: 503 with ``Retry-After``."""
    try:
        fresh = nonces.set(NONCE_KEY.format(key_id=key_id, nonce=nonce), 1, nx=True, ex=ttl)
    except RedisError:
        raise Unavailable(
            "防重放校验暂时不可用，请稍后重试（请求未被处理）",
            code="nonce_store_unavailable",
            retry_after=NONCE_STORE_RETRY_AFTER,
        ) from None
    if not fresh:
        raise Unauthenticated("该 nonce 已使用过：每个请求须使用新的 nonce", code="nonce_reused")


def identify(request: SignedRequest) -> tuple[dict[str, str], PlatformKey]:
    """The header's parameters and the key it names (before anything is verified: the call log needs to know
    whose request was refused)."""
    values = parse_authorization(request.authorization)
    return values, _signing_key(values["key_id"])


def verify_request(
    request: SignedRequest,
    values: dict[str, str],
    key: PlatformKey,
    *,
    now: datetime,
    skew: timedelta,
    nonces: Redis,
) -> Caller:
    """Check the window, the signature, the platform's status and the nonce, in that order."""
    _check_window(values["timestamp"], now, skew)
    message = string_to_sign(request.method, request.path_and_query, values["timestamp"], values["nonce"], request.body)
    if not signature_valid(key.algorithm, key.public_key_pem, message, values["signature"]):
        raise SignatureRefused()
    client = db.session.get(PlatformClient, key.platform_client_id)
    assert client is not None
    _check_status(client)
    # The window on both sides plus a minute: a nonce is remembered for as long as its timestamp could be valid.
    _spend_nonce(nonces, key.key_id, values["nonce"], 2 * skew + timedelta(seconds=60))
    return Caller(
        client, key, values["timestamp"], values["nonce"], values["signature"], sandbox=client.status == "testing"
    )
