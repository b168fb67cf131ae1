"""``ledger verify``: recompute every content hash, every chain link, every tree node and every checkpoint root,
re-hash every stored blob (signature image) the records and events refer to by hash (``signoff.ledger.blobs``),
and check the signed evidence of origin of every record a platform uploaded (``signoff.ledger.origins``).

One keyset-paginated pass in Merkle-leaf order (plain DBAPI tuples: the ORM would cost more than the hashing),
then one pass per tree level; memory holds the leaf level only.
Problems are collected in the order they are found; the first one names the record or event that is wrong.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func

from miniback.extensions import db
from miniback.models import (
    GENESIS_HASH,
    LedgerCheckpoint,
    LedgerCheckpointSignature,
    LedgerEntry,
    LedgerLeaf,
    MerkleNode,
)
from signoff.ledger import merkle
from signoff.ledger.blobs import missing_blobs, rehash_blobs, short
from signoff.ledger.bulk import keyset, paused_gc
from signoff.ledger.chain import entry_hash
from signoff.ledger.kinds import KINDS, columns_differing, load_children, load_rows, rehash_stored
from signoff.ledger.origins import verify_origins

BATCH = 10_000
NEW_CHAIN = (0, GENESIS_HASH)
Progress = Callable[[str], None]


@dataclass
class Report:
    entries: int = 0
    contents_checked: int = 0
    checkpoints: int = 0
    blobs_checked: int = 0
    origins_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def reset(self) -> Report:
        self.entries = self.contents_checked = self.checkpoints = self.blobs_checked = self.origins_checked = 0
        self.problems.clear()
        return self


def _name(kind: str, ref_id: int, elevator_id: int, pos: int, row: dict[str, object] | None = None) -> str:
    """How a finding names an entry; a sign-off event whose row is at hand also names its record."""
    label = KINDS[kind].label if kind in KINDS else kind
    record = f"维保记录 #{row['record_id']}，" if kind == "event" and row and row.get("record_id") is not None else ""
    return f"{label} #{ref_id}（{record}电梯 {elevator_id}，链上第 {pos} 条）"


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
        children = load_children(kind, list(stored))
        unseen = [item[2] for item in rows if item[2] not in stored]
        if unseen:
            # The entries are streamed from a snapshot taken a moment after this session's: a record and its
            # entry committed in between are not gone. Only what is missing from the newest data is reported.
            with db.engine.connect() as fresh:
                late = load_rows(kind, unseen, fresh)
                stored.update(late)
                children.update(load_children(kind, list(late), fresh))
        missing: dict[int, list[str]] = {}
        for ref_id, reference, digest in missing_blobs(kind, stored):
            missing.setdefault(ref_id, []).append(f"{reference.label}缺失（sha256 {short(digest)}）")
        for _, _, ref_id, content_hash, elevator_id, pos in rows:
            row: dict[str, object] | None = stored.get(ref_id)
            name = _name(kind_name, ref_id, elevator_id, pos, row)
            if row is None:
                report.problems.append(f"{name}: 已从数据库中消失")
                continue
            report.problems += [f"{name}: {problem}" for problem in missing.get(ref_id, [])]
            report.contents_checked += 1
            recomputed = rehash_stored(kind_name, row)
            if recomputed is not None and recomputed != content_hash:
                report.problems.append(f"{name}: 内容被改动（重新计算的哈希与账本不符）")
            elif row.get("content_hash") is not None and row.get("content_hash") != content_hash:
                report.problems.append(f"{name}: 内容哈希字段被改动")
            elif isinstance(row.get("canonical_content"), str):
                differing = columns_differing(row, str(row["canonical_content"]), children.get(ref_id, {}))
                if differing:
                    report.problems.append(f"{name}: 字段 {', '.join(differing)} 与签署时的规范内容不符（被改动）")


LEAVES_SQL = (
    "SELECT l.leaf_index, e.id, e.elevator_id, e.chain_pos, e.kind, e.ref_id, e.content_hash, e.prev_hash,"
    " e.entry_hash, NULL FROM ledger_leaf l"
    " LEFT JOIN ledger_entry e ON e.id = l.entry_id"
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

    The pass collects the leaf hashes; ``finish_tree`` then builds every level above them a level at a time (a
    tight loop per level costs far less than growing the tree leaf by leaf) and checks each checkpoint's root
    against the recomputed tree, reporting a bad root where the walk reached that checkpoint.
    """

    def __init__(self, report: Report, progress: Progress, content: bool) -> None:
        self.report, self.progress, self.content = report, progress, content
        self.chains: dict[int, tuple[int, str]] = {}
        self.batch: list[tuple[int, str, int, str, int, int]] = []
        # Every complete subtree hash, by level (level 0: the leaves); levels above 0 are filled by finish_tree.
        self.levels: list[list[bytes]] = [[]]
        self.tree_broken = False
        self.checkpoints = [
            (size, root)
            for size, root in db.session.execute(
                db.select(LedgerCheckpoint.tree_size, LedgerCheckpoint.root_hash).order_by(LedgerCheckpoint.tree_size)
            )
        ]
        report.checkpoints = len(self.checkpoints)
        self.next_checkpoint = 0
        # Checkpoints the walk reached: (size, published root, last entry's name, position in report.problems).
        self.reached: list[tuple[int, str, str, int]] = []
        # The chain heads (elevator, length, last hash) as of the entries' snapshot; None: read them in the session.
        self.heads: list[tuple[Any, ...]] | None = None

    def chain(self, row: tuple[Any, ...], link: str | None = None) -> str | None:
        """Check one entry's link; returns its stored entry hash (None when the entry row is gone).

        ``link`` is the entry's ``elevator_id|chain_pos|kind|ref_id|content_hash|prev_hash`` text when the database
        already assembled it (the packed MariaDB path).
        """
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
        if link is not None:
            recomputed = hashlib.sha256(link.encode()).hexdigest()
        else:
            recomputed = entry_hash(elevator_id, pos, kind, ref_id, content_hash, prev_hash)
        if recomputed != stored_hash:
            report.problems.append(f"{_name(kind, ref_id, elevator_id, pos)}: 账本条目哈希不符")
        self.chains[elevator_id] = (pos, stored_hash)
        if self.content:
            self.batch.append((entry_id, kind, ref_id, content_hash, elevator_id, pos))
            if len(self.batch) >= BATCH:
                self.flush()
        if report.entries % 100_000 == 0:
            self.progress(f"  已核对 {report.entries} 条")
        return str(stored_hash)

    def run_packed(self, blocks: Iterator[tuple[int | None, list[str] | None]]) -> int:
        """Walk the packed blocks (see ``_packed_blocks``); returns how many entries are not yet in the tree.

        The common case (a link that holds, in its place in the tree) is inlined with local names — per entry
        this loop is most of ``ledger verify``'s time; its leaf hashes are computed a block at a time. Anything
        else takes the reporting path through ``chain`` and ``leaf``.
        """
        sha256, fromhex = hashlib.sha256, bytes.fromhex
        chains, level0, content = self.chains, self.levels[0], self.content
        next_size = self._next_size()
        pending = fast = 0
        for leaf_start, flat in blocks:
            if flat is None:
                assert leaf_start is not None
                self.leaf((leaf_start, None, None, None, None, None, None, None, None, None), None)
                next_size = self._next_size()
                continue
            if leaf_start is None:
                for base in range(0, len(flat), FIELDS):
                    self.chain(*_entry_row(None, flat[base : base + FIELDS]))
                    pending += 1
                continue
            index = leaf_start
            in_place = index == len(level0) and not self.tree_broken
            hexes: list[str] = []  # stored entry hashes whose leaves are still to be hashed, in leaf order
            it = iter(flat)
            for entry_id, e, p, kind, ref, c, prev, stored in zip(it, it, it, it, it, it, it, it, strict=True):
                elevator_id, pos = int(e), int(p)
                length, last = chains.get(elevator_id, NEW_CHAIN)
                if (
                    in_place
                    and pos == length + 1
                    and prev == last
                    and sha256(f"{e}|{p}|{kind}|{ref}|{c}|{prev}".encode()).hexdigest() == stored
                ):
                    chains[elevator_id] = (pos, stored)
                    fast += 1
                    hexes.append(stored)
                    index += 1
                    if content:
                        self.batch.append((int(entry_id), kind, int(ref), c, elevator_id, pos))
                        if len(self.batch) >= BATCH:
                            self.flush()
                    if index == next_size:
                        level0 += [sha256(b"\x00" + fromhex(h)).digest() for h in hexes]
                        hexes = []
                        self._checkpoint_reached(_name(kind, int(ref), elevator_id, pos))
                        next_size = self._next_size()
                    continue
                level0 += [sha256(b"\x00" + fromhex(h)).digest() for h in hexes]
                hexes = []
                row, text = _entry_row(index, [entry_id, e, p, kind, ref, c, prev, stored])
                self.leaf(row, self.chain(row, text))
                index += 1
                in_place = index == len(level0) and not self.tree_broken
                next_size = self._next_size()
            level0 += [sha256(b"\x00" + fromhex(h)).digest() for h in hexes]
            if index >> 18 != leaf_start >> 18:
                self.progress(f"  已核对 {index} 条")
        self.report.entries += fast
        return pending

    def _next_size(self) -> int:
        """The size of the next checkpoint to reach, -1 when none is left."""
        if self.next_checkpoint < len(self.checkpoints):
            return int(self.checkpoints[self.next_checkpoint][0])
        return -1

    def _checkpoint_reached(self, last: str) -> None:
        checkpoints, size = self.checkpoints, len(self.levels[0])
        while self.next_checkpoint < len(checkpoints) and checkpoints[self.next_checkpoint][0] == size:
            root = checkpoints[self.next_checkpoint][1]
            self.reached.append((size, root, last, len(self.report.problems)))
            self.next_checkpoint += 1

    def flush(self) -> None:
        _check_contents(self.batch, self.report, self.content)
        self.batch = []

    def leaf(self, row: tuple[Any, ...], stored_hash: str | None) -> None:
        leaf_index, _, elevator_id, pos, kind, ref_id, _, _, _, _ = row
        if self.tree_broken:
            return
        level0 = self.levels[0]
        if leaf_index != len(level0):
            self.report.problems.append(f"默克尔树第 {len(level0)} 个叶子缺失")
            self.tree_broken = True
            return
        if stored_hash is None:
            self.report.problems.append(f"默克尔树第 {leaf_index} 个叶子对应的账本条目已被删除")
            stored_leaf = db.session.get(MerkleNode, (0, leaf_index))
            if stored_leaf is None:
                self.tree_broken = True
                return
            leaf = bytes.fromhex(stored_leaf.hash)
        else:
            leaf = merkle.leaf_hash(bytes.fromhex(stored_hash))
        level0.append(leaf)
        self._checkpoint_reached(_name(kind, ref_id, elevator_id, pos) if stored_hash else f"叶子 {leaf_index}")

    def finish_tree(self) -> None:
        """Build the levels above the leaves, then check the roots of the checkpoints the walk reached."""
        levels, sha256 = self.levels, hashlib.sha256
        while len(levels[-1]) >= 2:
            below = levels[-1]
            complete = len(below) & ~1  # an odd last node has no sibling yet: no complete subtree above it
            lefts, rights = below[0:complete:2], below[1:complete:2]
            levels.append([sha256(b"\x01" + left + right).digest() for left, right in zip(lefts, rights, strict=True)])

        def reader(level: int, index: int) -> bytes:
            return levels[level][index]

        # Inserted from the last to the first so that each lands where the walk reached its checkpoint.
        for size, root, last, position in reversed(self.reached):
            if merkle.root_hash(size, reader).hex() != root:
                self.report.problems.insert(
                    position,
                    f"检查点（{size} 条）的根哈希与重新计算的不符：前 {size} 条中有记录被改动（最后一条：{last}）",
                )
        if self.next_checkpoint < len(self.checkpoints) and not self.tree_broken:
            size = self.checkpoints[self.next_checkpoint][0]
            self.report.problems.append(f"检查点（{size} 条）超出了树的大小 {len(levels[0])}：叶子被删除")


