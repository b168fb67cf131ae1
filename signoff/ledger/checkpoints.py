"""Checkpoints: grow the Merkle tree over all ledger entries and publish its root; serve proofs from it.

Entries get their leaf position when the builder first sees them *committed*, so an append that commits late
(a lower id committing after a higher one) still lands in the tree — later, never lost. Only complete subtrees
are stored (``merkle_node``); any root or proof is assembled from O(log² n) of them in one query.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, func, insert, select

from miniback.extensions import db
from miniback.models import (
    LedgerCheckpoint,
    LedgerCheckpointSignature,
    LedgerEntry,
    LedgerLeaf,
    LedgerState,
    utcnow,
)
from signoff.ledger import merkle
from signoff.ledger.bulk import fetch_all, insert_computed, keyset, paused_gc
from signoff.ledger.logkey import sign_checkpoint

# How far below the newest leaf's entry id the builder looks for late-committing entries. A transaction that
# stays open while this many later appends commit would be missed by the builder (``ledger verify`` reports it).
LATE_COMMIT_WINDOW = 100_000
# Entries added to the tree per transaction (each adds a leaf row and about two node rows).
MAX_ENTRIES_PER_BUILD = 50_000


@dataclass
class BuildResult:
    tree_size: int
    added: int
    checkpoint: LedgerCheckpoint | None
    caught_up: bool = True


def lock_state() -> LedgerState:
    """The builder's single lock row (recreated from the leaves if a test or an operator emptied the table)."""
    query = db.select(LedgerState).where(LedgerState.id == 1).with_for_update()
    state = db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if state is None:
        dialect = db.session.get_bind().dialect.name
        prefix = "OR IGNORE" if dialect == "sqlite" else "IGNORE"
        db.session.execute(
            insert(LedgerState).prefix_with(prefix).values(id=1, tree_size=_stored_leaves(), updated_at=utcnow())
        )
        state = db.session.execute(query.execution_options(populate_existing=True)).scalar_one()
    return state


def _stored_leaves() -> int:
    return db.session.execute(db.select(func.count()).select_from(LedgerLeaf)).scalar_one()


def read_nodes(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored complete-subtree hashes by (level, index), fetched in one query.

    Plain SQL: one point lookup per key on the primary key (MariaDB plans the ORs as a range over it). Building
    the same condition as an SQLAlchemy expression cost more than the query itself on every proof request.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    condition = " OR ".join(["(level = %s AND idx = %s)"] * len(wanted))
    rows = fetch_all(f"SELECT level, idx, hash FROM merkle_node WHERE {condition}", [v for key in wanted for v in key])
    found = {(level, index): bytes.fromhex(h) for level, index, h in rows}
    missing = [key for key in wanted if key not in found]
    if missing:
        raise LookupError(f"merkle nodes missing: {missing[:5]}")
    return found


def stored_reader(keys: Iterable[tuple[int, int]]) -> merkle.NodeReader:
    nodes = read_nodes(keys)
    return lambda level, index: nodes[(level, index)]


NEW_ENTRIES_SQL = (
    "SELECT e.id, e.entry_hash FROM ledger_entry e LEFT JOIN ledger_leaf l ON l.entry_id = e.id"
    " WHERE l.entry_id IS NULL AND e.id > {after} ORDER BY e.id LIMIT {limit}"
)


def _new_entries(tree_size: int, limit: int) -> list[tuple[int, str]]:
    """Up to ``limit`` committed entries not yet in the tree, in id order (ids below the window are placed)."""
    floor = -1
    if tree_size:
        newest = db.session.execute(db.select(func.max(LedgerLeaf.entry_id))).scalar_one()
        floor = newest - LATE_COMMIT_WINDOW
    if db.session.get_bind().dialect.name in ("mysql", "mariadb"):
        packed = _new_entries_packed(floor, limit)
        if packed is not None:
            return packed
    rows = keyset(NEW_ENTRIES_SQL, start=floor, chunk=min(limit, 50_000))
    return [(int(entry_id), str(h)) for entry_id, h in itertools.islice(rows, limit)]


# The same rows as one packed value per batch: PyMySQL parses rows in pure Python, a long string it hands over whole.
PACKED_NEW_ENTRIES_SQL = (
    "SELECT GROUP_CONCAT(CONCAT(id, ',', entry_hash) ORDER BY id SEPARATOR ','), COUNT(*) FROM ("
    + NEW_ENTRIES_SQL.replace("{after}", "%s").replace("{limit}", "%s")
    + ") AS new_entries"
)
GROUP_CONCAT_MAX = 64 * 1024 * 1024


def _new_entries_packed(floor: int, limit: int) -> list[tuple[int, str]] | None:
    """None when an entry hash holds the separator (a tampered row): the row-by-row read then applies."""
    fetch_all(f"SET SESSION group_concat_max_len = {GROUP_CONCAT_MAX}")
    ((packed, count),) = fetch_all(PACKED_NEW_ENTRIES_SQL, (floor, limit))
    if not count:
        return []
    flat = packed.split(",")
    if len(flat) != 2 * count:
        return None
    return list(zip(map(int, flat[0::2]), flat[1::2], strict=True))


def build_checkpoint(now: datetime | None = None, max_entries: int = MAX_ENTRIES_PER_BUILD) -> BuildResult:
    """Add newly committed entries to the tree (at most ``max_entries``, so one transaction stays bounded) and,
    once caught up, publish a checkpoint if the tree grew. Call again while ``caught_up`` is false.

    Serialised by the ``ledger_state`` row lock; flushes, never commits (the caller commits after each call).
    """
    state = lock_state()
    size = state.tree_size
    edge = read_nodes(merkle.edge_nodes(size))
    compact = merkle.CompactRange(size, [edge[key] for key in merkle.edge_nodes(size)])
    leaves: list[tuple[int, int]] = []
    nodes: list[tuple[int, int, str]] = []
    with paused_gc():
        for entry_id, h in _new_entries(size, max_entries):
            leaves.append((compact.size, entry_id))
            for level, index, node in compact.append(merkle.leaf_hash(bytes.fromhex(h))):
                nodes.append((level, index, node.hex()))
    insert_computed("ledger_leaf", ("leaf_index", "entry_id"), leaves)
    insert_computed("merkle_node", ("level", "idx", "hash"), nodes)
    state.tree_size = compact.size
    state.updated_at = now or utcnow()
    checkpoint = None
    latest = latest_checkpoint()
    caught_up = len(leaves) < max_entries
    if caught_up and compact.size and (latest is None or latest.tree_size < compact.size):
        checkpoint = LedgerCheckpoint(
            tree_size=compact.size, root_hash=compact.root().hex(), created_at=state.updated_at
        )
        db.session.add(checkpoint)
        sign_checkpoint(checkpoint)
    elif caught_up and latest is not None and _never_signed():
        # The first build after signing was introduced (migration 0016) signs the latest checkpoint it finds;
        # from then on only the checkpoints this builder publishes are ever signed.
        sign_checkpoint(latest)
    db.session.flush()
    return BuildResult(tree_size=compact.size, added=len(leaves), checkpoint=checkpoint, caught_up=caught_up)


def _never_signed() -> bool:
    return db.session.execute(db.select(LedgerCheckpointSignature.tree_size).limit(1)).first() is None


def latest_checkpoint() -> LedgerCheckpoint | None:
    return db.session.execute(
        db.select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size.desc()).limit(1)
    ).scalar_one_or_none()


