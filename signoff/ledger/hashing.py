"""Canonical serialisation and SHA-256 of record content (DESIGN.md §5).

Canonical JSON: keys sorted, UTF-8 (no ASCII escaping), separators ``(",", ":")``, no NaN/Infinity.
Values JSON has no type for are written as text: ``Decimal`` as its exact string, ``datetime`` as ISO 8601
in UTC with microseconds, ``date`` as ``YYYY-MM-DD``, and ``bytes`` (e.g. a signature image) by its
SHA-256 hex digest — images are referenced by hash, never embedded.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 of ``data`` (text is encoded as UTF-8), lower-case hex."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in canonical content; use aware UTC datetimes")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return sha256_hex(bytes(value))
    raise TypeError(f"{type(value).__name__} has no canonical form")


def canonical_json(value: Any) -> str:
    """The one canonical text of ``value``; equal content always gives byte-identical text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain)


def content_hash(value: Any) -> tuple[str, str]:
    """``(canonical_json, sha256_hex)`` of ``value``; store both so anyone can recompute the hash later."""
    text = canonical_json(value)
    return text, sha256_hex(text)


def verify_canonical(canonical: str, expected_hash: str) -> bool:
    """Whether stored canonical text still hashes to the stored hash."""
    return sha256_hex(canonical) == expected_hash
