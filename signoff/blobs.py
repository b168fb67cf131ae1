"""``ledger verify``'s checks of the stored blobs (signature images) that records and events refer to by hash.

A row's content holds only a blob's SHA-256 (``BLOB_KINDS`` in ``signoff.content``), so the content hash proves
nothing about the bytes unless the bytes are hashed again. Two checks:

- ``missing_blobs``: for each batch of records/events the content pass already loaded, every hash they refer to
  must be a stored blob (key lookups only);
- ``rehash_blobs``: every blob table is read in key order, a bounded chunk of rows at a time, and each blob's
  SHA-256 is recomputed against its key; each bad blob is then named by the records that refer to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from sqlalchemy import Connection

from miniback.extensions import db
from signoff.content import BLOB_KINDS, KINDS, BlobKind, BlobReference, ContentKind
from signoff.rawsql import fetch_all

# Rows per read: at most 200 × SIGNATURE_MAX_BYTES (200 KB) = 40 MB held at once, typically a few MB.
BLOB_CHUNK = 200
# Records named per bad blob (a blob is normally one record's; a shared one could be many records').
REFERRERS_SHOWN = 20
Progress = Callable[[str], None]


def short(digest: str) -> str:
    return f"{digest[:12]}…"


def missing_blobs(kind: ContentKind, rows: Mapping[int, Mapping[str, object]]) -> list[tuple[int, BlobReference, str]]:
    """(ref_id, reference, hash) for each blob hash in ``rows`` (main rows of ``kind`` by id) that is not stored.

    Looked up in the session's snapshot, then on a fresh connection for what that snapshot does not hold: a row
    streamed from a newer snapshot (see ``verify._check_contents``) may refer to a blob committed with it.
    """
    missing: list[tuple[int, BlobReference, str]] = []
    for blob, reference in kind.references:
        table = db.metadata.tables.get(blob.table)
        if table is None:
            continue
        wanted = {str(row[reference.column]) for row in rows.values() if row.get(reference.column) is not None}
        if not wanted:
            continue
        key = table.c[blob.key]
        found = set(db.session.execute(db.select(key).where(key.in_(wanted))).scalars())
        if wanted - found:
            with db.engine.connect() as fresh:
                found.update(fresh.execute(db.select(key).where(key.in_(wanted - found))).scalars())
        for ref_id, row in rows.items():
            digest = row.get(reference.column)
            if digest is not None and str(digest) not in found:
                missing.append((ref_id, reference, str(digest)))
    return missing


def _bad_keys(blob: BlobKind, progress: Progress) -> tuple[int, list[str]]:
    """(blobs hashed, keys whose bytes no longer hash to the key), reading ``BLOB_CHUNK`` rows at a time."""
    sql = (
        f"SELECT {blob.key}, {blob.content} FROM {blob.table} WHERE {blob.key} > %s ORDER BY {blob.key}"
        f" LIMIT {BLOB_CHUNK}"
    )
    checked, bad, after = 0, [], ""
    sha256 = hashlib.sha256
    while True:
        rows = fetch_all(sql, (after,))
        for key, content in rows:
            if sha256(bytes(content or b"")).hexdigest() != key:
                bad.append(str(key))
        checked += len(rows)
        if checked and checked % 100_000 < len(rows):
            progress(f"  已重新计算 {checked} 个{blob.label}的哈希")
        if len(rows) < BLOB_CHUNK:
            return checked, bad
        after = rows[-1][0]


def _referrers(blob: BlobKind, reference: BlobReference, digest: str) -> list[tuple[int, int]]:
    """(id of the referring row, its record's id) of the rows whose ``reference`` holds ``digest``."""
    table = KINDS[reference.kind].main_table()
    if table is None:
        return []
    query = (
        db.select(table.c.id, table.c[reference.record_column])
        .where(table.c[reference.column] == digest)
        .order_by(table.c.id)
        .limit(REFERRERS_SHOWN + 1)
    )
    return [(int(ref_id), int(record_id)) for ref_id, record_id in db.session.execute(query)]


def record_names(record_ids: set[int], connection: Connection | None = None) -> dict[int, str]:
    """``维保记录 #12（电梯 3）`` for each record id (without the elevator when the record row is gone)."""
    label, table = KINDS["record"].label, KINDS["record"].main_table()
    names = {record_id: f"{label} #{record_id}" for record_id in record_ids}
    if table is not None and record_ids:
        query = db.select(table.c.id, table.c.elevator_id).where(table.c.id.in_(record_ids))
        for record_id, elevator_id in (connection or db.session).execute(query):
            names[int(record_id)] = f"{label} #{record_id}（电梯 {elevator_id}）"
    return names


def _describe_bad(blob: BlobKind, digest: str) -> list[str]:
    found: list[tuple[BlobReference, int, int]] = []
    more = False
    for reference in blob.references:
        rows = _referrers(blob, reference, digest)
        more = more or len(rows) > REFERRERS_SHOWN
        found += [(reference, ref_id, record_id) for ref_id, record_id in rows[:REFERRERS_SHOWN]]
    if not found:
        return [f"{blob.label} sha256 {short(digest)} 不符：图片内容被改动（没有记录引用它）"]
    names = record_names({record_id for _, _, record_id in found})
    problems = []
    for reference, ref_id, record_id in found:
        kind = KINDS[reference.kind]
        via = "" if reference.record_column == "id" else f"{kind.label} #{ref_id}，"
        problems.append(
            f"{names[record_id]}的{reference.label} sha256 不符：图片内容被改动（{via}sha256 {short(digest)}）"
        )
    if more:
        problems.append(f"另有更多记录引用同一{blob.label}（sha256 {short(digest)}），只列出前 {REFERRERS_SHOWN} 条")
    return problems


def rehash_blobs(progress: Progress = lambda _: None) -> tuple[int, list[str]]:
    """Re-hash every stored blob; returns (blobs checked, problems naming the records each bad blob belongs to)."""
    checked, problems = 0, []
    for blob in BLOB_KINDS:
        if db.metadata.tables.get(blob.table) is None:
            continue
        count, bad = _bad_keys(blob, progress)
        checked += count
        for digest in bad:
            problems += _describe_bad(blob, digest)
    return checked, problems
