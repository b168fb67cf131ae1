"""What each kind of ledger entry points at: the rows that hold its content, and how to re-hash that content.

``ledger verify`` re-hashes the stored canonical content of every record and event; the archiver copies the same
rows. Tables are looked up by name so the ledger works (and is tested) before or without the record and event
modules; a kind whose table does not exist has no content to check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Table

from miniback.extensions import db


@dataclass(frozen=True)
class ContentKind:
    """A kind of ledger entry: its main table and the child tables archived with it (table, key column)."""

    kind: str
    table: str
    label: str  # how a person names one of them, e.g. "维保记录"
    children: tuple[tuple[str, str], ...] = ()
    # (table, column of the main row whose value is that table's primary key), e.g. signature images.
    referenced: tuple[tuple[str, str], ...] = ()

    def main_table(self) -> Table | None:
        return db.metadata.tables.get(self.table)


KINDS: dict[str, ContentKind] = {
    "record": ContentKind(
        "record",
        "maintenance_record",
        "维保记录",
        children=(("record_item", "record_id"), ("record_technician", "record_id")),
        referenced=(("signature_image", "signature_sha256"),),
    ),
    "event": ContentKind("event", "signoff_event", "签名确认事件"),
}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rehash_stored(row: dict[str, object]) -> str | None:
    """The SHA-256 of the row's stored canonical content (the exact text hashed at submission), if it has one."""
    canonical = row.get("canonical_content")
    return sha256_hex(canonical) if isinstance(canonical, str) else None


def load_rows(kind: ContentKind, ids: list[int]) -> dict[int, dict[str, object]]:
    table = kind.main_table()
    if table is None or not ids:
        return {}
    rows = db.session.execute(table.select().where(table.c.id.in_(ids))).mappings()
    return {int(row["id"]): dict(row) for row in rows}
