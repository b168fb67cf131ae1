"""What an archive is stored on: write-once named objects (a local directory, S3-compatible storage, or any other)."""

from __future__ import annotations

from typing import Protocol


class ArchiveError(RuntimeError):
    """The archive refused a write (the object exists) or is inconsistent."""


class ArchiveStore(Protocol):
    def put(self, name: str, data: bytes) -> None:
        """Store a new object; raise ``ArchiveError`` if ``name`` exists (objects are write-once)."""

    def get(self, name: str) -> bytes: ...

    def names(self, prefix: str) -> list[str]:
        """Names starting with ``prefix``, sorted."""
