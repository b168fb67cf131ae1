"""Technician signature images: PNG only, size and dimensions checked, stored once by SHA-256."""

from __future__ import annotations

import base64
import binascii
import io

from flask import current_app
from PIL import Image, UnidentifiedImageError
from sqlalchemy import insert
from sqlalchemy.dialects import sqlite

from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import Account, SignatureImage, utcnow
from signoff.hashing import sha256_hex

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def decode_base64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={field: "不是合法的 Base64 编码"}) from None


def check_signature_png(data: bytes, field: str = "signature_png") -> tuple[int, int]:
    """Refuse anything but a real PNG within the configured size and dimensions; returns (width, height)."""
    limit = current_app.config["SIGNATURE_MAX_BYTES"]
    if not data:
        raise ValidationFailed(fields={field: "签名图片为空"})
    if len(data) > limit:
        raise ValidationFailed(fields={field: f"签名图片不能超过 {limit // 1024} KB"})
    if not data.startswith(PNG_MAGIC):
        raise ValidationFailed(fields={field: "签名图片必须是 PNG 格式"})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ValidationFailed(fields={field: "签名图片必须是 PNG 格式"})
            width, height = image.size
            low, high = current_app.config["SIGNATURE_MIN_SIDE"], current_app.config["SIGNATURE_MAX_SIDE"]
            if not (low <= width <= high and low <= height <= high):
                raise ValidationFailed(fields={field: f"签名图片尺寸应在 {low}–{high} 像素之间"})
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(fields={field: "签名图片已损坏或无法识别"}) from None
    return width, height


# The generic insert with MySQL's prefix, not ``mysql.insert``: that construct has no cache key, so SQLAlchemy would
# compile it again on every submission.
_INSERT_UNLESS_PRESENT = {
    "mysql": insert(SignatureImage.__table__).prefix_with("IGNORE"),
    "sqlite": sqlite.insert(SignatureImage.__table__).on_conflict_do_nothing(index_elements=["sha256"]),
}


def store_signature(data: bytes, uploaded_by: Account | None, field: str = "signature_png") -> str:
    """Check and store a signature PNG (deduplicated by hash); returns its SHA-256 hex, the reference to it."""
    width, height = check_signature_png(data, field)
    digest = sha256_hex(data)
    row = {
        "sha256": digest,
        "content": data,
        "width": width,
        "height": height,
        "size_bytes": len(data),
        "uploaded_by_id": uploaded_by.id if uploaded_by else None,
        "created_at": utcnow(),
    }
    # Insert unless present, in one statement and without a look-up first (a new signature, the usual case, would
    # pay a second round trip): the same image stored again or concurrently is neither an error nor a deadlock
    # (a savepoint + locking read of the missing key deadlocked under load). INSERT IGNORE, not ON DUPLICATE KEY
    # UPDATE, which would fire the table's refuse-UPDATE trigger; the row is validated above.
    connection = db.session.connection()
    connection.execute(_INSERT_UNLESS_PRESENT[connection.dialect.name], row)
    return digest