# MariaDB/MySQL: entries and leaves are read as packed text, one value per 10,000 rows, each by a sequential primary
# key range. PyMySQL parses rows in pure Python (~25 µs for a row of ten columns) and joins would make the server
# jump around a table bigger than its buffer pool; splitting long strings and merging two ordered streams in
# Python is what lets a million entries verify in seconds.
PACKED_ENTRIES_SQL = (
    "SELECT GROUP_CONCAT(CONCAT_WS('|', id, elevator_id, chain_pos, kind, ref_id, content_hash, prev_hash,"
    " entry_hash) SEPARATOR '|'), COUNT(*) FROM ledger_entry WHERE id >= {start} AND id < {end}"
)
PACKED_LEAVES_SQL = (
    "SELECT GROUP_CONCAT(CONCAT(leaf_index, ',', entry_id) SEPARATOR ','), COUNT(*)"
    " FROM ledger_leaf WHERE leaf_index >= {start} AND leaf_index < {end}"
)
PACK = 10_000
HEADS_ALL_SQL = "SELECT elevator_id, length, last_hash FROM ledger_head ORDER BY elevator_id"
# Longest packed value (bytes); a chunk of 40,000 node hashes is 2.6 MB.
GROUP_CONCAT_MAX = 64 * 1024 * 1024
FIELDS = 8  # id, elevator_id, chain_pos, kind, ref_id, content_hash, prev_hash, entry_hash


