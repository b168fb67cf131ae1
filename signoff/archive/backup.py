"""``backup verify`` (database vs archive, entry by entry) and ``backup restore`` (archive → empty database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, insert, text

from miniback.extensions import db
from miniback.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerLeaf, LedgerState, MerkleNode, utcnow
from signoff.archive.photos import photo_problem
from signoff.archive.segments import read_archive, row_from_json, row_to_json
from signoff.archive.store import ArchiveError, ArchiveStore
from signoff.ledger import merkle
from signoff.ledger.blobs import short
from signoff.ledger.kinds import BLOB_KINDS, KINDS, ContentKind

Progress = Callable[[str], None]
RESTORE_CHUNK = 5_000


@dataclass
class BackupReport:
    compared: int = 0
    archived_leaves: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _db_row(table: Table, data: dict[str, Any]) -> dict[str, Any] | None:
    keys = list(table.primary_key.columns)
    condition = [column == row_from_json(table, data)[column.name] for column in keys]
    row = db.session.execute(table.select().where(*condition)).mappings().first()
    return row_to_json(table, dict(row)) if row is not None else None


# How a person names the child rows archived with a record.
CHILD_LABELS = {
    "record_item": "检查项",
    "record_technician": "维保人员",
    "record_photo": "照片",
    "record_photo_missing": "缺少照片的说明",
}


def _record_part(kind: ContentKind | None, main: dict[str, Any] | None) -> str:
    """``维保记录 #12，`` for a row that belongs to a record (a sign-off event), else nothing."""
    if kind is None or kind.kind == "record" or not main or main.get("record_id") is None:
        return ""
    return f"{KINDS['record'].label} #{main['record_id']}，"


def _entry_name(entry: dict[str, Any], main: dict[str, Any] | None) -> str:
    kind = KINDS.get(entry["kind"])
    label = kind.label if kind else entry["kind"]
    where = f"账本条目 {entry['id']}，电梯 {entry['elevator_id']}"
    return f"{label} #{entry['ref_id']}（{_record_part(kind, main)}{where}）"


def _main_name(kind: ContentKind, main: dict[str, Any], elevator_id: object) -> str:
    where = f"电梯 {elevator_id}" if elevator_id is not None else ""
    inner = _record_part(kind, main) + where
    return f"{kind.label} #{main.get('id')}" + (f"（{inner.rstrip('，')}）" if inner else "")


def _row_name(line: dict[str, Any], entry: dict[str, Any] | None, group: list[dict[str, Any]]) -> str:
    """An archived row named by the record it belongs to: the entry archived after it and that entry's main row."""
    row, table = line["row"], line["table"]
    kind = KINDS.get(entry["kind"]) if entry else None
    if entry is None or kind is None:  # rows no entry follows (not the archiver's doing): named by their table
        return f"{table} {row.get('id', '')}".strip()
    main = next((g["row"] for g in group if g["table"] == kind.table), None) or {"id": entry["ref_id"]}
    owner = _main_name(kind, main, entry["elevator_id"])
    if table == kind.table:
        return owner
    for blob, reference in kind.references:
        if blob.table == table and main.get(reference.column) == row.get(blob.key):
            digest = str(row.get(blob.key))
            if reference.record_column == "id":
                return f"{owner}的{reference.label}（sha256 {short(digest)}）"
            record = KINDS["record"].label
            return (
                f"{record} #{main.get(reference.record_column)}（电梯 {entry['elevator_id']}）的{reference.label}"
                f"（{kind.label} #{main.get('id')}，sha256 {short(digest)}）"
            )
    for blob in BLOB_KINDS:
        if blob.table == table:  # a blob the main row no longer refers to (the archived copy says which)
            return f"{owner}引用的{blob.label}（sha256 {short(str(row.get(blob.key)))}）"
    item = f"第 {row['seq']} 项，" if "seq" in row else ""
    return f"{owner}的{CHILD_LABELS.get(table, table)}（{item}{table} {row.get('id')}）"


def _describe(line: dict[str, Any]) -> str:
    row = line["row"]
    if line["t"] == "checkpoint":
        return f"检查点 {row['id']}（{row['tree_size']} 条）"
    return f"{line['table']} {row.get('id', '')}".strip()


