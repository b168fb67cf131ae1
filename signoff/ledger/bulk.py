"""Fast paths for million-row passes: plain DBAPI cursors on the session's connection, keyset-paginated.

The ORM's per-row objects cost more than the hashing they feed; these helpers hand back plain tuples. SQL here
only ever embeds integers the caller computed, never input.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from miniback.extensions import db

CHUNK = 50_000


def _cursor() -> Any:
    return db.session.connection().connection.cursor()


def paramstyle_sql(sql: str) -> str:
    """``%s`` placeholders for PyMySQL, ``?`` for sqlite3."""
    return sql.replace("%s", "?") if db.session.get_bind().dialect.name == "sqlite" else sql


def keyset(sql: str, start: int = -1, key: int = 0, chunk: int = CHUNK) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (which must contain ``{after}`` and ``{limit}`` and order by the key column) in chunks."""
    cursor = _cursor()
    after = start
    try:
        while True:
            cursor.execute(sql.format(after=int(after), limit=int(chunk)))
            rows = cursor.fetchall()
            yield from rows
            if len(rows) < chunk:
                return
            after = rows[-1][key]
    finally:
        cursor.close()


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of one ``%s``-parametrised statement on the session's connection (no expression tree, no ORM)."""
    cursor = _cursor()
    try:
        cursor.execute(paramstyle_sql(sql), tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def insert_many(sql: str, rows: Sequence[tuple[Any, ...]], chunk: int = 10_000) -> None:
    """Multi-row INSERTs (PyMySQL rewrites ``executemany`` of an INSERT into batched VALUES lists)."""
    if not rows:
        return
    cursor = _cursor()
    statement = paramstyle_sql(sql)
    try:
        for start in range(0, len(rows), chunk):
            cursor.executemany(statement, rows[start : start + chunk])
    finally:
        cursor.close()


def insert_computed(
    table: str, columns: Sequence[str], rows: Sequence[tuple[int | str, ...]], chunk: int = 10_000
) -> None:
    """Multi-row INSERTs of values this process computed itself: ints, and hex digests (``bytes.hex()``).

    On MariaDB/MySQL the VALUES lists are formatted here — PyMySQL's per-value escaping cost more than the
    server's insert for the Merkle tree's millions of rows. Anything that is not an int or a lowercase hex string
    is refused, so nothing read from outside can reach the SQL text.
    """
    if not rows:
        return
    prefix = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    if db.session.get_bind().dialect.name not in ("mysql", "mariadb"):
        insert_many(prefix + "(" + ", ".join(["%s"] * len(columns)) + ")", rows, chunk)
        return
    cursor = _cursor()
    try:
        for start in range(0, len(rows), chunk):
            values = ",".join(f"({','.join(map(_literal, row))})" for row in rows[start : start + chunk])
            cursor.execute(prefix + values)
    finally:
        cursor.close()


_HEX = frozenset("0123456789abcdef")


def _literal(value: int | str) -> str:
    if type(value) is int:
        return str(value)
    if type(value) is str and _HEX.issuperset(value):
        return f"'{value}'"
    raise ValueError(f"not a computed int or hex digest: {value!r}")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a million-row pass.

    Such a pass allocates millions of small, acyclic lists and tuples while keeping a growing tree level alive;
    the collector would rescan that growing heap again and again (it cost more than the hashing). Reference
    counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
