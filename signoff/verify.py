"""``ledger verify``: recompute every content hash, every chain link, every tree node and every checkpoint root.

One keyset-paginated pass in Merkle-leaf order (plain DBAPI tuples: the ORM would cost more than the hashing),
then one pass per tree level; memory holds the leaf level only.
Problems are collected in the order they are found; the first one names the record or event that is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select

from miniback.extensions import db
from miniback.models import GENESIS_HASH, LedgerCheckpoint, LedgerEntry, LedgerHead
from signoff import merkle
from signoff.content import KINDS, load_rows, rehash_stored
from signoff.ledger import entry_hash
from signoff.rawsql import keyset

BATCH = 10_000
Progress = Callable[[str], None]


@dataclass
class Report:
    entries: int = 0
    contents_checked: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _stream(query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    result = db.session.execute(query.execution_options(stream_results=True, yield_per=BATCH))
    for row in result:
        yield tuple(row)


def _name(kind: str, ref_id: int, elevator_id: int, pos: int) -> str:
    label = KINDS[kind].label if kind in KINDS else kind
    return f"{label} #{ref_id}（电梯 {elevator_id}，链上第 {pos} 条）"


def _check_contents(batch: list[tuple[int, str, int, str, int, int]], report: Report, content: bool) -> None:
    """batch rows: (entry_id, kind, ref_id, content_hash, elevator_id, chain_pos)."""
    if not content:
        return
    by_kind: dict[str, list[tuple[int, str, int, str, int, int]]] = {}
    for item in batch:
        by_kind.setdefault(item[1], []).append(item)
    for kind_name, rows in by_kind.items():
        kind = KINDS.get(kind_name)
        if kind is None or kind.main_table() is None:
            continue
        stored = load_rows(kind, [item[2] for item in rows])
        for _, _, ref_id, content_hash, elevator_id, pos in rows:
            name = _name(kind_name, ref_id, elevator_id, pos)
            row: dict[str, object] | None = stored.get(ref_id)
            if row is None:
                report.problems.append(f"{name}: 已从数据库中消失")
                continue
            report.contents_checked += 1
            recomputed = rehash_stored(row)
            if recomputed is not None and recomputed != content_hash:
                report.problems.append(f"{name}: 内容被改动（重新计算的哈希与账本不符）")
            elif row.get("content_hash") is not None and row.get("content_hash") != content_hash:
                report.problems.append(f"{name}: 内容哈希字段被改动")


LEAVES_SQL = (
    "SELECT l.leaf_index, e.id, e.elevator_id, e.chain_pos, e.kind, e.ref_id, e.content_hash, e.prev_hash,"
    " e.entry_hash, n.hash FROM ledger_leaf l"
    " LEFT JOIN ledger_entry e ON e.id = l.entry_id"
    " LEFT JOIN merkle_node n ON n.level = 0 AND n.idx = l.leaf_index"
    " WHERE l.leaf_index > {after} ORDER BY l.leaf_index LIMIT {limit}"
)
# Entries the checkpoint builder has not placed yet (normal for up to one checkpoint interval).
PENDING_SQL = (
    "SELECT e.id, e.id, e.elevator_id, e.chain_pos, e.kind, e.ref_id, e.content_hash, e.prev_hash, e.entry_hash,"
    " NULL FROM ledger_entry e LEFT JOIN ledger_leaf l ON l.entry_id = e.id"
    " WHERE l.entry_id IS NULL AND e.id > {after} ORDER BY e.id LIMIT {limit}"
)


class _Walk:
    """One pass over the entries in tree order: chain links, leaf hashes, checkpoint roots, contents.

    Per elevator, tree order is chain order: an append locks the chain head until it commits, so the builder
    always sees an elevator's earlier entry no later than its next one, and places a run's entries in id order.
    """

    def __init__(self, report: Report, progress: Progress, content: bool) -> None:
        self.report, self.progress, self.content = report, progress, content
        self.chains: dict[int, tuple[int, str]] = {}
        self.batch: list[tuple[int, str, int, str, int, int]] = []
        self.compact = merkle.CompactRange()
        self.leaves: list[bytes] = []
        self.tree_broken = False
        self.checkpoints = [
            (size, root)
            for size, root in db.session.execute(
                db.select(LedgerCheckpoint.tree_size, LedgerCheckpoint.root_hash).order_by(LedgerCheckpoint.tree_size)
            )
        ]
        report.checkpoints = len(self.checkpoints)
        self.next_checkpoint = 0

    def chain(self, row: tuple[Any, ...]) -> str | None:
        """Check one entry's link; returns its stored entry hash (None when the entry row is gone)."""
        _, entry_id, elevator_id, pos, kind, ref_id, content_hash, prev_hash, stored_hash, _ = row
        if entry_id is None:
            return None
        report = self.report
        report.entries += 1
        length, last = self.chains.get(elevator_id, (0, GENESIS_HASH))
        if pos != length + 1:
            report.problems.append(f"{_name(kind, ref_id, elevator_id, pos)}: 链断裂（应为第 {length + 1} 条）")
        elif prev_hash != last:
            report.problems.append(f"{_name(kind, ref_id, elevator_id, pos)}: 前一哈希与链上前一条不符")
        if entry_hash(elevator_id, pos, kind, ref_id, content_hash, prev_hash) != stored_hash:
            report.problems.append(f"{_name(kind, ref_id, elevator_id, pos)}: 账本条目哈希不符")
        self.chains[elevator_id] = (pos, stored_hash)
        if self.content:
            self.batch.append((entry_id, kind, ref_id, content_hash, elevator_id, pos))
            if len(self.batch) >= BATCH:
                self.flush()
        if report.entries % 100_000 == 0:
            self.progress(f"  已核对 {report.entries} 条")
        return str(stored_hash)

    def flush(self) -> None:
        _check_contents(self.batch, self.report, self.content)
        self.batch = []

    def leaf(self, row: tuple[Any, ...], stored_hash: str | None) -> None:
        leaf_index, _, elevator_id, pos, kind, ref_id, _, _, _, stored_leaf = row
        if self.tree_broken:
            return
        if leaf_index != self.compact.size:
            self.report.problems.append(f"默克尔树第 {self.compact.size} 个叶子缺失")
            self.tree_broken = True
            return
        if stored_hash is None:
            self.report.problems.append(f"默克尔树第 {leaf_index} 个叶子对应的账本条目已被删除")
            if stored_leaf is None:
                self.tree_broken = True
                return
            leaf = bytes.fromhex(stored_leaf)
        else:
            leaf = merkle.leaf_hash(bytes.fromhex(stored_hash))
            if stored_leaf != leaf.hex():
                self.report.problems.append(
                    f"{_name(kind, ref_id, elevator_id, pos)}: 不在默克尔树中原来的位置（叶子哈希不符）"
                )
        self.compact.append(leaf)
        self.leaves.append(leaf)
        checkpoints = self.checkpoints
        while self.next_checkpoint < len(checkpoints) and checkpoints[self.next_checkpoint][0] == self.compact.size:
            size, root = checkpoints[self.next_checkpoint]
            if self.compact.root().hex() != root:
                last = _name(kind, ref_id, elevator_id, pos) if stored_hash else f"叶子 {leaf_index}"
                self.report.problems.append(
                    f"检查点（{size} 条）的根哈希与重新计算的不符：前 {size} 条中有记录被改动（最后一条：{last}）"
                )
            self.next_checkpoint += 1

    def finish_tree(self) -> None:
        if self.next_checkpoint < len(self.checkpoints) and not self.tree_broken:
            size = self.checkpoints[self.next_checkpoint][0]
            self.report.problems.append(f"检查点（{size} 条）超出了树的大小 {self.compact.size}：叶子被删除")


