"""The PyMySQL pool's upkeep: no round trip after a commit, a rollback whenever a transaction is still open, and
a ping (replacing a dead connection) only after the connection sat idle."""

from __future__ import annotations

from collections.abc import Iterator

import pymysql
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from miniback.database import pool
from miniback.extensions import db
from miniback.models import Account
from tests.conftest import DB_HOST
from tests.factories.registry import make_world

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def commands() -> Iterator[list[str]]:
    """Every command the app's connections send to the server (COM_PING shown as ``PING``)."""
    sent: list[str] = []
    original = pymysql.connections.Connection._execute_command

    def recording(self: pymysql.connections.Connection, command: int, sql: str | bytes) -> None:
        sent.append("PING" if command == pymysql.constants.COMMAND.COM_PING else str(sql)[:60])
        original(self, command, sql)

    pymysql.connections.Connection._execute_command = recording  # type: ignore[method-assign]
    yield sent
    pymysql.connections.Connection._execute_command = original  # type: ignore[method-assign]


def connection_id() -> int:
    connection_id: int = db.session.execute(text("SELECT CONNECTION_ID()")).scalar_one()
    return connection_id


def kill(connection_id: int) -> None:
    admin = pymysql.connect(host=DB_HOST, user="root")
    with admin.cursor() as cursor:
        cursor.execute(f"KILL {connection_id}")
    admin.close()


def test_a_commit_returns_the_connection_without_another_round_trip(commands: list[str]) -> None:
    world = make_world()
    db.session.commit()
    commands.clear()
    db.session.get(Account, world.tech1.id).name = "张明明"  # type: ignore[union-attr]
    db.session.commit()  # the connection goes back to the pool here
    db.session.execute(text("SELECT 1")).scalar_one()  # checked out again at once: no ping either
    db.session.commit()
    assert [c for c in commands if c.startswith(("ROLLBACK", "PING"))] == []
    assert commands.count("COMMIT") == 2


def row_locked(account_id: int) -> bool:
    """Whether another connection holds a lock on the account's row (a locking read that does not wait)."""
    other = pymysql.connect(host=DB_HOST, user="root", database=db.engine.url.database)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM account WHERE id = %s FOR UPDATE NOWAIT", (account_id,))
        return False
    except pymysql.err.OperationalError as error:
        assert error.args[0] == 1205, error
        return True
    finally:
        other.close()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE account SET name = '改名' WHERE id = %s", "SELECT name FROM account WHERE id = %s FOR UPDATE"],
    ids=["write", "locking read"],  # MariaDB's "in transaction" status flag is not set by the locking read
)
def test_a_connection_given_back_inside_a_transaction_is_rolled_back(statement: str) -> None:
    world = make_world()
    db.session.commit()
    # Past SQLAlchemy (which rolls back what it began itself): the pool alone must end this transaction.
    raw = db.engine.raw_connection()
    with raw.cursor() as cursor:
        cursor.execute(statement, (world.tech1.id,))
    assert row_locked(world.tech1.id)
    raw.close()
    assert not row_locked(world.tech1.id)  # rolled back: its lock is gone
    assert db.session.get(Account, world.tech1.id).name != "改名"  # type: ignore[union-attr]


def test_a_connection_killed_while_idle_is_replaced_at_checkout(
    app: Flask, commands: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = connection_id()
    db.session.commit()
    kill(killed)
    monkeypatch.setattr(pool, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert connection_id() != killed  # no error: the ping found it dead and the pool opened another
    assert "PING" in commands


def test_a_connection_used_a_moment_ago_is_not_pinged(commands: list[str]) -> None:
    connection_id()
    db.session.commit()
    commands.clear()
    connection_id()
    assert "PING" not in commands


def test_a_connection_lost_mid_transaction_rolls_back_cleanly_and_the_next_one_works() -> None:
    # What a database restart does to a running job: its statement fails, its rollback must not.
    killed = connection_id()  # the session's transaction is open on this connection
    kill(killed)
    with pytest.raises(OperationalError) as lost:
        db.session.execute(text("SELECT 1"))
    assert lost.value.connection_invalidated
    db.session.rollback()
    assert connection_id() != killed
