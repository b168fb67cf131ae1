"""Evidence of origin for records uploaded by a platform: the string a platform signs, and checking a signature
against the public key it registered (Ed25519, or RSA with SHA-256 and PKCS#1 v1.5).

Asymmetric on purpose: only the platform holds the private key, so a stored signature proves the platform sent
exactly that request (non-repudiation, which a shared HMAC secret cannot give), and a leaked database holds no
secret. The request authentication at the API edge and ``ledger verify`` both use these functions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

ALGORITHMS = ("ed25519", "rsa-sha256")
RSA_MIN_BITS, RSA_MAX_BITS = 2048, 4096


class KeyRefused(ValueError):
    """A public key the interface does not accept; the message says why, in Chinese."""


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    pem: str  # normalised SubjectPublicKeyInfo PEM
    fingerprint: str  # SHA-256 of the DER SubjectPublicKeyInfo, hex


def string_to_sign(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nhex(SHA-256(body))\\n``, UTF-8 (docs/platform-api.md, 签名)."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path_and_query}\n{timestamp}\n{nonce}\n{digest}\n".encode()


def load_public_key(pem: str) -> PublicKey:
    """Parse a PEM public key a platform registers: Ed25519, or RSA of 2048 to 4096 bits."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, UnsupportedAlgorithm):
        raise KeyRefused("无法解析公钥：请提交 PEM 格式（-----BEGIN PUBLIC KEY-----）的 Ed25519 或 RSA 公钥") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        algorithm = "ed25519"
    elif isinstance(key, rsa.RSAPublicKey):
        if not RSA_MIN_BITS <= key.key_size <= RSA_MAX_BITS:
            raise KeyRefused(f"RSA 公钥长度须为 {RSA_MIN_BITS}–{RSA_MAX_BITS} 位，收到 {key.key_size} 位")
        algorithm = "rsa-sha256"
    else:
        raise KeyRefused("只接受 Ed25519 或 RSA（SHA-256，PKCS#1 v1.5）公钥")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    normalised = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return PublicKey(algorithm, normalised.decode(), hashlib.sha256(der).hexdigest())


def signature_valid(algorithm: str, public_key_pem: str, message: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` (standard base64) is a valid signature of ``message`` by that key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    key = serialization.load_pem_public_key(public_key_pem.encode())
    try:
        if algorithm == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
            return True
        if algorithm == "rsa-sha256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            return True
    except InvalidSignature:
        return False
    return False
