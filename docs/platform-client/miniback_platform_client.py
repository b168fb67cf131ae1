#!/usr/bin/env python3
"""Reference client for the miniback platform data interface (数据接口参考客户端), docs/platform-api.md.

Python 3.9+, only the standard library and ``cryptography`` (``pip install cryptography``). As a command:

    python miniback_platform_client.py --base-url https://lift.example.gov.cn --key-id pk_... \\
        --private-key private_key.pem upload record.json

commands: me, upload FILE, batch FILE, get PLATFORM_RECORD_ID, delay-notice FILE, units, elevators, staff,
callback-secret, sandbox-event PLATFORM_RECORD_ID EVENT, add-key PUBLIC_PEM, retire-key KEY_ID.
It prints the answer's JSON and exits 0 on a 2xx answer, 1 otherwise (2 for a usage or network error).

As a module:

    from miniback_platform_client import PlatformClient
    client = PlatformClient("https://lift.example.gov.cn", "pk_...", open("private_key.pem", "rb").read())
    status, answer = client.upload_record(record)

Every attempt is signed afresh (a new timestamp and nonce): a retry never reuses a nonce, and the platform's own
record id keeps it idempotent (docs/platform-api.md §6).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

SCHEME = "MINIBACK-SIG-V1"
API_PREFIX = "/api/v1/platform"
RETRY_STATUSES = {429, 500, 502, 503, 504}


def string_to_sign(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nhex(SHA-256(body))\\n`` in UTF-8 (docs/platform-api.md §3.2)."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path_and_query}\n{timestamp}\n{nonce}\n{digest}\n".encode()


def load_private_key(pem: bytes, password: bytes | None = None) -> ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=password)
    if not isinstance(key, (ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey)):
        raise ValueError("only Ed25519 and RSA private keys sign platform requests")
    return key


def sign(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey, message: bytes) -> str:
    """Ed25519, or RSASSA-PKCS1-v1_5 with SHA-256; standard base64."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(message)
    else:
        raw = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def rfc3339_now() -> str:
    """Now, in RFC 3339 with an offset and whole seconds (``2026-12-03T06:05:00+00:00``)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")  # noqa: UP017 (runs on Python 3.9+)


def authorization(
    key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey,
    key_id: str,
    method: str,
    path_and_query: str,
    body: bytes,
    *,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> str:
    """The ``Authorization`` header value for one request."""
    timestamp = timestamp or rfc3339_now()
    nonce = nonce or secrets.token_urlsafe(24)  # 32 characters of A-Z a-z 0-9 _ -
    signature = sign(key, string_to_sign(method, path_and_query, timestamp, nonce, body))
    return f'{SCHEME} key_id="{key_id}", timestamp="{timestamp}", nonce="{nonce}", signature="{signature}"'


def verify_callback(secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300) -> bool:
    """Whether a callback (Standard Webhooks) is genuine: its signature over ``id.timestamp.body`` with the
    ``whsec_`` secret, and its timestamp within ``tolerance`` seconds of now (docs/platform-api.md §10)."""
    lower = {name.lower(): value for name, value in headers.items()}
    webhook_id, stamp, signatures = (
        lower.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    )
    if not (webhook_id and stamp.isdigit() and signatures) or abs(time.time() - int(stamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    return any(
        hmac.compare_digest(expected, part.split(",", 1)[-1]) for part in signatures.split() if part.startswith("v1,")
    )


class PlatformClient:
    """Signs and sends requests to ``<base_url>/api/v1/platform/...``; each method returns (HTTP status, JSON)."""

    def __init__(
        self, base_url: str, key_id: str, private_key_pem: bytes, *, timeout: float = 30, retries: int = 0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self.key = load_private_key(private_key_pem)
        self.timeout = timeout
        self.retries = retries

    def request(
        self, method: str, path: str, payload: Any = None, query: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """One call; ``path`` is below /api/v1/platform. Network errors, 429 and 5xx are retried ``retries`` times
        with backoff, each attempt signed afresh."""
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        pairs = {name: value for name, value in (query or {}).items() if value is not None}
        url = self.base_url + API_PREFIX + path + (f"?{urllib.parse.urlencode(pairs)}" if pairs else "")
        parts = urllib.parse.urlsplit(url)
        signed_target = parts.path + (f"?{parts.query}" if parts.query else "")  # exactly the request line's target
        for attempt in range(self.retries + 1):
            headers = {"Authorization": authorization(self.key, self.key_id, method, signed_target, body)}
            if payload is not None:
                headers["Content-Type"] = "application/json"
            request = urllib.request.Request(
                url, data=body if payload is not None else None, method=method, headers=headers
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    status, raw = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, raw = error.code, error.read()
                retry_after = error.headers.get("Retry-After")
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if attempt == self.retries:
                    raise
                time.sleep(min(2**attempt, 30))
                continue
            else:
                retry_after = None
            if status in RETRY_STATUSES and attempt < self.retries:
                time.sleep(int(retry_after) if retry_after and retry_after.isdigit() else min(2**attempt, 30))
                continue
            try:
                return status, json.loads(raw) if raw else None
            except ValueError:
                return status, {"error": {"code": "not_json", "message": raw.decode("utf-8", "replace")[:500]}}
        raise AssertionError("unreachable")

    def me(self) -> tuple[int, Any]:
        return self.request("GET", "/me")

    def upload_record(self, record: dict[str, Any]) -> tuple[int, Any]:
        return self.request("POST", "/records", record)

    def upload_batch(self, records: list[dict[str, Any]]) -> tuple[int, Any]:
        return self.request("POST", "/records/batch", {"records": records})

    def get_record(self, platform_record_id: str) -> tuple[int, Any]:
        return self.request("GET", "/records/" + urllib.parse.quote(platform_record_id, safe=""))

    def delay_notice(self, notice: dict[str, Any]) -> tuple[int, Any]:
        return self.request("POST", "/delay-notices", notice)

    def units(self) -> tuple[int, Any]:
        return self.request("GET", "/units")

    def elevators(self, **query: Any) -> tuple[int, Any]:
        return self.request("GET", "/elevators", query=query)

    def staff(self, **query: Any) -> tuple[int, Any]:
        return self.request("GET", "/staff", query=query)

    def callback_secret(self) -> tuple[int, Any]:
        return self.request("GET", "/callback-secret")

    def sandbox_event(self, platform_record_id: str, event: str) -> tuple[int, Any]:
        quoted = urllib.parse.quote(platform_record_id, safe="")
        return self.request("POST", f"/sandbox/records/{quoted}/events", {"event": event})

    def add_key(self, public_key_pem: str) -> tuple[int, Any]:
        return self.request("POST", "/keys", {"public_key_pem": public_key_pem})

    def retire_key(self, key_id: str) -> tuple[int, Any]:
        return self.request("DELETE", "/keys/" + urllib.parse.quote(key_id, safe=""))


def _json_file(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _batch_records(data: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = data["records"] if isinstance(data, dict) else data
    return records


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description="miniback 数据接口参考客户端（docs/platform-api.md）")
    cli.add_argument("--base-url", required=True, help="本平台地址，例如 https://lift.example.gov.cn")
    cli.add_argument("--key-id", required=True, help="登记公钥时发放的密钥编号 pk_…")
    cli.add_argument("--private-key", required=True, help="私钥 PEM 文件（Ed25519 或 RSA）")
    cli.add_argument("--timeout", type=float, default=30)
    cli.add_argument("--retries", type=int, default=0, help="网络错误、429、5xx 时重试次数（每次重新签名）")
    commands = cli.add_subparsers(dest="command", required=True)
    commands.add_parser("me", help="本平台信息（连通测试）")
    commands.add_parser("upload", help="上传一条维保记录").add_argument("file")
    commands.add_parser("batch", help='批量上传：{"records": [...]} 或 [...]').add_argument("file")
    commands.add_parser("get", help="回读一条记录").add_argument("platform_record_id")
    commands.add_parser("delay-notice", help="提交延期说明").add_argument("file")
    commands.add_parser("units", help="已授权本平台的维保单位")
    elevators = commands.add_parser("elevators", help="匹配授权单位的电梯")
    for name in ("--device-code", "--registration-code", "--maintenance-unit-id", "--page", "--per-page"):
        elevators.add_argument(name)
    staff = commands.add_parser("staff", help="授权单位的在职维保人员")
    staff.add_argument("--maintenance-unit-id")
    staff.add_argument("--certificate-no")
    commands.add_parser("callback-secret", help="回调签名密钥")
    event = commands.add_parser("sandbox-event", help="沙箱：模拟签名确认结果")
    event.add_argument("platform_record_id")
    event.add_argument("event", choices=["signed", "default_confirmed", "objected"])
    commands.add_parser("add-key", help="登记新公钥（轮换）").add_argument("public_key_pem_file")
    commands.add_parser("retire-key", help="停用一把公钥").add_argument("key_id")
    return cli


def run(args: argparse.Namespace) -> tuple[int, Any]:
    client = PlatformClient(
        args.base_url, args.key_id, Path(args.private_key).read_bytes(), timeout=args.timeout, retries=args.retries
    )
    command = args.command
    if command == "me":
        return client.me()
    if command == "upload":
        return client.upload_record(_json_file(args.file))
    if command == "batch":
        return client.upload_batch(_batch_records(_json_file(args.file)))
    if command == "get":
        return client.get_record(args.platform_record_id)
    if command == "delay-notice":
        return client.delay_notice(_json_file(args.file))
    if command == "units":
        return client.units()
    if command == "elevators":
        names = ("device_code", "registration_code", "maintenance_unit_id", "page", "per_page")
        return client.elevators(**{name: getattr(args, name) for name in names})
    if command == "staff":
        return client.staff(maintenance_unit_id=args.maintenance_unit_id, certificate_no=args.certificate_no)
    if command == "callback-secret":
        return client.callback_secret()
    if command == "sandbox-event":
        return client.sandbox_event(args.platform_record_id, args.event)
    if command == "add-key":
        return client.add_key(Path(args.public_key_pem_file).read_text(encoding="utf-8"))
    return client.retire_key(args.key_id)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status, answer = run(args)
    except (OSError, ValueError) as error:  # an unreadable file or key, a refused connection, bad JSON
        print(f"错误：{error}", file=sys.stderr)
        return 2
    print(json.dumps({"status": status, "body": answer}, ensure_ascii=False, indent=2))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