_entry = LedgerEntry.__table__
_leaf = LedgerLeaf.__table__
_checkpoint = LedgerCheckpoint.__table__
# An entry with its place in the tree (None until the builder has placed it): one indexed join, Core rows.
_ENTRY_WITH_LEAF = select(*_entry.c, _leaf.c.leaf_index).select_from(
    _entry.outerjoin(_leaf, _leaf.c.entry_id == _entry.c.id)
)
_signature = LedgerCheckpointSignature.__table__
# A checkpoint with its signed note (None for one published before checkpoints were signed).
_CHECKPOINT = select(
    _checkpoint.c.tree_size, _checkpoint.c.root_hash, _checkpoint.c.created_at, _signature.c.signed_note
).select_from(_checkpoint.outerjoin(_signature, _signature.c.tree_size == _checkpoint.c.tree_size))


def entry_for_proof(*, entry_id: int | None = None, record_id: int | None = None) -> RowMapping | None:
    """The ledger entry (by its id, or the record's entry by record id) with ``leaf_index``; None if absent.

    For the public proof endpoints: Core rows on the session's connection, no ORM identity map per request.
    """
    if entry_id is not None:
        query = _ENTRY_WITH_LEAF.where(_entry.c.id == entry_id)
    else:
        query = _ENTRY_WITH_LEAF.where(_entry.c.kind == "record", _entry.c.ref_id == record_id)
    return db.session.connection().execute(query).mappings().first()


def checkpoint_for_proof(tree_size: int | None = None) -> RowMapping | None:
    """The latest checkpoint, or the one of ``tree_size`` (tree_size, root_hash, created_at, signed_note); None if
    absent."""
    if tree_size is None:
        query = _CHECKPOINT.order_by(_checkpoint.c.tree_size.desc()).limit(1)
    else:
        query = _CHECKPOINT.where(_checkpoint.c.tree_size == tree_size)
    return db.session.connection().execute(query).mappings().first()


def inclusion_proof(leaf_index: int, tree_size: int) -> list[str]:
    reader = stored_reader(merkle.nodes_needed(lambda r: merkle.inclusion_proof(leaf_index, tree_size, r)))
    return [h.hex() for h in merkle.inclusion_proof(leaf_index, tree_size, reader)]


def consistency_proof(first: int, second: int) -> list[str]:
    reader = stored_reader(merkle.nodes_needed(lambda r: merkle.consistency_proof(first, second, r)))
    return [h.hex() for h in merkle.consistency_proof(first, second, reader)]
