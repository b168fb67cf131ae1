"""Appending to the per-elevator hash chains.

Every record submission and every sign-off event becomes one ``LedgerEntry`` whose ``prev_hash`` is the hash of
the previous entry of the *same elevator*: the append locks only that elevator's ``ledger_head`` row, so appends
for different elevators never wait on one another. Call ``append_entry`` inside the transaction that writes the
record or event, so both commit or neither does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, text, update

from miniback.extensions import db
from miniback.models import GENESIS_HASH, LedgerEntry, LedgerHead, utcnow
from miniback.models.ledger import ENTRY_KINDS
from signoff.ledger.hashing import canonical_json


def entry_hash(elevator_id: int, chain_pos: int, kind: str, ref_id: int, content_hash: str, prev_hash: str) -> str:
    """SHA-256 (hex) of ``elevator_id|chain_pos|kind|ref_id|content_hash|prev_hash`` — the chain link."""
    text = f"{elevator_id}|{chain_pos}|{kind}|{ref_id}|{content_hash}|{prev_hash}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _is_hash(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


_HEADS, _ENTRIES = LedgerHead.__table__, LedgerEntry.__table__
# Built once, with bound parameters: appends run inside every submission, where rebuilding the statements (and
# their compiled-cache keys) and the ORM's unit of work cost more than the statements themselves.
_INSERT_ENTRY = insert(_ENTRIES)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.elevator_id == bindparam("head"))
    .values({name: bindparam(name, type_=_HEADS.c[name].type) for name in ("length", "last_hash", "updated_at")})
)
# Create-or-lock the chain head in one statement: an upsert whose update changes nothing still takes the row's
# exclusive lock (a new head is locked by its insert) and RETURNING hands back the current, latest-committed row.
_UPSERT_HEAD = {
    "mysql": "ON DUPLICATE KEY UPDATE elevator_id = elevator_id",
    "sqlite": "ON CONFLICT (elevator_id) DO UPDATE SET elevator_id = elevator_id",
}
_LOCK_HEAD = {
    dialect: text(
        "INSERT INTO ledger_head (elevator_id, length, last_hash, updated_at) VALUES (:elevator_id, 0, :genesis, :now) "
        f"{upsert} RETURNING length, last_hash"
    ).bindparams(bindparam("now", type_=_HEADS.c.updated_at.type))
    for dialect, upsert in _UPSERT_HEAD.items()
}


def _lock_head(connection: Connection, elevator_id: int) -> tuple[int, str]:
    """The elevator's chain head ``(length, last_hash)``, created on first use, locked until the transaction ends."""
    params = {"elevator_id": elevator_id, "genesis": GENESIS_HASH, "now": utcnow()}
    length, last_hash = connection.execute(_LOCK_HEAD[connection.dialect.name], params).one()
    return int(length), str(last_hash)


def append_entry(
    elevator_id: int, kind: str, ref_id: int, content_hash: str, at: datetime | None = None
) -> LedgerEntry:
    """Chain one record submission (``kind="record"``) or sign-off event (``kind="event"``) to its elevator.

    Flushes, never commits. ``content_hash`` is the hex SHA-256 of the item's canonical content. Runs Core
    statements on the session's connection (same transaction); returns a plain (transient) copy of the entry.
    """
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown ledger entry kind {kind!r}")
    if not _is_hash(content_hash):
        raise ValueError("content_hash must be a lowercase hex SHA-256")
    db.session.flush()
    connection = db.session.connection()
    length, prev_hash = _lock_head(connection, elevator_id)
    position = length + 1
    row = {
        "elevator_id": elevator_id,
        "chain_pos": position,
        "kind": kind,
        "ref_id": ref_id,
        "content_hash": content_hash,
        "prev_hash": prev_hash,
        "entry_hash": entry_hash(elevator_id, position, kind, ref_id, content_hash, prev_hash),
        "created_at": at or utcnow(),
    }
    result = connection.execute(_INSERT_ENTRY, row)
    connection.execute(
        _MOVE_HEAD,
        {"head": elevator_id, "length": position, "last_hash": row["entry_hash"], "updated_at": row["created_at"]},
    )
    # A head this session loaded earlier is now stale: reload it on next use rather than trust it.
    stale = db.session.identity_map.get(db.session.identity_key(LedgerHead, (elevator_id,)))
    if stale is not None:
        db.session.expire(stale)
    return LedgerEntry(id=result.inserted_primary_key[0], **row)


# Sign-off events are chained by the seal job, shortly after they commit, rather than inside the statements that
# write them: the default confirmation writes thousands of events with one INSERT … SELECT, and taking every
# elevator's chain head there would serialise it against sign-offs. Late commits are caught as for leaves.
EVENT_WINDOW = 100_000
EVENTS_PER_RUN = 20_000


def event_content(row: dict[str, object]) -> str:
    """The canonical text of a sign-off event row: every column (its hash is the entry's content hash)."""
    return canonical_json({key: value for key, value in sorted(row.items())})


def ledger_new_events(limit: int = EVENTS_PER_RUN) -> int:
    """Append every committed sign-off event not yet in the ledger to its elevator's chain, in id order.

    Call with the checkpoint builder's lock held (``checkpoints.lock_state``) so two runs never race. Flushes,
    never commits. Returns the number of events appended.
    """
    events = db.metadata.tables.get("signoff_event")
    records = db.metadata.tables.get("maintenance_record")
    if events is None or records is None:
        return 0
    newest = db.session.execute(
        db.select(func.max(LedgerEntry.ref_id)).where(LedgerEntry.kind == "event")
    ).scalar_one_or_none()
    query = (
        db.select(events, records.c.elevator_id.label("_elevator_id"))
        .join(records, records.c.id == events.c.record_id)
        .outerjoin(LedgerEntry, (LedgerEntry.kind == "event") & (LedgerEntry.ref_id == events.c.id))
        .where(LedgerEntry.id.is_(None))
        .order_by(events.c.id)
        .limit(limit)
    )
    if newest is not None:
        query = query.where(events.c.id > newest - EVENT_WINDOW)
    count = 0
    for row in db.session.execute(query).mappings().all():
        data = {column.name: row[column.name] for column in events.columns}
        digest = hashlib.sha256(event_content(data).encode("utf-8")).hexdigest()
        at = row["occurred_at"] if isinstance(row["occurred_at"], datetime) else None
        append_entry(int(row["_elevator_id"]), "event", int(row["id"]), digest, at=at)
        count += 1
    return count
