"""``ledger verify``'s checks of the stored blobs (signature images) that records and events refer to by hash.

A row's content holds only a blob's SHA-256 (``BLOB_KINDS`` in ``signoff.ledger.kinds``), so the content hash proves
nothing about the bytes unless the bytes are hashed again. Two checks:

- ``missing_blobs``: for each batch of records/events the content pass already loaded, every hash they refer to
  must be a stored blob (key lookups only);
- ``rehash_blobs``: every blob table is read in key order, a bounded chunk of rows at a time, and each blob's
  SHA-256 is recomputed (by MariaDB's ``SHA2`` where the blob is stored, else here) and compared with its key;
  each bad blob is then named by the records that refer to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from miniback.extensions import db
from signoff.ledger.bulk import fetch_all
from signoff.ledger.kinds import BLOB_KINDS, KINDS, BlobKind, BlobReference, ContentKind

# Rows per read when the blobs come to this process: at most 200 × SIGNATURE_MAX_BYTES (200 KB) = 40 MB held at
# once, typically a few MB; when the database hashes them, only digests come back.
BLOB_CHUNK = 200
HASHED_CHUNK = 2_000
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


def _hashed_by_the_database() -> bool:
    """MariaDB/MySQL hash each blob where it is stored (``SHA2``): only the 64-character digests cross the wire,
    three times faster than reading the images into this process. The database is trusted with the bytes either
    way: it is what hands them back."""
    return db.session.get_bind().dialect.name in ("mysql", "mariadb")


def _bad_keys(blob: BlobKind, progress: Progress) -> tuple[int, list[str]]:
    """(blobs hashed, keys whose bytes no longer hash to the key), in key order, a chunk of rows at a time."""
    if _hashed_by_the_database():
        chunk, hashed = HASHED_CHUNK, f"SHA2({blob.content}, 256)"
    else:
        chunk, hashed = BLOB_CHUNK, blob.content
    sql = f"SELECT {blob.key}, {hashed} FROM {blob.table} WHERE {blob.key} > %s ORDER BY {blob.key} LIMIT {chunk}"
    checked, bad, after = 0, [], ""
    sha256 = hashlib.sha256
    while True:
        rows = fetch_all(sql, (after,))
        for key, value in rows:
            digest = value if isinstance(value, str) else sha256(bytes(value or b"")).hexdigest()
            if digest != key:
                bad.append(str(key))
        checked += len(rows)
        if checked and checked % 100_000 < len(rows):
            progress(f"  已重新计算 {checked} 个{blob.label}的哈希")
        if len(rows) < chunk:
            return checked, bad
        after = rows[-1][0]


def _referrers(reference: BlobReference, digests: list[str]) -> dict[str, tuple[list[tuple[int, int]], int]]:
    """For each digest: (the first ``REFERRERS_SHOWN`` (row id, record id) whose ``reference`` holds it, how many).

    One pass per reference and chunk of digests, streamed (an event's signature hash has no index: each pass is a
    scan, made only when images are bad; a blob shared by many rows must not fill the memory).
    """
    found: dict[str, tuple[list[tuple[int, int]], int]] = {digest: ([], 0) for digest in digests}
    table = KINDS[reference.kind].main_table()
    if table is None:
        return found
    column = table.c[reference.column]
    for start in range(0, len(digests), 500):
        query = (
            db.select(table.c.id, table.c[reference.record_column], column)
            .where(column.in_(digests[start : start + 500]))
            .execution_options(stream_results=True, yield_per=1_000)
        )
        for ref_id, record_id, digest in db.session.execute(query):
            shown, count = found[str(digest)]
            if count < REFERRERS_SHOWN:
                shown.append((int(ref_id), int(record_id)))
            found[str(digest)] = (shown, count + 1)
    for shown, _ in found.values():
        shown.sort()
    return found


def record_names(record_ids: set[int]) -> dict[int, str]:
    """``维保记录 #12（电梯 3）`` for each record id (without the elevator when the record row is gone)."""
    label, table = KINDS["record"].label, KINDS["record"].main_table()
    names = {record_id: f"{label} #{record_id}" for record_id in record_ids}
    if table is not None and record_ids:
        query = db.select(table.c.id, table.c.elevator_id).where(table.c.id.in_(record_ids))
        for record_id, elevator_id in db.session.execute(query):
            names[int(record_id)] = f"{label} #{record_id}（电梯 {elevator_id}）"
    return names


def _describe_bad(blob: BlobKind, digests: list[str]) -> list[str]:
    """One finding per record (and event) that refers to a bad blob, naming the record, in key order."""
    by_reference = [(reference, _referrers(reference, digests)) for reference in blob.references]
    names = record_names(
        {record_id for _, found in by_reference for shown, _ in found.values() for _, record_id in shown}
    )
    problems = []
    for digest in digests:
        named = False
        for reference, found in by_reference:
            shown, count = found[digest]
            for ref_id, record_id in shown:
                via = "" if reference.record_column == "id" else f"{KINDS[reference.kind].label} #{ref_id}，"
                what = f"{names[record_id]}的{reference.label}"
                problems.append(f"{what} sha256 不符：图片内容被改动（{via}sha256 {short(digest)}）")
            if count > len(shown):
                problems.append(
                    f"另有 {count - len(shown)} 条记录的{reference.label}是同一张（sha256 {short(digest)}），未逐条列出"
                )
            named = named or count > 0
        if not named:
            problems.append(f"{blob.label} sha256 {short(digest)} 不符：图片内容被改动（没有记录引用它）")
    return problems


def rehash_blobs(progress: Progress = lambda _: None) -> tuple[int, list[str]]:
    """Re-hash every stored blob; returns (blobs checked, problems naming the records each bad blob belongs to)."""
    checked, problems = 0, []
    for blob in BLOB_KINDS:
        if db.metadata.tables.get(blob.table) is None:
            continue
        progress(f"重新计算{blob.label}的哈希 …")
        count, bad = _bad_keys(blob, progress)
        checked += count
        problems += _describe_bad(blob, bad) if bad else []
    return checked, problems
