"""``ledger verify``: recompute every content hash, every chain link, every tree node and every checkpoint root.

Streams the tables with server-side cursors in id order, so memory stays at one tree level, not the whole ledger.
Problems are collected in the order they are found; the first one names the record or event that is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func

from miniback.extensions import db
from miniback.models import GENESIS_HASH, LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerLeaf, MerkleNode
from signoff import merkle
from signoff.content import KINDS, load_rows, rehash_stored
from signoff.ledger import entry_hash

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


def _check_entries(report: Report, progress: Progress, content: bool) -> dict[int, tuple[int, str]]:
    """Every link of every chain; returns each elevator's (length, last hash) as the entries say."""
    chains: dict[int, tuple[int, str]] = {}
    batch: list[tuple[int, str, int, str, int, int]] = []
    query = db.select(
        LedgerEntry.id,
        LedgerEntry.elevator_id,
        LedgerEntry.chain_pos,
        LedgerEntry.kind,
        LedgerEntry.ref_id,
        LedgerEntry.content_hash,
        LedgerEntry.prev_hash,
        LedgerEntry.entry_hash,
    ).order_by(LedgerEntry.id)
    for entry_id, elevator_id, pos, kind, ref_id, content_hash, prev_hash, stored_hash in _stream(query):
        report.entries += 1
        name = _name(kind, ref_id, elevator_id, pos)
        length, last = chains.get(elevator_id, (0, GENESIS_HASH))
        if pos != length + 1:
            report.problems.append(f"{name}: 链断裂（应为第 {length + 1} 条）")
        if prev_hash != last:
            report.problems.append(f"{name}: 前一哈希与链上前一条不符")
        if entry_hash(elevator_id, pos, kind, ref_id, content_hash, prev_hash) != stored_hash:
            report.problems.append(f"{name}: 账本条目哈希不符")
        chains[elevator_id] = (pos, stored_hash)
        batch.append((entry_id, kind, ref_id, content_hash, elevator_id, pos))
        if len(batch) >= BATCH:
            _check_contents(batch, report, content)
            batch = []
            progress(f"  已核对账本条目 {report.entries}")
    _check_contents(batch, report, content)
    return chains


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


def _check_tree(report: Report, progress: Progress) -> None:
    """Leaves in tree order → every stored node and every checkpoint root."""
    checkpoints = list(
        db.session.execute(
            db.select(LedgerCheckpoint.tree_size, LedgerCheckpoint.root_hash).order_by(LedgerCheckpoint.tree_size)
        )
    )
    report.checkpoints = len(checkpoints)
    pending = iter(checkpoints)
    target = next(pending, None)
    compact = merkle.CompactRange()
    level: list[bytes] = []
    query = (
        db.select(LedgerLeaf.leaf_index, LedgerEntry.elevator_id, LedgerEntry.chain_pos, LedgerEntry.kind,
                  LedgerEntry.ref_id, LedgerEntry.entry_hash, MerkleNode.hash)
        .join(LedgerEntry, LedgerEntry.id == LedgerLeaf.entry_id, isouter=True)
        .join(MerkleNode, (MerkleNode.level == 0) & (MerkleNode.idx == LedgerLeaf.leaf_index), isouter=True)
        .order_by(LedgerLeaf.leaf_index)
    )  # fmt: skip
    for leaf_index, elevator_id, pos, kind, ref_id, h, stored_leaf in _stream(query):
        if leaf_index != compact.size:
            report.problems.append(f"默克尔树第 {compact.size} 个叶子缺失")
            return
        if h is None:
            report.problems.append(f"默克尔树第 {leaf_index} 个叶子对应的账本条目已被删除")
            return
        leaf = merkle.leaf_hash(bytes.fromhex(h))
        if stored_leaf != leaf.hex():
            report.problems.append(f"{_name(kind, ref_id, elevator_id, pos)}: 不在默克尔树中原来的位置（叶子哈希不符）")
        compact.append(leaf)
        level.append(leaf)
        while target is not None and target[0] == compact.size:
            if compact.root().hex() != target[1]:
                report.problems.append(
                    f"检查点（{target[0]} 条）的根哈希与重新计算的不符："
                    f"第 {target[0]} 条之前的某条记录被改动（最后一条：{_name(kind, ref_id, elevator_id, pos)}）"
                )
            target = next(pending, None)
        if compact.size % (BATCH * 5) == 0:
            progress(f"  已重算默克尔叶子 {compact.size}")
    if target is not None:
        report.problems.append(f"检查点（{target[0]} 条）超出了树的大小 {compact.size}：叶子被删除")
    entries = db.session.execute(db.select(func.count()).select_from(LedgerEntry)).scalar_one()
    if entries != compact.size:
        report.problems.append(f"有 {entries - compact.size} 条账本条目尚未纳入默克尔树（运行 ledger checkpoint）")
    _check_nodes(level, report)


def _check_nodes(leaves: list[bytes], report: Report) -> None:
    """Recompute each level from the one below and compare with the stored complete-subtree hashes."""
    below, height = leaves, 0
    while len(below) >= 2:
        height += 1
        above = [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        stored = _stream(
            db.select(MerkleNode.idx, MerkleNode.hash).where(MerkleNode.level == height).order_by(MerkleNode.idx)
        )
        count = 0
        for index, h in stored:
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
    progress("核对账本条目与每部电梯的哈希链 …")
    chains = _check_entries(report, progress, content)
    _check_heads(chains, report)
    progress("核对默克尔树与检查点 …")
    _check_tree(report, progress)
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