class PackingError(ValueError):
    """An entry's fields contain the packing separators (e.g. a tampered kind): fall back to row by row."""


class _Prefetch:
    """Reads packed chunks on its own connection in a thread, a few chunks ahead of the hashing.

    PyMySQL waits for the server without holding the GIL, so the server's work overlaps Python's. The thread
    opens a consistent snapshot before ``ready`` is set: the leaf stream is opened first and the entry stream
    second, so the entries seen include every entry a seen leaf points to.
    """

    def __init__(self, engine: Engine, sql: str, bounds_sql: str, separator: str, first_sql: str = "") -> None:
        """``first_sql``, if given, is read in the same snapshot before ``ready``; its rows are ``first_rows``."""
        self.engine, self.sql, self.bounds_sql, self.separator = engine, sql, bounds_sql, separator
        self.first_sql = first_sql
        self.first_rows: list[tuple[Any, ...]] = []
        self.chunks: queue.Queue[tuple[int, list[str]] | BaseException | None] = queue.Queue(maxsize=3)
        self.ready = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ledger-verify-prefetch", daemon=True)
        self.thread.start()
        self.ready.wait()

    def _put(self, item: tuple[int, list[str]] | BaseException | None) -> bool:
        while not self.stopped.is_set():
            try:
                self.chunks.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql(f"SET SESSION group_concat_max_len = {GROUP_CONCAT_MAX}")
                connection.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT")
                if self.first_sql:
                    self.first_rows = [tuple(row) for row in connection.exec_driver_sql(self.first_sql)]
                low, high = connection.exec_driver_sql(self.bounds_sql).one()
                self.ready.set()
                if low is not None and high is not None:
                    for start in range(low, high + 1, PACK):
                        end = min(start + PACK, high + 1)
                        packed, count = connection.exec_driver_sql(self.sql.format(start=start, end=end)).one()
                        if count and not self._put((count, packed.split(self.separator))):
                            return
                connection.rollback()
            self._put(None)
        except BaseException as exc:  # handed to the reading thread, which re-raises it
            self.ready.set()
            self._put(exc)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        try:
            while True:
                item = self.chunks.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stopped.set()


