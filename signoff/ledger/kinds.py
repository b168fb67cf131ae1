"""What each kind of ledger entry points at: the rows that hold its content, and how to re-hash that content.

``ledger verify`` re-hashes the stored canonical content of every record and event, and every blob (signature
image) their rows refer to by hash; the archiver copies the same rows. Tables are looked up by name so the ledger
works (and is tested) before or without the record and event modules; a kind whose table does not exist has no
content to check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, Table

from miniback.extensions import db
from signoff.ledger.hashing import sha256_hex


@dataclass(frozen=True)
class BlobReference:
    """A column of a kind's main row holding the SHA-256 of a stored blob: the content refers to the blob by hash."""

    kind: str  # the ledger entry kind whose main row holds the reference ("record", "event")
    column: str
    label: str  # what the blob is to the record, e.g. "维保人员签名图片"
    record_column: str  # the main row's column naming the record it belongs to ("id" for a record itself)


@dataclass(frozen=True)
class BlobKind:
    """A table of blobs, each stored once under the SHA-256 of its bytes (its primary key).

    ``ledger verify`` re-hashes every row of every blob kind, and the archiver copies each referenced blob with the
    row that refers to it. A new kind of evidence (photos) is one more entry in ``BLOB_KINDS``.
    """

    table: str
    key: str  # primary key column: the lowercase hex SHA-256 of ``content``
    content: str
    label: str  # how a person names one of them, e.g. "签名图片"
    references: tuple[BlobReference, ...]


BLOB_KINDS: tuple[BlobKind, ...] = (
    BlobKind(
        "signature_image",
        "sha256",
        "content",
        "签名图片",
        references=(
            BlobReference("record", "signature_sha256", "维保人员签名图片", "id"),
            # Only ``signed`` events carry one: the manager's signature (NULL on every other event).
            BlobReference("event", "signature_hash", "使用单位安全管理人员签名图片", "record_id"),
        ),
    ),
)


@dataclass(frozen=True)
class ContentKind:
    """A kind of ledger entry: its main table and the child tables archived with it (table, key column)."""

    kind: str
    table: str
    label: str  # how a person names one of them, e.g. "维保记录"
    children: tuple[tuple[str, str], ...] = ()
    # (child table, parent-id column, key of the list in the canonical content, order column)
    canonical_children: tuple[tuple[str, str, str, str], ...] = ()

    def main_table(self) -> Table | None:
        return db.metadata.tables.get(self.table)

    @property
    def references(self) -> tuple[tuple[BlobKind, BlobReference], ...]:
        """The blobs this kind's main row refers to by hash (``BLOB_KINDS``)."""
        return tuple((blob, ref) for blob in BLOB_KINDS for ref in blob.references if ref.kind == self.kind)

    @property
    def referenced(self) -> tuple[tuple[str, str], ...]:
        """(blob table, column of the main row whose value is that table's primary key), e.g. signature images."""
        return tuple((blob.table, ref.column) for blob, ref in self.references)


KINDS: dict[str, ContentKind] = {
    "record": ContentKind(
        "record",
        "maintenance_record",
        "维保记录",
        children=(
            ("record_item", "record_id"),
            ("record_technician", "record_id"),
            ("record_photo", "record_id"),
            ("record_photo_missing", "record_id"),
        ),
        canonical_children=(
            ("record_item", "record_id", "items", "seq"),
            # Photo evidence (issue 19): each photo's hashes, position, times and point, and each missing
            # position's reason; the photo bytes themselves are checked against ``sha256`` in their stores.
            ("record_photo", "record_id", "photos", "seq"),
            ("record_photo_missing", "record_id", "photos_missing", "seq"),
        ),
    ),
    "event": ContentKind("event", "signoff_event", "签名确认事件"),
}


def rehash_stored(kind: str, row: dict[str, object]) -> str | None:
    """The SHA-256 the stored row gives now: a record's stored canonical content (the exact text hashed at
    submission); a sign-off event's columns, canonicalised."""
    if kind == "event":
        from signoff.ledger.chain import event_content

        return sha256_hex(event_content(row))
    canonical = row.get("canonical_content")
    return sha256_hex(canonical) if isinstance(canonical, str) else None


def load_rows(kind: ContentKind, ids: list[int], connection: Connection | None = None) -> dict[int, dict[str, object]]:
    """Main rows by id, read on ``connection`` (default: the session's)."""
    table = kind.main_table()
    if table is None or not ids:
        return {}
    rows = (connection or db.session).execute(table.select().where(table.c.id.in_(ids))).mappings()
    return {int(row["id"]): dict(row) for row in rows}


def _same(canonical: object, stored: object) -> bool:
    """Whether a canonical JSON value says the same as a column value (types as the column hands them back)."""
    if stored is None or canonical is None:
        return stored is None and canonical is None
    if isinstance(stored, bool) or isinstance(canonical, bool):
        return bool(stored) == canonical
    if isinstance(stored, Decimal):
        return isinstance(canonical, str | int | float) and Decimal(str(canonical)) == stored
    if isinstance(stored, datetime):
        return isinstance(canonical, str) and datetime.fromisoformat(canonical) == stored
    if isinstance(stored, date):
        return canonical == stored.isoformat()
    return canonical == stored


def columns_differing(
    row: dict[str, object], canonical_text: str, children: dict[str, list[dict[str, object]]]
) -> list[str]:
    """Columns of a stored row (and of its child rows) that no longer say what the hashed canonical content says.

    The canonical content is what was hashed and signed; the columns are what queries and pages show. A top-level
    key matches the column of that name, a nested object ``{"at": …}`` under ``check_in`` matches
    ``check_in_at``, and a list of objects (``items``) matches the child rows in order.
    """
    try:
        content = json.loads(canonical_text)
    except ValueError:
        return ["canonical_content"]
    if not isinstance(content, dict):
        return ["canonical_content"]
    differing = []
    for key, value in content.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                column = f"{key}_{sub}"
                if column in row and not _same(inner, row[column]):
                    differing.append(column)
        elif key in children:
            rows = children[key]
            if not isinstance(value, list) or len(value) != len(rows):
                differing.append(key)
                continue
            for expected, child in zip(value, rows, strict=True):
                if isinstance(expected, dict) and any(
                    name in child and not _same(inner, child[name]) for name, inner in expected.items()
                ):
                    differing.append(f"{key}[{expected.get('seq', '?')}]")
        elif key in row and not _same(value, row[key]):
            differing.append(key)
    return differing


def load_children(
    kind: ContentKind, ids: list[int], connection: Connection | None = None
) -> dict[int, dict[str, list[dict[str, object]]]]:
    """Child rows by parent id and canonical key (e.g. ``items`` → ``record_item`` rows ordered by ``seq``)."""
    found: dict[int, dict[str, list[dict[str, object]]]] = {ref_id: {} for ref_id in ids}
    for table_name, column, key, order in kind.canonical_children:
        table = db.metadata.tables.get(table_name)
        if table is None or not ids:
            continue
        for ref_id in ids:
            found[ref_id][key] = []
        query = table.select().where(table.c[column].in_(ids)).order_by(table.c[column], table.c[order])
        for child in (connection or db.session).execute(query).mappings():
            found[int(child[column])][key].append(dict(child))
    return found
