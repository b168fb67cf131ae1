"""The tamper-evidence ledger: per-elevator hash chains, the Merkle tree over all entries, checkpoints.

``ledger_entry``, ``ledger_leaf``, ``merkle_node`` and ``ledger_checkpoint`` are append-only (database triggers
refuse UPDATE and DELETE). ``ledger_head`` is the lockable head of each elevator's chain and ``ledger_state`` the
single row the checkpoint builder locks; both are caches that ``ledger verify`` checks against the entries.
Ids in these tables are plain integers (no foreign keys) so the ledger can be restored before anything else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64
# Kinds of ledger entries: a record submission and a sign-off event.
ENTRY_KINDS = ("record", "event")
APPEND_ONLY_LEDGER_TABLES = ("ledger_entry", "ledger_leaf", "merkle_node", "ledger_checkpoint")

Hash = String(64)


class LedgerHead(Model):
    """The newest entry of one elevator's chain; appends lock this row (``SELECT … FOR UPDATE``)."""

    __tablename__ = "ledger_head"

    elevator_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    length: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(Hash, default=GENESIS_HASH)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerEntry(Model):
    """One record submission or sign-off event, chained to the previous entry of the same elevator.

    ``entry_hash`` = SHA-256 of ``elevator_id|chain_pos|kind|ref_id|content_hash|prev_hash`` (see
    ``signoff.ledger.chain.entry_hash``); the Merkle leaf is ``H(0x00 ‖ entry_hash)``.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("elevator_id", "chain_pos", name="uq_ledger_entry_elevator_pos"),
        UniqueConstraint("kind", "ref_id", name="uq_ledger_entry_kind_ref"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    elevator_id: Mapped[int]
    chain_pos: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(Hash)
    prev_hash: Mapped[str] = mapped_column(Hash)
    entry_hash: Mapped[str] = mapped_column(Hash)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerLeaf(Model):
    """The position of an entry in the Merkle tree, assigned by the checkpoint builder in commit order."""

    __tablename__ = "ledger_leaf"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(BigInteger, unique=True)


class MerkleNode(Model):
    """The hash of a complete subtree: leaves ``[idx·2^level, (idx+1)·2^level)``; level 0 is the leaf hash."""

    __tablename__ = "merkle_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(Hash)


class LedgerCheckpoint(Model):
    """A published tree head: the root over the first ``tree_size`` leaves at ``created_at``."""

    __tablename__ = "ledger_checkpoint"
    __table_args__ = (Index("ix_ledger_checkpoint_size", "tree_size", unique=True), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(Hash)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerState(Model):
    """One row (id 1): the tree size built so far; the checkpoint builder and the archiver lock it."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
