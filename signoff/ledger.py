"""Appending to the per-elevator hash chains.

Every record submission and every sign-off event becomes one ``LedgerEntry`` whose ``prev_hash`` is the hash of
the previous entry of the *same elevator*: the append locks only that elevator's ``ledger_head`` row, so appends
for different elevators never wait on one another. Call ``append_entry`` inside the transaction that writes the
record or event, so both commit or neither does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import insert

from miniback.extensions import db
from miniback.models import GENESIS_HASH, LedgerEntry, LedgerHead, utcnow
from miniback.models.ledger import ENTRY_KINDS


def entry_hash(elevator_id: int, chain_pos: int, kind: str, ref_id: int, content_hash: str, prev_hash: str) -> str:
    """SHA-256 (hex) of ``elevator_id|chain_pos|kind|ref_id|content_hash|prev_hash`` — the chain link."""
    text = f"{elevator_id}|{chain_pos}|{kind}|{ref_id}|{content_hash}|{prev_hash}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _is_hash(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _lock_head(elevator_id: int) -> LedgerHead:
    """The elevator's chain head, created on first use, locked until the transaction ends."""
    dialect = db.session.get_bind().dialect.name
    prefix = "OR IGNORE" if dialect == "sqlite" else "IGNORE"
    db.session.execute(
        insert(LedgerHead)
        .prefix_with(prefix)
        .values(elevator_id=elevator_id, length=0, last_hash=GENESIS_HASH, updated_at=utcnow())
    )
    head = db.session.execute(
        db.select(LedgerHead)
        .where(LedgerHead.elevator_id == elevator_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return head


def append_entry(
    elevator_id: int, kind: str, ref_id: int, content_hash: str, at: datetime | None = None
) -> LedgerEntry:
    """Chain one record submission (``kind="record"``) or sign-off event (``kind="event"``) to its elevator.

    Flushes, never commits. ``content_hash`` is the hex SHA-256 of the item's canonical content.
    """
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown ledger entry kind {kind!r}")
    if not _is_hash(content_hash):
        raise ValueError("content_hash must be a lowercase hex SHA-256")
    head = _lock_head(elevator_id)
    position = head.length + 1
    link = entry_hash(elevator_id, position, kind, ref_id, content_hash, head.last_hash)
    entry = LedgerEntry(
        elevator_id=elevator_id,
        chain_pos=position,
        kind=kind,
        ref_id=ref_id,
        content_hash=content_hash,
        prev_hash=head.last_hash,
        entry_hash=link,
        created_at=at or utcnow(),
    )
    db.session.add(entry)
    head.length = position
    head.last_hash = link
    head.updated_at = entry.created_at
    db.session.flush()
    return entry
