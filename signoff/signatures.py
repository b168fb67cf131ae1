"""Signature images (technician, manager, use unit): stored once under their SHA-256, the reference to them.

The one writer of ``signature_image``; what an acceptable image is (PNG, size, dimensions, ink) is checked where
it arrives (``miniback.records.signature``, the sign-off endpoint) before it is stored here.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.dialects import sqlite

from miniback.extensions import db
from miniback.models import SignatureImage, utcnow
from signoff.ledger.hashing import sha256_hex

# The generic insert with MySQL's prefix, not ``mysql.insert``: that construct has no cache key, so SQLAlchemy would
# compile it again on every submission.
_INSERT_UNLESS_PRESENT = {
    "mysql": insert(SignatureImage.__table__).prefix_with("IGNORE"),
    "sqlite": sqlite.insert(SignatureImage.__table__).on_conflict_do_nothing(index_elements=["sha256"]),
}


def store_signature(png: bytes, width: int, height: int, uploaded_by_id: int | None) -> str:
    """Keep a checked signature PNG once under its SHA-256 (deduplicated by hash); returns the SHA-256 hex."""
    digest = sha256_hex(png)
    row = {
        "sha256": digest,
        "content": png,
        "width": width,
        "height": height,
        "size_bytes": len(png),
        "uploaded_by_id": uploaded_by_id,
        "created_at": utcnow(),
    }
    # Insert unless present, in one statement and without a look-up first (a new signature, the usual case, would
    # pay a second round trip): the same image stored again or concurrently is neither an error nor a deadlock
    # (a savepoint + locking read of the missing key deadlocked under load). INSERT IGNORE, not ON DUPLICATE KEY
    # UPDATE, which would fire the table's refuse-UPDATE trigger; the row is validated by the caller.
    connection = db.session.connection()
    connection.execute(_INSERT_UNLESS_PRESENT[connection.dialect.name], row)
    return digest
