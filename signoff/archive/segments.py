"""The second store (数据双备份): write-once segment files plus a hash-chained manifest per segment.

Layout of an archive (a local directory by default, S3-compatible object storage when configured — see
``signoff.archive.s3`` — or any store with write-once objects):

- ``segments/<n>-<sha256[:16]>.jsonl`` — one JSON object per line: the content rows of a record or event
  (``{"t": "row", "table", "row"}``), then its ledger entry with its leaf index (``{"t": "entry", …}``), and the
  checkpoints published up to that point (``{"t": "checkpoint", …}``), in Merkle-leaf order;
- ``manifest/<n>.json`` — the segment's name, SHA-256, size, leaf range, last checkpoint id and the previous
  manifest's SHA-256. Writing the manifest commits the segment; a segment without a manifest is ignored.

The cursor is the archive itself: the newest manifest says up to which leaf everything is archived, so a run
after an outage simply continues from there. Nothing is ever overwritten.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, LargeBinary, Numeric, Table

from miniback.extensions import db
from miniback.models import LedgerCheckpoint, LedgerEntry, LedgerLeaf, LedgerState, utcnow
from miniback.models.types import UTCDateTime
from signoff.archive.store import ArchiveError, ArchiveStore
from signoff.ledger.kinds import KINDS

SEGMENT_LEAVES = 10_000
Progress = Callable[[str], None]


# --- rows as JSON and back ---------------------------------------------------------------------------------


def row_to_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row[column.name]
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        out[column.name] = value
    return out


def row_from_json(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        value = data.get(column.name)
        if value is not None:
            kind = column.type
            if isinstance(kind, UTCDateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(kind, Date):
                value = date.fromisoformat(value)
            elif isinstance(kind, Numeric) and not isinstance(value, int | float):
                value = Decimal(value)
            elif isinstance(kind, LargeBinary):
                value = base64.b64decode(value)
        row[column.name] = value
    return row


# --- writing -----------------------------------------------------------------------------------------------


@dataclass
class Manifest:
    number: int
    segment: str
    sha256: str
    size: int
    leaf_start: int
    leaf_end: int
    checkpoint_id: int
    prev_sha256: str
    created_at: str

    def encode(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True).encode()


def _manifest_names(store: ArchiveStore) -> list[str]:
    return [name for name in store.names("manifest/") if name.endswith(".json")]


def _read_manifest(store: ArchiveStore, name: str) -> tuple[Manifest, str]:
    data = store.get(name)
    return Manifest(**json.loads(data)), hashlib.sha256(data).hexdigest()


def manifests(store: ArchiveStore) -> list[tuple[Manifest, str]]:
    """Every manifest in order with its own SHA-256."""
    return [_read_manifest(store, name) for name in _manifest_names(store)]


def last_manifest(store: ArchiveStore) -> tuple[Manifest, str] | None:
    """The newest manifest only: the archiver runs every few minutes and must not re-read years of manifests
    (on object storage each is a request). The whole chain is checked by ``read_archive``."""
    names = _manifest_names(store)
    return _read_manifest(store, names[-1]) if names else None


def _dump(line: dict[str, Any]) -> bytes:
    return json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def _content_lines(entries: list[LedgerEntry]) -> dict[tuple[str, int], list[bytes]]:
    """The rows behind each entry (main row, children, referenced rows), keyed by (kind, ref_id)."""
    lines: dict[tuple[str, int], list[bytes]] = {}
    for kind in KINDS.values():
        table = kind.main_table()
        ids = [e.ref_id for e in entries if e.kind == kind.kind]
        if table is None or not ids:
            continue
        mains = {
            row["id"]: dict(row) for row in db.session.execute(table.select().where(table.c.id.in_(ids))).mappings()
        }
        for ref_id, row in mains.items():
            out = lines.setdefault((kind.kind, ref_id), [])
            for ref_table_name, column in kind.referenced:
                ref_table = db.metadata.tables.get(ref_table_name)
                if ref_table is not None and row.get(column) is not None:
                    key = next(iter(ref_table.primary_key.columns))
                    for ref_row in db.session.execute(ref_table.select().where(key == row[column])).mappings():
                        out.append(
                            _dump({"t": "row", "table": ref_table_name, "row": row_to_json(ref_table, dict(ref_row))})
                        )
            out.append(_dump({"t": "row", "table": kind.table, "row": row_to_json(table, row)}))
            for child_name, column in kind.children:
                child = db.metadata.tables.get(child_name)
                if child is None:
                    continue
                query = child.select().where(child.c[column] == ref_id).order_by(*child.primary_key.columns)
                for child_row in db.session.execute(query).mappings():
                    out.append(_dump({"t": "row", "table": child_name, "row": row_to_json(child, dict(child_row))}))
    return lines


def archive_pending(store: ArchiveStore, progress: Progress = lambda _: None, limit: int = SEGMENT_LEAVES) -> int:
    """Write every leaf and checkpoint not yet archived; returns the number of leaves written. Read-only on the DB."""
    last, last_sha = last_manifest(store) or (None, "")
    leaf_end = last.leaf_end if last else 0
    checkpoint_id = last.checkpoint_id if last else 0
    number = last.number + 1 if last else 1
    tree_size = db.session.execute(db.select(LedgerState.tree_size).where(LedgerState.id == 1)).scalar() or 0
    written = 0
    while True:
        rows = db.session.execute(
            db.select(LedgerLeaf.leaf_index, LedgerEntry)
            .join(LedgerEntry, LedgerEntry.id == LedgerLeaf.entry_id)
            .where(LedgerLeaf.leaf_index >= leaf_end, LedgerLeaf.leaf_index < tree_size)
            .order_by(LedgerLeaf.leaf_index)
            .limit(limit)
        ).all()
        new_end = leaf_end + len(rows)
        checkpoints = list(
            db.session.execute(
                db.select(LedgerCheckpoint)
                .where(LedgerCheckpoint.id > checkpoint_id, LedgerCheckpoint.tree_size <= new_end)
                .order_by(LedgerCheckpoint.id)
            ).scalars()
        )
        if not rows and not checkpoints:
            return written
        content = _content_lines([entry for _, entry in rows])
        body = bytearray()
        for leaf_index, entry in rows:
            for line in content.get((entry.kind, entry.ref_id), []):
                body += line
            entry_row = row_to_json(LedgerEntry.__table__, entry.__dict__)
            body += _dump({"t": "entry", "leaf_index": leaf_index, "row": entry_row})
        for checkpoint in checkpoints:
            row = row_to_json(LedgerCheckpoint.__table__, checkpoint.__dict__)
            body += _dump({"t": "checkpoint", "row": row})
            checkpoint_id = checkpoint.id
        data = bytes(body)
        digest = hashlib.sha256(data).hexdigest()
        segment = f"segments/{number:08d}-{digest[:16]}.jsonl"
        try:
            store.put(segment, data)
        except ArchiveError:
            return written  # another archiver wrote this very segment a moment ago: it carries on from here
        manifest = Manifest(
            number=number,
            segment=segment,
            sha256=digest,
            size=len(data),
            leaf_start=leaf_end,
            leaf_end=new_end,
            checkpoint_id=checkpoint_id,
            prev_sha256=last_sha,
            created_at=utcnow().isoformat(),
        )
        encoded = manifest.encode()
        try:
            store.put(f"manifest/{number:08d}.json", encoded)
        except ArchiveError:
            return written  # a concurrent archiver committed segment ``number`` first; ours stays an orphan
        last_sha = hashlib.sha256(encoded).hexdigest()
        written += len(rows)
        leaf_end, number = new_end, number + 1
        progress(f"  已归档至第 {leaf_end} 个叶子（{segment}）")


# --- reading -----------------------------------------------------------------------------------------------


def read_archive(store: ArchiveStore, problems: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every line of every committed segment, checking each segment against its manifest and the manifest chain."""
    previous = ""
    for manifest, own_sha in manifests(store):
        if manifest.prev_sha256 != previous:
            raise ArchiveError(f"清单 {manifest.number} 未接续上一个清单（清单链断裂）")
        data = store.get(manifest.segment)
        if hashlib.sha256(data).hexdigest() != manifest.sha256:
            raise ArchiveError(f"备份段 {manifest.segment} 与清单中的哈希不符")
        for line in data.splitlines():
            yield json.loads(line)
        previous = own_sha
