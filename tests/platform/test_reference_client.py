"""The reference client (docs/platform-client/miniback_platform_client.py) signs exactly as the specification says:
against the document's worked example, and against a local HTTP receiver that checks what really went over the
wire with the server's own parser and verifier."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from standardwebhooks import Webhook

from miniback.platform.signing import parse_authorization
from signoff.ledger.origin import signature_valid, string_to_sign
from tests.conftest import ROOT
from tests.platform.test_worked_example import AUTHORIZATION, blocks, http_request

CLIENT_PATH = ROOT / "docs" / "platform-client" / "miniback_platform_client.py"


def load_client() -> ModuleType:
    spec = importlib.util.spec_from_file_location("miniback_platform_client", CLIENT_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


mpc = load_client()


class Receiver(ThreadingHTTPServer):
    """Answers each request with the next scripted (status, body, headers) and keeps what it received."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: list[dict[str, Any]] = []
        self.script: list[tuple[int, Any, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.received.append(
            {"method": self.command, "target": self.path, "headers": dict(self.headers), "body": body}
        )
        status, answer, headers = self.server.script.pop(0) if self.server.script else (200, {"ok": True}, {})
        raw = json.dumps(answer).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def key_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_of(pem: bytes) -> str:
    key = serialization.load_pem_private_key(pem, password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def assert_signed(received: dict[str, Any], key_pem: bytes, key_id: str = "pk_aaaaaaaaaaaaaaaaaaaa") -> dict[str, str]:
    """The request as it arrived verifies with the server's own header parser and signature check."""
    values = parse_authorization(received["headers"]["Authorization"])
    assert values["key_id"] == key_id
    message = string_to_sign(
        received["method"], received["target"], values["timestamp"], values["nonce"], received["body"]
    )
    private = serialization.load_pem_private_key(key_pem, password=None)
    algorithm = "ed25519" if isinstance(private, ed25519.Ed25519PrivateKey) else "rsa-sha256"
    assert signature_valid(algorithm, public_of(key_pem), message, values["signature"])
    assert datetime.fromisoformat(values["timestamp"]).utcoffset() is not None
    return values


@pytest.mark.parametrize("tag", ["ed25519", "rsa"])
def test_the_client_reproduces_the_documented_authorization_header(tag):
    doc = blocks()
    method, target, headers, body = http_request(doc[f"{tag}-request"])
    documented = AUTHORIZATION.match(headers["authorization"])
    assert documented is not None
    key = mpc.load_private_key(doc[f"{tag}-private-key"].encode())
    header = mpc.authorization(
        key, documented["key_id"], method, target, body, timestamp=documented["timestamp"], nonce=documented["nonce"]
    )
    assert header == headers["authorization"]
    assert (
        mpc.string_to_sign(method, target, documented["timestamp"], documented["nonce"], body).decode()
        == doc[f"{tag}-string-to-sign"]
    )


def test_an_upload_goes_out_as_compact_utf8_json_signed_over_the_exact_bytes(receiver, key_pem):
    client = mpc.PlatformClient(receiver.url, "pk_aaaaaaaaaaaaaaaaaaaa", key_pem)
    record = {"platform_record_id": "YT-1", "remarks": "机房通风良好"}
    receiver.script.append((201, {"result": "created"}, {}))
    assert client.upload_record(record) == (201, {"result": "created"})
    [sent] = receiver.received
    assert (sent["method"], sent["target"]) == ("POST", "/api/v1/platform/records")
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["body"] == json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
    assert_signed(sent, key_pem)


def test_a_query_is_signed_as_sent_and_a_get_has_no_body(receiver, key_pem):
    client = mpc.PlatformClient(receiver.url + "/", "pk_aaaaaaaaaaaaaaaaaaaa", key_pem)
    client.elevators(device_code="31104401002019000101", registration_code=None, per_page=20)
    client.get_record("YT:2026/12")
    first, second = receiver.received
    assert first["target"] == "/api/v1/platform/elevators?device_code=31104401002019000101&per_page=20"
    assert second["target"] == "/api/v1/platform/records/YT%3A2026%2F12"
    for sent in (first, second):
        assert sent["body"] == b"" and "Content-Type" not in sent["headers"]
        assert_signed(sent, key_pem)


def test_an_rsa_key_signs_with_pkcs1_v15(receiver):
    pem = rsa.generate_private_key(65537, 2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    mpc.PlatformClient(receiver.url, "pk_aaaaaaaaaaaaaaaaaaaa", pem).me()
    [sent] = receiver.received
    values = parse_authorization(sent["headers"]["Authorization"])
    message = string_to_sign("GET", "/api/v1/platform/me", values["timestamp"], values["nonce"], b"")
    assert signature_valid("rsa-sha256", public_of(pem), message, values["signature"])


def test_a_retry_is_signed_afresh_with_a_new_nonce_and_the_same_body(receiver, key_pem):
    client = mpc.PlatformClient(receiver.url, "pk_aaaaaaaaaaaaaaaaaaaa", key_pem, retries=2)
    receiver.script += [(503, {"error": {"code": "nonce_store_unavailable"}}, {"Retry-After": "0"})] * 2
    receiver.script.append((200, {"result": "duplicate"}, {}))
    assert client.upload_batch([{"platform_record_id": "YT-1"}]) == (200, {"result": "duplicate"})
    assert len(receiver.received) == 3
    nonces = {assert_signed(sent, key_pem)["nonce"] for sent in receiver.received}
    assert len(nonces) == 3
    assert {sent["body"] for sent in receiver.received} == {b'{"records":[{"platform_record_id":"YT-1"}]}'}


def test_without_retries_an_error_answer_is_returned_as_is(receiver, key_pem):
    receiver.script.append((409, {"error": {"code": "idempotency_conflict"}}, {}))
    client = mpc.PlatformClient(receiver.url, "pk_aaaaaaaaaaaaaaaaaaaa", key_pem, retries=3)
    assert client.upload_record({"platform_record_id": "YT-1"}) == (409, {"error": {"code": "idempotency_conflict"}})
    assert len(receiver.received) == 1  # a 409 is not retried


def test_the_command_line_uploads_a_file_and_exits_by_the_answer(receiver, key_pem, tmp_path):
    (tmp_path / "key.pem").write_bytes(key_pem)
    (tmp_path / "record.json").write_text(
        json.dumps({"platform_record_id": "YT-7", "remarks": "正常"}), encoding="utf-8"
    )
    receiver.script += [(201, {"result": "created"}, {}), (422, {"error": {"code": "validation_error"}}, {})]
    command = [sys.executable, str(CLIENT_PATH), "--base-url", receiver.url, "--key-id", "pk_aaaaaaaaaaaaaaaaaaaa"]
    command += ["--private-key", str(tmp_path / "key.pem"), "upload", str(tmp_path / "record.json")]
    created = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout) == {"status": 201, "body": {"result": "created"}}
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and json.loads(refused.stdout)["body"]["error"]["code"] == "validation_error"
    assert json.loads(receiver.received[0]["body"]) == {"platform_record_id": "YT-7", "remarks": "正常"}
    assert_signed(receiver.received[0], key_pem)
    missing = subprocess.run([*command[:-1], str(tmp_path / "absent.json")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "错误" in missing.stderr


def test_verify_callback_accepts_a_standard_webhook_and_refuses_a_changed_or_stale_one():
    secret = blocks()["webhook-secret"].strip()
    body = '{"type":"record.signed","data":{"platform_record_id":"YT-1"}}'
    now = datetime.now(UTC)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp()))}
    headers["webhook-signature"] = Webhook(secret).sign("msg_1", now, body)
    assert mpc.verify_callback(secret, headers, body.encode())
    assert mpc.verify_callback(secret, {name.upper(): value for name, value in headers.items()}, body.encode())
    assert not mpc.verify_callback(secret, headers, body.encode() + b" ")
    stale = {**headers, "webhook-timestamp": str(int(now.timestamp()) - 301)}
    assert not mpc.verify_callback(secret, stale, body.encode())
    # The document's example verifies too, at its own moment.
    _, _, documented, raw = http_request(blocks()["webhook-request"])
    assert mpc.verify_callback(secret, documented, raw, tolerance=10**10)
