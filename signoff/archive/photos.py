"""Photo evidence in a store: the original bytes under ``photos/<sha256[:2]>/<sha256>``, written once.

The same names in the photo store (display) and in the archive store (the second copy); ``backup verify``
re-hashes the archive's copy of every archived record photo.
"""

from __future__ import annotations

from signoff.archive.store import ArchiveError, ArchiveStore
from signoff.ledger.hashing import sha256_hex


def photo_name(sha256: str) -> str:
    return f"photos/{sha256[:2]}/{sha256}"


def put_photo(store: ArchiveStore, sha256: str, data: bytes) -> None:
    """Write-once and content-addressed: an object already under this name must hold these very bytes."""
    name = photo_name(sha256)
    try:
        store.put(name, data)
    except ArchiveError:
        if sha256_hex(store.get(name)) != sha256:
            raise


def photo_problem(store: ArchiveStore, sha256: str) -> str | None:
    """What is wrong with the store's copy of a photo (missing, or bytes that no longer hash to ``sha256``)."""
    try:
        data = store.get(photo_name(sha256))
    except ArchiveError:
        return "照片原件在备份中缺失"
    if sha256_hex(data) != sha256:
        return "照片原件与其哈希不符（已被替换）"
    return None
