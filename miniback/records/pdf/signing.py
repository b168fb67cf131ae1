"""PAdES signatures on record PDFs, with the platform's document key, so that a standard PDF reader shows each
printed record as unaltered since the platform issued it.

Configuration: ``PDF_SIGNING_KEY_PATH`` (an unencrypted PEM private key, RSA or EC) and ``PDF_SIGNING_CERT_PATH``
(its PEM certificate, optionally followed by the issuing chain). Production refuses to start without both
(``check_document_key``); the demo and the tests generate a self-signed pair in the instance folder the first time
a PDF is signed. The signature is a PAdES baseline B-B signature (``ETSI.CAdES.detached``, SHA-256) over the whole
file.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from miniback.errors import ConfigError
from miniback.models import utcnow

DEFAULT_KEY_FILE = "pdf-document-key.pem"
DEFAULT_CERT_FILE = "pdf-document-cert.pem"
SIGNATURE_FIELD = "miniback-document-signature"
REASON = "维保记录单由平台出具，签名后任何改动都会使签名失效"
LOCATION = "广州"
_EXTENSION = "miniback.pdf_document_signer"


def self_signed_pair(common_name: str = "miniback 演示文档签名证书（自签名）") -> tuple[bytes, bytes]:
    """A fresh EC P-256 key and a self-signed certificate for it (PEM), for the demo and the tests."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "miniback"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = utcnow()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def _write_once(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pdf-key-")
    try:
        os.chmod(temporary, mode)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        with contextlib.suppress(FileExistsError):  # another process made it first: keep theirs
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _ensure_demo_pair(folder: Path) -> tuple[Path, Path]:
    """The demo's (or tests') self-signed pair, made once; parallel processes end up with the same pair."""
    key_path, cert_path = folder / DEFAULT_KEY_FILE, folder / DEFAULT_CERT_FILE
    if not (key_path.exists() and cert_path.exists()):
        key_pem, cert_pem = self_signed_pair()
        # One file holding both, linked into place first, makes the pair atomic: a loser's key never meets the
        # winner's certificate.
        combined = folder / ".pdf-document-pair.pem"
        _write_once(combined, key_pem + cert_pem, 0o600)
        data = combined.read_bytes()
        split = data.index(b"-----BEGIN CERTIFICATE-----")
        _write_once(key_path, data[:split], 0o600)
        _write_once(cert_path, data[split:], 0o644)
    return key_path, cert_path


def load_signer(key_path: str | Path, cert_path: str | Path) -> signers.SimpleSigner:
    try:
        key = load_private_key_from_pemder(str(key_path), passphrase=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"MINIBACK_PDF_SIGNING_KEY_PATH: cannot load the document key {key_path}: {exc}") from None
    try:
        certificates = list(load_certs_from_pemder([str(cert_path)]))
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"MINIBACK_PDF_SIGNING_CERT_PATH: cannot load the certificate {cert_path}: {exc}") from None
    if not certificates:
        raise ConfigError(f"MINIBACK_PDF_SIGNING_CERT_PATH: {cert_path} holds no certificate")
    signing_cert = certificates[0]
    return signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(certificates),
    )


def check_document_key(config: Any) -> None:
    """Production: refuse to start without a loadable document key and certificate (``create_app`` calls this)."""
    key_path, cert_path = config.get("PDF_SIGNING_KEY_PATH"), config.get("PDF_SIGNING_CERT_PATH")
    if not key_path or not cert_path:
        raise ConfigError(
            "production mode needs MINIBACK_PDF_SIGNING_KEY_PATH and MINIBACK_PDF_SIGNING_CERT_PATH"
            " (the platform's document key and certificate that sign record PDFs)"
        )
    load_signer(key_path, cert_path)


def document_signer() -> signers.SimpleSigner:
    """The app's document signer (loaded once per app)."""
    app = current_app
    signer = app.extensions.get(_EXTENSION)
    if signer is None:
        key_path, cert_path = app.config.get("PDF_SIGNING_KEY_PATH"), app.config.get("PDF_SIGNING_CERT_PATH")
        if not key_path or not cert_path:
            if app.config["ENV_MODE"] == "production":
                raise ConfigError(
                    "production mode needs MINIBACK_PDF_SIGNING_KEY_PATH and MINIBACK_PDF_SIGNING_CERT_PATH"
                )
            key_path, cert_path = _ensure_demo_pair(Path(app.instance_path))
        signer = load_signer(key_path, cert_path)
        app.extensions[_EXTENSION] = signer
    assert isinstance(signer, signers.SimpleSigner)
    return signer


def document_certificate_pem() -> bytes:
    """The signing certificate, PEM: what a reader adds to its trust list to see the signature as trusted."""
    signer = document_signer()
    assert signer.signing_cert is not None
    return signer.signing_cert.dump()


def sign_pdf(data: bytes) -> bytes:
    """``data`` (a finished PDF) with the platform's PAdES signature appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASON,
        location=LOCATION,
    )
    output = signers.sign_pdf(writer, metadata, signer=document_signer())
    return output.getvalue()
