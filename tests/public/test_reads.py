"""The public page reads on its own pool of autocommit connections: one round trip per view, no ping before it,
no rollback after it, never a stale snapshot, and a connection the server dropped is replaced transparently."""

from __future__ import annotations

from datetime import timedelta

import pymysql
import pytest
from sqlalchemy import text

from miniback.extensions import db
from miniback.public.history import local_today
from miniback.public.reads import BIND
from tests.factories.public import insert_record
from tests.factories.registry import make_world


def pooled_connection_id() -> int:
    """The server's id for the pool's (only) connection, asked on that connection."""
    pooled = db.engines[BIND].raw_connection()
    try:
        cursor = pooled.cursor()
        cursor.execute("SELECT CONNECTION_ID()")
        return int(cursor.fetchone()[0])
    finally:
        pooled.close()


def test_a_page_view_neither_pings_nor_rolls_back(client, monkeypatch):
    world = make_world()
    code = world.elevators[0].public_code
    assert client.get(f"/e/{code}").status_code == 200  # the pool has its connection now
    calls: list[str] = []
    for name in ("ping", "rollback", "query"):
        real = getattr(pymysql.connections.Connection, name)
        monkeypatch.setattr(
            pymysql.connections.Connection,
            name,
            lambda self, *args, _real=real, _name=name, **kwargs: calls.append(_name) or _real(self, *args, **kwargs),
        )
    assert client.get(f"/e/{code}").status_code == 200
    assert calls == ["query"]


def test_pooled_connections_are_in_autocommit_so_each_view_sees_the_latest_commit(client):
    world = make_world()
    elevator = world.elevators[0]
    assert "暂无维保记录" in client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    pooled = db.engines[BIND].raw_connection()
    try:
        cursor = pooled.cursor()
        cursor.execute("SELECT @@autocommit")
        assert cursor.fetchone()[0] == 1
    finally:
        pooled.close()
    insert_record(elevator, [world.tech1], local_today() - timedelta(days=1))
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)  # same pooled connection
    assert "暂无维保记录" not in page and "张*明" in page


def test_a_connection_the_server_killed_is_replaced_without_an_error(client):
    world = make_world()
    code = world.elevators[0].public_code
    assert client.get(f"/e/{code}").status_code == 200
    victim = pooled_connection_id()
    with db.engine.begin() as connection:
        connection.execute(text(f"KILL CONNECTION {victim}"))
    response = client.get(f"/e/{code}")
    assert response.status_code == 200 and "维保记录" in response.get_data(as_text=True)
    assert pooled_connection_id() != victim


def test_other_database_errors_are_not_retried(app, monkeypatch):
    from miniback.public import history

    world = make_world()
    db.session.commit()
    broken = history._PAGE_JSON.where(text("no_such_column = 1"))
    monkeypatch.setattr(history, "_PAGE_JSON", broken)
    with pytest.raises(pymysql.err.OperationalError):
        history.public_history(world.elevators[0].public_code)


def test_the_read_pool_follows_the_main_database_or_a_configured_replica():
    from miniback.public.reads import ENGINE_OPTIONS, add_public_read_bind

    main, replica = "mysql+pymysql://app@db/miniback", "mysql+pymysql://reader@replica/miniback"
    config: dict = {"SQLALCHEMY_DATABASE_URI": main}
    add_public_read_bind(config)
    assert config["SQLALCHEMY_BINDS"][BIND] == {"url": main, **ENGINE_OPTIONS}
    config = {"SQLALCHEMY_DATABASE_URI": main, "PUBLIC_READ_DATABASE_URI": replica, "SQLALCHEMY_BINDS": {"x": "y"}}
    add_public_read_bind(config)
    assert config["SQLALCHEMY_BINDS"]["x"] == "y" and config["SQLALCHEMY_BINDS"][BIND]["url"] == replica
    demo = {"SQLALCHEMY_DATABASE_URI": "sqlite:///demo.sqlite3"}
    add_public_read_bind(demo)
    assert "SQLALCHEMY_BINDS" not in demo  # the SQLite demo reads through its one engine
