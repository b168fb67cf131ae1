"""The platform's Ed25519 log key, which signs every checkpoint, and the stored signed checkpoints.

Configuration: ``LEDGER_LOG_KEY_PATH`` (a PEM PKCS#8 Ed25519 private key, ``flask ledger log-key-new PATH`` writes
one) and ``LEDGER_LOG_NAME`` (the key name and checkpoint origin; default ``<host of PUBLIC_BASE_URL>/ledger``).
Production refuses to start without a readable key (``check_log_key``). The demo and the tests generate one in the
instance folder the first time it is needed.

The key never changes what is stored: a checkpoint is signed once, by the builder, in the transaction that
publishes it (``sign_checkpoint``); the verification page and the witness check the stored note against the public
key. Someone who can rewrite the database but does not hold the key cannot produce a valid note for a forged root.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import current_app

from miniback.errors import ConfigError
from miniback.extensions import db
from miniback.models import LedgerCheckpoint, LedgerCheckpointSignature, utcnow
from signoff.ledger.signed_note import LogKey, log_key_from_private, signed_checkpoint_text

DEFAULT_KEY_FILE = "ledger-log-key.pem"
_EXTENSION = "miniback.ledger_log_key"


def new_private_key_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_new_key(path: str | Path) -> None:
    """Write a fresh private key to ``path`` (mode 0600), refusing to replace an existing file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(new_private_key_pem())


def _ensure_key_file(path: Path) -> None:
    """Create the demo's or tests' key once, atomically (parallel processes all end up with the same key)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".log-key-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(new_private_key_pem())
        with contextlib.suppress(FileExistsError):  # another process created it first: keep theirs
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def log_name(config: Any) -> str:
    name = config.get("LEDGER_LOG_NAME")
    if name:
        return str(name)
    host = urlsplit(str(config.get("PUBLIC_BASE_URL") or "")).hostname or "miniback.local"
    return f"{host}/ledger"


def load_log_key(path: str | Path, name: str) -> LogKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"MINIBACK_LEDGER_LOG_KEY_PATH: cannot read the log key {path}: {exc.strerror}") from None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigError(f"MINIBACK_LEDGER_LOG_KEY_PATH: {path} is not an unencrypted PEM private key") from None
    if not isinstance(private, ed25519.Ed25519PrivateKey):
        raise ConfigError(f"MINIBACK_LEDGER_LOG_KEY_PATH: {path} is not an Ed25519 key")
    try:
        return log_key_from_private(name, private)
    except ValueError as exc:
        raise ConfigError(f"MINIBACK_LEDGER_LOG_NAME: {exc}") from None


def check_log_key(config: Any) -> None:
    """Production: refuse to start without a readable Ed25519 log key (``create_app`` calls this)."""
    path = config.get("LEDGER_LOG_KEY_PATH")
    if not path:
        raise ConfigError(
            "production mode needs MINIBACK_LEDGER_LOG_KEY_PATH (the checkpoints' Ed25519 log key;"
            " `flask ledger log-key-new PATH` writes one)"
        )
    load_log_key(path, log_name(config))


def log_key() -> LogKey:
    """The app's log key (loaded once per app)."""
    app = current_app
    key = app.extensions.get(_EXTENSION)
    if key is None:
        path = app.config.get("LEDGER_LOG_KEY_PATH")
        if not path:
            if app.config["ENV_MODE"] == "production":
                raise ConfigError("production mode needs MINIBACK_LEDGER_LOG_KEY_PATH")
            path = Path(app.instance_path) / DEFAULT_KEY_FILE
            _ensure_key_file(path)
        key = load_log_key(path, log_name(app.config))
        app.extensions[_EXTENSION] = key
    assert isinstance(key, LogKey)
    return key


def sign_checkpoint(checkpoint: LedgerCheckpoint) -> LedgerCheckpointSignature:
    """Sign a checkpoint the builder publishes, in its transaction (flushes, never commits)."""
    key = log_key()
    signature = LedgerCheckpointSignature(
        tree_size=checkpoint.tree_size,
        key_id=key.key_id.hex(),
        signed_note=signed_checkpoint_text(checkpoint, key),
        created_at=utcnow(),
    )
    db.session.add(signature)
    return signature


def stored_signed_note(tree_size: int) -> str | None:
    """The published signed note of the checkpoint of ``tree_size``; None if it was never signed."""
    return db.session.execute(
        db.select(LedgerCheckpointSignature.signed_note).where(LedgerCheckpointSignature.tree_size == tree_size)
    ).scalar_one_or_none()
