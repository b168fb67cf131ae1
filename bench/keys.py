"""Throwaway keys for benches that run the app in production mode, which requires them: the ledger's Ed25519 log
key (it signs checkpoints) and the document key and certificate that sign record PDFs."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path


@cache
def bench_key_env() -> dict[str, str]:
    """The settings naming a fresh log key and document key pair, written once per bench process."""
    from miniback.records.pdf.signing import self_signed_pair
    from signoff.ledger.logkey import write_new_key

    folder = Path(tempfile.mkdtemp(prefix="miniback-bench-keys-"))
    write_new_key(folder / "ledger-log-key.pem")
    key_pem, cert_pem = self_signed_pair("miniback 基准测试文档签名证书（自签名）")
    (folder / "document-key.pem").write_bytes(key_pem)
    (folder / "document-cert.pem").write_bytes(cert_pem)
    return {
        "MINIBACK_LEDGER_LOG_KEY_PATH": str(folder / "ledger-log-key.pem"),
        "MINIBACK_PDF_SIGNING_KEY_PATH": str(folder / "document-key.pem"),
        "MINIBACK_PDF_SIGNING_CERT_PATH": str(folder / "document-cert.pem"),
    }
