"""A Galera certification failure on demand: the COMMIT of a chosen transaction is answered with 1213."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pymysql
import pytest
from sqlalchemy import Engine, event

DEADLOCK = "Deadlock found when trying to get lock; try restarting transaction"


@dataclass
class Injected:
    remaining: int
    injected: int = 0


@contextmanager
def conflict_at_commit(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, table: str, times: int = 1
) -> Iterator[Injected]:
    """The next ``times`` transactions that write to ``table`` fail at COMMIT with 1213, as a Galera node answers
    when another node's transaction won certification: the server rolls the whole transaction back (here: a real
    ROLLBACK is sent) and the client gets the error from COMMIT itself. Other transactions commit normally."""
    state = Injected(remaining=times)
    writes = re.compile(rf"^\s*(INSERT|UPDATE|REPLACE)\s+(IGNORE\s+)?(INTO\s+)?`?{re.escape(table)}`?[\s(]", re.I)
    marked: set[int] = set()

    def mark(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        if writes.match(statement):
            marked.add(id(cursor.connection))

    original_commit = pymysql.connections.Connection.commit
    original_rollback = pymysql.connections.Connection.rollback

    def commit(self: pymysql.connections.Connection) -> None:
        if id(self) in marked:
            marked.discard(id(self))
            if state.remaining > 0:
                state.remaining -= 1
                state.injected += 1
                original_rollback(self)  # what the node did: nothing of the transaction is kept
                raise pymysql.err.OperationalError(1213, DEADLOCK)
        original_commit(self)

    def rollback(self: pymysql.connections.Connection) -> None:
        marked.discard(id(self))
        original_rollback(self)

    event.listen(engine, "before_cursor_execute", mark)
    monkeypatch.setattr(pymysql.connections.Connection, "commit", commit)
    monkeypatch.setattr(pymysql.connections.Connection, "rollback", rollback)
    try:
        yield state
    finally:
        event.remove(engine, "before_cursor_execute", mark)
        monkeypatch.setattr(pymysql.connections.Connection, "commit", original_commit)
        monkeypatch.setattr(pymysql.connections.Connection, "rollback", original_rollback)