def _check_entries_and_tree(report: Report, progress: Progress, content: bool) -> _Walk:
    walk = _Walk(report, progress, content)
    for row in keyset(LEAVES_SQL):
        walk.leaf(row, walk.chain(row))
    walk.finish_tree()
    pending = 0
    for row in keyset(PENDING_SQL):
        walk.chain(row)
        pending += 1
    walk.flush()
    if pending:
        progress(f"  另有 {pending} 条账本条目尚未纳入检查点（下一个检查点会纳入）")
    return walk


def _check_heads(chains: dict[int, tuple[int, str]], report: Report) -> None:
    """A chain whose head remembers more than its entries show was truncated (newest entries deleted)."""
    seen: set[int] = set()
    for elevator_id, length, last_hash in _stream(
        db.select(LedgerHead.elevator_id, LedgerHead.length, LedgerHead.last_hash).order_by(LedgerHead.elevator_id)
    ):
        seen.add(elevator_id)
        actual = chains.get(elevator_id, (0, GENESIS_HASH))
        if actual != (length, last_hash):
            report.problems.append(f"电梯 {elevator_id} 的链被截断或改写：链头记录 {length} 条，实际 {actual[0]} 条")
    for elevator_id in sorted(set(chains) - seen):
        report.problems.append(f"电梯 {elevator_id} 的链没有链头记录（伪造的链？）")


NODES_SQL = "SELECT idx, hash FROM merkle_node WHERE level = {level} AND idx > {{after}} ORDER BY idx LIMIT {{limit}}"


def _check_nodes(leaves: list[bytes], report: Report) -> None:
    """Recompute each level from the one below and compare with the stored complete-subtree hashes."""
    below, height = leaves, 0
    while len(below) >= 2:
        height += 1
        above = [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        count = 0
        for index, h in keyset(NODES_SQL.format(level=height)):
            if index >= len(above) or above[index].hex() != h:
                report.problems.append(f"默克尔树第 {height} 层第 {index} 个节点被改动")
                return
            count += 1
        if count != len(above):
            report.problems.append(f"默克尔树第 {height} 层缺少节点")
            return
        below = above


def verify_ledger(progress: Progress = lambda _: None, content: bool = True) -> Report:
    """Check everything the ledger commits to; ``content=False`` skips re-hashing the records and events."""
    report = Report()
    progress("按默克尔树顺序核对账本条目、每部电梯的哈希链与检查点 …")
    walk = _check_entries_and_tree(report, progress, content)
    _check_heads(walk.chains, report)
    progress("核对默克尔树的内部节点 …")
    _check_nodes(walk.leaves, report)
    _check_unledgered(report)
    return report


def _check_unledgered(report: Report) -> None:
    """A record or event row with no ledger entry was inserted around the application (forged)."""
    for kind in KINDS.values():
        table = kind.main_table()
        if table is None:
            continue
        query = (
            db.select(table.c.id)
            .outerjoin(LedgerEntry, (LedgerEntry.kind == kind.kind) & (LedgerEntry.ref_id == table.c.id))
            .where(LedgerEntry.id.is_(None))
            .order_by(table.c.id)
            .limit(10)
        )
        for (ref_id,) in db.session.execute(query):
            report.problems.append(f"{kind.label} #{ref_id}: 不在账本中（绕过应用写入的伪造数据）")