def _entry_chunks(source: _Prefetch) -> Iterator[tuple[list[int], list[str]]]:
    """(ids, the entries' fields flattened: eight per entry) a chunk at a time, in id order.

    GROUP_CONCAT without ORDER BY follows the primary-key range scan (a sort would double the server's work);
    should a server ever hand rows over in another order, they are sorted here.
    """
    for count, flat in source:
        if len(flat) != count * FIELDS:
            raise PackingError(flat[0])
        ids = list(map(int, flat[0::FIELDS]))
        if ids != sorted(ids):
            rows = sorted(zip(ids, (flat[i : i + FIELDS] for i in range(0, len(flat), FIELDS)), strict=True))
            ids = [entry_id for entry_id, _ in rows]
            flat = [field for _, row in rows for field in row]
        yield ids, flat


def _leaf_chunks(source: _Prefetch) -> Iterator[tuple[list[int], list[int]]]:
    """(leaf indexes, entry ids) a chunk at a time, in leaf order."""
    for count, flat in source:
        indexes, ids = list(map(int, flat[0::2])), list(map(int, flat[1::2]))
        if len(indexes) != count or len(ids) != count:
            raise PackingError("ledger_leaf")
        if indexes != sorted(indexes):
            pairs = sorted(zip(indexes, ids, strict=True))
            indexes, ids = [i for i, _ in pairs], [e for _, e in pairs]
        yield indexes, ids