def verify_backup(store: ArchiveStore, progress: Progress = lambda _: None) -> BackupReport:
    """Every archived row must be in the database unchanged, and every archived-range entry in the archive."""
    report = BackupReport()
    archived_entries: set[int] = set()

    def compare(table: Table, row: dict[str, Any], name: str) -> None:
        current = _db_row(table, row)
        report.compared += 1
        if current is None:
            report.problems.append(f"{name}: 数据库中缺失（备份中存在）")
        elif current != row:
            changed = sorted(k for k in row if current.get(k) != row[k])
            report.problems.append(f"{name}: 与备份不一致（字段 {', '.join(changed)}）")
        if report.compared % 10_000 == 0:
            progress(f"  已比对 {report.compared} 行")

    # An entry's rows (blobs it refers to, its main row, its children) come just before the entry line: they are
    # held until it arrives so that every finding names the record they belong to.
    group: list[dict[str, Any]] = []

    def compare_group(entry: dict[str, Any] | None) -> None:
        for line in group:
            compare(_table(line["table"]), line["row"], _row_name(line, entry, group))
        group.clear()

    try:
        for line in read_archive(store):
            if line["t"] == "row":
                group.append(line)
                continue
            if line["t"] != "entry":
                compare_group(None)
                compare(_table(line.get("table", "ledger_checkpoint")), line["row"], _describe(line))
                continue
            entry = line["row"]
            kind = KINDS.get(entry["kind"])
            main = next((g["row"] for g in group if kind and g["table"] == kind.table), None)
            for photo in (g for g in group if g["table"] == "record_photo"):
                problem = photo_problem(store, str(photo["row"]["sha256"]))
                if problem is not None:
                    report.problems.append(f"{_row_name(photo, entry, group)}: {problem}")
            compare_group(entry)
            archived_entries.add(entry["id"])
            report.archived_leaves = max(report.archived_leaves, line["leaf_index"] + 1)
            leaf = db.session.get(LedgerLeaf, line["leaf_index"])
            if leaf is None or leaf.entry_id != entry["id"]:
                report.problems.append(f"{_entry_name(entry, main)}: 在默克尔树中的位置与备份不符")
            compare(_table("ledger_entry"), entry, _entry_name(entry, main))
        compare_group(None)
    except ArchiveError as exc:
        report.problems.append(f"备份本身已损坏：{exc}")
        return report
    # Entries the archive should hold (their leaves are in the archived range) but does not: forged afterwards.
    in_range = db.session.execute(
        db.select(LedgerLeaf.entry_id).where(LedgerLeaf.leaf_index < report.archived_leaves)
    ).scalars()
    for entry_id in in_range:
        if entry_id not in archived_entries:
            report.problems.append(f"{_unarchived_name(entry_id)}: 备份中没有（备份之后被插入）")
    pending = db.session.execute(db.select(func.count()).select_from(LedgerEntry)).scalar_one() - len(archived_entries)
    if pending > 0:
        progress(f"  另有 {pending} 条账本条目尚未归档（下次归档任务会写入）")
    return report


def _unarchived_name(entry_id: int) -> str:
    """An entry the archive lacks, named by the record (or event) it points at in the database."""
    entry = db.session.get(LedgerEntry, entry_id)
    if entry is None:
        return f"账本条目 {entry_id}"
    kind = KINDS.get(entry.kind)
    table = kind.main_table() if kind else None
    main = None
    if table is not None:
        found = db.session.execute(table.select().where(table.c.id == entry.ref_id)).mappings().first()
        main = dict(found) if found is not None else None
    return _entry_name(
        {"id": entry.id, "kind": entry.kind, "ref_id": entry.ref_id, "elevator_id": entry.elevator_id}, main
    )


def _insert_rows(table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), RESTORE_CHUNK):
        db.session.execute(insert(table), rows[start : start + RESTORE_CHUNK])


def restore(store: ArchiveStore, progress: Progress = lambda _: None) -> int:
    """Load the archive into a migrated database whose ledger is empty; returns the number of entries.

    Rebuilds the chain heads and the Merkle nodes from the archived entries (they are derived data). Foreign-key
    checks are suspended while loading: the registry (units, accounts, elevators) comes from the ordinary
    database backup and may be restored before or after. Flushes, the caller commits.
    """
    if db.session.execute(db.select(func.count()).select_from(LedgerEntry)).scalar_one():
        raise ArchiveError("数据库中已有账本条目：只能恢复到空库")
    dialect = db.session.get_bind().dialect.name
    if dialect in ("mysql", "mariadb"):
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
    pending: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    compact = merkle.CompactRange()
    heads: dict[int, tuple[int, str]] = {}
    nodes: list[dict[str, Any]] = []
    count = 0

    def flush_pending() -> None:
        for name, rows in pending.items():
            _insert_rows(_table(name), rows)
        pending.clear()
        _insert_rows(MerkleNode.__table__, nodes)
        nodes.clear()

    for line in read_archive(store):
        if line["t"] == "row":
            table = _table(line["table"])
            key = (line["table"], repr([line["row"][c.name] for c in table.primary_key.columns]))
            if key in seen:  # a signature image shared by several records is archived with each
                continue
            seen.add(key)
            pending.setdefault(line["table"], []).append(row_from_json(table, line["row"]))
        elif line["t"] == "entry":
            row = row_from_json(LedgerEntry.__table__, line["row"])
            if line["leaf_index"] != compact.size:
                raise ArchiveError(f"备份中的叶子 {line['leaf_index']} 顺序错乱")
            pending.setdefault("ledger_entry", []).append(row)
            pending.setdefault("ledger_leaf", []).append({"leaf_index": compact.size, "entry_id": row["id"]})
            for level, index, h in compact.append(merkle.leaf_hash(bytes.fromhex(row["entry_hash"]))):
                nodes.append({"level": level, "idx": index, "hash": h.hex()})
            heads[row["elevator_id"]] = (row["chain_pos"], row["entry_hash"])
            count += 1
            if count % RESTORE_CHUNK == 0:
                flush_pending()
                progress(f"  已恢复 {count} 条账本条目")
        elif line["t"] == "checkpoint":
            pending.setdefault("ledger_checkpoint", []).append(row_from_json(LedgerCheckpoint.__table__, line["row"]))
    flush_pending()
    now = utcnow()
    _insert_rows(
        LedgerHead.__table__,
        [
            {"elevator_id": elevator_id, "length": length, "last_hash": h, "updated_at": now}
            for elevator_id, (length, h) in heads.items()
        ],
    )
    state = db.session.get(LedgerState, 1)
    if state is None:
        db.session.add(LedgerState(id=1, tree_size=compact.size, updated_at=now))
    else:
        state.tree_size = compact.size
        state.updated_at = now
    if dialect in ("mysql", "mariadb"):
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    db.session.flush()
    return count
