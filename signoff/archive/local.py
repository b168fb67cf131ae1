"""The archive on a local directory (the default second store)."""

from __future__ import annotations

import os
from pathlib import Path

from signoff.archive.store import ArchiveError


class LocalArchive:
    """A directory: objects are files written to a temporary name, synced, then hard-linked into place."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if the name exists: never overwrite
        except FileExistsError:
            raise ArchiveError(f"备份对象 {name} 已存在") from None
        finally:
            temporary.unlink()

    def get(self, name: str) -> bytes:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            raise ArchiveError(f"备份对象 {name} 缺失") from None

    def __repr__(self) -> str:
        return f"LocalArchive({str(self.root)!r})"

    def names(self, prefix: str) -> list[str]:
        folder, _, start = prefix.rpartition("/")
        directory = self.root / folder
        if not directory.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in directory.iterdir() if p.name.startswith(start) and p.is_file())