def _entry_row(leaf_index: int | None, fields: list[str]) -> tuple[tuple[Any, ...], str]:
    entry_id, elevator_id, pos, kind, ref_id, content_hash, prev_hash, stored_hash = fields
    row = (leaf_index, int(entry_id), int(elevator_id), int(pos), kind, int(ref_id), content_hash, prev_hash,
           stored_hash, None)  # fmt: skip
    return row, "|".join(fields[1:7])


class _EntryBuffer:
    """The entry stream with a read position, refilled a chunk at a time."""

    def __init__(self, chunks: Iterator[tuple[list[int], list[str]]]) -> None:
        self.chunks = chunks
        self.ids: list[int] = []
        self.flat: list[str] = []
        self.pos = 0

    def available(self, n: int) -> int:
        """Make at least ``n`` unread entries available if the stream has them; returns how many are."""
        while len(self.ids) - self.pos < n:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.ids = self.ids[self.pos :] + chunk[0]
            self.flat = self.flat[self.pos * FIELDS :] + chunk[1]
            self.pos = 0
        return len(self.ids) - self.pos

    def take(self, n: int) -> list[str]:
        start = self.pos * FIELDS
        self.pos += n
        return self.flat[start : self.pos * FIELDS]


def _packed_blocks(walk: _Walk) -> Iterator[tuple[int | None, list[str] | None]]:
    """The entries in leaf order, as blocks ``(first leaf index, fields of consecutive leaves' entries)``.

    Usually a whole chunk of leaves points at the next entries in id order and comes as one block; otherwise each
    leaf comes alone — ``(leaf index, None)`` when its entry is gone — and finally ``(None, fields)`` for each entry
    not yet in the tree, in id order.
    """
    engine = db.engine
    # The tree nodes are checked afterwards in the session's own snapshot, taken before the streams' snapshots:
    # leaves a checkpoint build committed in between are left out here (their entries count as not yet in the
    # tree), so the leaves walked and the nodes compared are always the same tree.
    last = db.session.execute(db.select(func.max(LedgerLeaf.leaf_index))).scalar()
    last = -1 if last is None else int(last)
    leaves_bounds = f"SELECT 0, LEAST(MAX(leaf_index), {last}) FROM ledger_leaf"
    leaves = _leaf_chunks(_Prefetch(engine, PACKED_LEAVES_SQL, leaves_bounds, ","))
    # The chain heads are read in the entry stream's snapshot: an append commits its entry and its head together.
    entry_source = _Prefetch(
        engine, PACKED_ENTRIES_SQL, "SELECT MIN(id), MAX(id) FROM ledger_entry", "|", HEADS_ALL_SQL
    )
    walk.heads = entry_source.first_rows
    entries = _EntryBuffer(_entry_chunks(entry_source))
    waiting: dict[int, list[str]] = {}
    for indexes, wanted in leaves:
        n = len(wanted)
        if (
            not waiting
            and indexes[-1] - indexes[0] == n - 1
            and entries.available(n) >= n
            and entries.ids[entries.pos : entries.pos + n] == wanted
        ):  # the common case: tree order is id order
            yield indexes[0], entries.take(n)
            continue
        for leaf_index, entry_id in zip(indexes, wanted, strict=True):
            found = waiting.pop(entry_id, None)
            while found is None and entries.available(1):
                upcoming = entries.ids[entries.pos]
                if upcoming > entry_id:
                    break
                fields = entries.take(1)
                if upcoming == entry_id:
                    found = fields
                else:  # committed late, placed later in the tree: keep it until its leaf comes
                    waiting[upcoming] = fields
            yield leaf_index, found
    for entry_id in sorted(waiting):
        yield None, waiting[entry_id]
    while entries.available(1):
        yield None, entries.take(entries.available(PACK))


