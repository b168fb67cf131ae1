"""The worked examples of docs/platform-api.md, recomputed from the document itself.

The keys, the requests, the strings to sign and the signatures are read out of the markdown's tagged code blocks
(```pem ed25519-private-key and so on), so the published specification and the implementation cannot drift.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from standardwebhooks import Webhook

from miniback.errors import Unauthenticated
from miniback.extensions import db, redis_clients
from miniback.models import PlatformKey
from miniback.platform.signing import SignedRequest, identify, verify_request
from signoff.ledger.origin import load_public_key, signature_valid, string_to_sign
from tests.conftest import ROOT
from tests.factories.platform import make_platform

DOC = ROOT / "docs" / "platform-api.md"
AUTHORIZATION = re.compile(
    r'^MINIBACK-SIG-V1 key_id="(?P<key_id>[^"]+)", timestamp="(?P<timestamp>[^"]+)", '
    r'nonce="(?P<nonce>[^"]+)", signature="(?P<signature>[^"]+)"$'
)


def blocks() -> dict[str, str]:
    """Every tagged fenced block of the document, by tag: its exact text (each line ends in a newline)."""
    text = DOC.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in re.finditer(r"^```[a-z]+ ([a-z0-9-]+)\n(.*?)^```$", text, flags=re.M | re.S):
        assert match.group(1) not in found, f"two blocks tagged {match.group(1)}"
        found[match.group(1)] = match.group(2)
    return found


def http_request(text: str) -> tuple[str, str, dict[str, str], bytes]:
    """An HTTP request as the document prints it: request line, headers, a blank line, the body on one line."""
    head, _, body = text.partition("\n\n")
    request_line, *header_lines = head.split("\n")
    method, target, version = request_line.split(" ")
    assert version == "HTTP/1.1"
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(": ")
        headers[name.lower()] = value
    return method, target, headers, body.removesuffix("\n").encode()


def private_key(pem: str) -> ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey)
    return key


def public_pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.mark.parametrize(("tag", "algorithm"), [("ed25519", "ed25519"), ("rsa", "rsa-sha256")])
def test_the_documented_signature_is_what_the_key_gives_for_the_documented_request(tag, algorithm):
    doc = blocks()
    key = private_key(doc[f"{tag}-private-key"])
    # The printed public key belongs to the printed private key, and the interface accepts it as that algorithm.
    assert public_pem(key) == doc[f"{tag}-public-key"]
    registered = load_public_key(doc[f"{tag}-public-key"])
    assert registered.algorithm == algorithm
    assert f"`{registered.fingerprint}`；假定" in DOC.read_text(encoding="utf-8")  # the printed fingerprint

    method, target, headers, body = http_request(doc[f"{tag}-request"])
    auth = AUTHORIZATION.match(headers["authorization"])
    assert auth is not None, headers["authorization"]
    assert re.fullmatch(r"pk_[a-z2-7]{20}", auth["key_id"])
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", auth["nonce"])
    assert datetime.fromisoformat(auth["timestamp"]).utcoffset() is not None  # RFC 3339 with an offset
    if body:
        assert headers["content-type"] == "application/json"

    # The documented string to sign is exactly what the implementation builds from that request.
    message = string_to_sign(method, target, auth["timestamp"], auth["nonce"], body)
    assert message.decode() == doc[f"{tag}-string-to-sign"]
    assert message.endswith(f"{hashlib.sha256(body).hexdigest()}\n".encode())

    # Both algorithms are deterministic: signing again gives the very signature printed, in the header too.
    signature = doc[f"{tag}-signature"].strip()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(message)
    else:
        raw = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    assert base64.b64encode(raw).decode() == signature == auth["signature"]
    assert signature_valid(algorithm, registered.pem, message, signature)
    # A body or path changed after signing no longer verifies.
    for changed_target, changed_body in ((target + "0", body), (target, body + b" ")):
        tampered = string_to_sign(method, changed_target, auth["timestamp"], auth["nonce"], changed_body)
        assert not signature_valid(algorithm, registered.pem, tampered, signature)


def test_the_ed25519_example_body_is_the_documented_bytes_and_digest():
    doc = blocks()
    _, _, _, body = http_request(doc["ed25519-request"])
    text = DOC.read_text(encoding="utf-8")
    assert f"共 {len(body)} 字节" in text
    assert f"请求体的 SHA-256：`{hashlib.sha256(body).hexdigest()}`" in text
    # The example seed is what the document says it is.
    seed = hashlib.sha256("miniback 数据接口规范 示例密钥 ed25519".encode()).digest()
    assert public_pem(ed25519.Ed25519PrivateKey.from_private_bytes(seed)) == doc["ed25519-public-key"]


def test_the_documented_callback_signature_verifies_as_standard_webhooks():
    doc = blocks()
    secret = doc["webhook-secret"].strip()
    _, _, headers, body = http_request(doc["webhook-request"])
    timestamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], timestamp, body.decode())
    assert headers["webhook-signature"] == expected
    # The document's own library-free recipe gives the same answer.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    mac = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{mac}"


@pytest.mark.parametrize("tag", ["ed25519", "rsa"])
def test_the_server_accepts_the_documented_request_at_its_moment_and_refuses_it_replayed(app, tag):
    doc = blocks()
    method, target, headers, body = http_request(doc[f"{tag}-request"])
    auth = AUTHORIZATION.match(headers["authorization"])
    assert auth is not None
    platform = make_platform("testing", private_key=private_key(doc[f"{tag}-private-key"]))
    key = db.session.execute(db.select(PlatformKey).where(PlatformKey.key_id == platform.key_id)).scalar_one()
    key.key_id = auth["key_id"]  # the id the document supposes was issued
    db.session.commit()
    request = SignedRequest(method, target, headers["authorization"], body)
    moment = datetime.fromisoformat(auth["timestamp"])
    values, found = identify(request)
    options = {"skew": timedelta(seconds=300), "nonces": redis_clients.client("nonces")}
    caller = verify_request(request, values, found, now=moment + timedelta(seconds=299), **options)
    assert (caller.client.id, caller.sandbox, caller.signature) == (platform.client.id, True, auth["signature"])
    with pytest.raises(Unauthenticated) as replayed:
        verify_request(request, values, found, now=moment, **options)
    assert replayed.value.code == "nonce_reused"
    with pytest.raises(Unauthenticated) as late:
        verify_request(request, values, found, now=moment + timedelta(seconds=301), **options)
    assert late.value.code == "timestamp_skewed"