def _check_entries_and_tree(report: Report, progress: Progress, content: bool) -> _Walk:
    walk = _Walk(report, progress, content)
    if db.session.get_bind().dialect.name in ("mysql", "mariadb"):
        try:
            pending = walk.run_packed(_packed_blocks(walk))
            walk.finish_tree()
            walk.flush()
            if pending:
                progress(f"  另有 {pending} 条账本条目尚未纳入检查点（下一个检查点会纳入）")
            return walk
        except PackingError:
            walk = _Walk(report.reset(), progress, content)
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


HEADS_SQL = (
    "SELECT elevator_id, length, last_hash FROM ledger_head WHERE elevator_id > {after} ORDER BY elevator_id"
    " LIMIT {limit}"
)


def _check_heads(chains: dict[int, tuple[int, str]], report: Report, heads: list[tuple[Any, ...]] | None) -> None:
    """A chain whose head remembers more than its entries show was truncated (newest entries deleted)."""
    seen: set[int] = set()
    for elevator_id, length, last_hash in keyset(HEADS_SQL) if heads is None else heads:
        seen.add(elevator_id)
        actual = chains.get(elevator_id, (0, GENESIS_HASH))
        if actual != (length, last_hash):
            report.problems.append(f"电梯 {elevator_id} 的链被截断或改写：链头记录 {length} 条，实际 {actual[0]} 条")
    for elevator_id in sorted(set(chains) - seen):
        report.problems.append(f"电梯 {elevator_id} 的链没有链头记录（伪造的链？）")


NODES_SQL = "SELECT idx, hash FROM merkle_node WHERE level = {level} AND idx > {{after}} ORDER BY idx LIMIT {{limit}}"
PACKED_LEVEL_SQL = (
    "SELECT GROUP_CONCAT(hash SEPARATOR ''), COUNT(*) FROM merkle_node"
    " WHERE level = {level} AND idx >= {start} AND idx < {end}"
)
LEVEL_STEP = 40_000


def _level_differs(level: int, computed: list[bytes]) -> int | None:
    """The first index where the stored level differs from ``computed`` (or has extra/missing nodes), else None.

    Packed chunks (no ORDER BY: primary-key scan order) are compared as one string; any difference, including
    one of order only, is settled by the ordered row-by-row comparison.
    """
    start = 0
    if db.session.get_bind().dialect.name in ("mysql", "mariadb"):
        connection = db.session.connection()
        connection.exec_driver_sql(f"SET SESSION group_concat_max_len = {GROUP_CONCAT_MAX}")
        for start in range(0, len(computed), LEVEL_STEP):
            end = min(start + LEVEL_STEP, len(computed))
            packed, count = connection.exec_driver_sql(PACKED_LEVEL_SQL.format(level=level, start=start, end=end)).one()
            if count != end - start or packed != b"".join(computed[start:end]).hex():
                break
        else:
            start = len(computed)
    for index, h in keyset(NODES_SQL.format(level=level), start=start - 1):
        if index != start or index >= len(computed) or computed[index].hex() != h:
            return min(index, start)
        start += 1
    return start if start < len(computed) else None


def _check_nodes(levels: list[list[bytes]], report: Report) -> None:
    """Every stored complete-subtree hash against the tree recomputed from the entries (``levels``)."""
    bad = _level_differs(0, levels[0])
    if bad is not None:
        entry = db.session.execute(
            db.select(LedgerEntry)
            .join(LedgerLeaf, LedgerLeaf.entry_id == LedgerEntry.id)
            .where(LedgerLeaf.leaf_index == bad)
        ).scalar_one_or_none()
        what = _name(entry.kind, entry.ref_id, entry.elevator_id, entry.chain_pos) if entry else f"叶子 {bad}"
        report.problems.append(f"{what}: 不在默克尔树中原来的位置（叶子哈希不符）")
        return
    for height in range(1, len(levels)):
        bad = _level_differs(height, levels[height])
        if bad is not None:
            report.problems.append(f"默克尔树第 {height} 层第 {bad} 个节点被改动或缺失")
            return
    if _level_differs(len(levels), []) is not None:
        report.problems.append(f"默克尔树第 {len(levels)} 层有多余的节点")


def verify_ledger(progress: Progress = lambda _: None, content: bool = True) -> Report:
    """Check everything the ledger commits to; ``content=False`` skips re-hashing the records, events and blobs and
    checking the uploaded records' signed origin."""
    report = Report()
    with paused_gc():
        progress("按默克尔树顺序核对账本条目、每部电梯的哈希链与检查点 …")
        walk = _check_entries_and_tree(report, progress, content)
        _check_heads(walk.chains, report, walk.heads)
        progress("核对默克尔树的内部节点 …")
        _check_nodes(walk.levels, report)
    if content:
        report.blobs_checked, problems = rehash_blobs(progress)
        report.problems += problems
        report.origins_checked, problems = verify_origins(progress)
        report.problems += problems
    _check_unledgered(report, progress)
    _check_signatures(report)
    return report


def _check_signatures(report: Report) -> None:
    """Every stored signed checkpoint verifies under the log key and names its checkpoint's size and root."""
    from signoff.ledger.logkey import log_key
    from signoff.ledger.signed_note import NoteError, verify_signed_checkpoint

    signature = LedgerCheckpointSignature
    signatures = db.session.execute(
        db.select(signature.tree_size, signature.signed_note, LedgerCheckpoint.root_hash)
        .outerjoin(LedgerCheckpoint, LedgerCheckpoint.tree_size == signature.tree_size)
        .order_by(signature.tree_size)
    ).all()
    if not signatures:
        return
    key = log_key()
    for size, note, root in signatures:
        try:
            signed = verify_signed_checkpoint(note, key)
        except NoteError as exc:
            report.problems.append(f"检查点（{size} 条）的签名: {exc}")
            continue
        if root is None:
            report.problems.append(f"检查点（{size} 条）已签名，却已从数据库中消失")
        elif signed.tree_size != size or signed.root_hash.hex() != root:
            report.problems.append(f"检查点（{size} 条）与其签名不符：检查点已被改写")


def _check_unledgered(report: Report, progress: Progress) -> None:
    """A record or event row with no ledger entry was inserted around the application (forged).

    Records are chained in their own transaction, so every record must have an entry. Events are chained by the
    seal job after they commit: those newer than the newest chained event are simply waiting for the next run.
    """
    for kind in KINDS.values():
        table = kind.main_table()
        if table is None:
            continue
        query = (
            db.select(table.c.id)
            .outerjoin(LedgerEntry, (LedgerEntry.kind == kind.kind) & (LedgerEntry.ref_id == table.c.id))
            .where(LedgerEntry.id.is_(None))
        )
        if kind.kind == "event":
            frontier = db.session.execute(
                db.select(func.max(LedgerEntry.ref_id)).where(LedgerEntry.kind == "event")
            ).scalar()
            waiting = db.session.execute(
                db.select(func.count()).select_from(query.where(table.c.id > (frontier or 0)).subquery())
            ).scalar_one()
            if waiting:
                progress(f"  另有 {waiting} 个签名确认事件等待下一次入账（ledger checkpoint）")
            query = query.where(table.c.id <= (frontier or 0))
        for (ref_id,) in db.session.execute(query.order_by(table.c.id).limit(10)):
            report.problems.append(f"{kind.label} #{ref_id}: 不在账本中（绕过应用写入的伪造数据）")
