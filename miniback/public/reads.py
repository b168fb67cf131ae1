"""The public page's one read, on its own pool of autocommit connections (MySQL and MariaDB).

A resident's page view is a single SELECT. Through the application's engine it would cost three round trips to
the database: the pool's liveness ping at checkout, the query, and the rollback that resets the connection when it
goes back to the pool. On a busy page those two extra round trips cost more than the query itself. This pool's
connections are in autocommit mode, so a finished SELECT leaves no transaction (and no stale snapshot) behind and
needs no reset; instead of pinging before every view, a connection the server dropped (a restart, an idle
timeout) is noticed when the query fails, thrown away, and the query runs once more on a fresh one.

The pool is a Flask-SQLAlchemy bind (``public_reads``) on the same database URL, so it is created, configured and
disposed of like the main engine. Other databases (the SQLite demo) read through the main engine.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement, Executable

from miniback.extensions import db

BIND = "public_reads"
ENGINE_OPTIONS = {
    "isolation_level": "AUTOCOMMIT",
    "pool_reset_on_return": None,
    "pool_pre_ping": False,
    "pool_recycle": 3600,
}


def add_public_read_bind(config: dict[str, Any]) -> None:
    """Declare the ``public_reads`` bind for a MySQL or MariaDB database (before ``db.init_app``): the main
    database, or ``PUBLIC_READ_DATABASE_URI`` (a read replica: residents can live with a replica's lag of a
    moment, the page is cacheable for a minute anyway)."""
    uri = config.get("PUBLIC_READ_DATABASE_URI") or config.get("SQLALCHEMY_DATABASE_URI")
    if isinstance(uri, str) and uri.startswith("mysql"):
        config["SQLALCHEMY_BINDS"] = {**(config.get("SQLALCHEMY_BINDS") or {}), BIND: {"url": uri, **ENGINE_OPTIONS}}


def _compiled(engine: Engine, statement: Executable) -> tuple[str, dict[str, Any]]:
    """The statement as the driver's SQL text and its fixed parameters, compiled once per statement."""
    cache: dict[int, tuple[str, dict[str, Any]]] = engine.__dict__.setdefault("_miniback_compiled", {})
    key = id(statement)
    if key not in cache:
        compiled = cast(ClauseElement, statement).compile(dialect=engine.dialect)
        cache[key] = (str(compiled), dict(compiled.params))
    return cache[key]


def on_mariadb() -> bool:
    """Whether the page reads from MariaDB through the ``public_reads`` pool (whose dialect learns the server's
    kind on its first connection)."""
    engine = db.engines.get(BIND)
    if engine is None:
        return False
    if engine.dialect.server_version_info is None:
        engine.raw_connection().close()
    return bool(getattr(engine.dialect, "is_mariadb", False))


def has_public_reads() -> bool:
    """Whether this database (MySQL or MariaDB) has the ``public_reads`` pool; others read through ``db.engine``."""
    return BIND in db.engines


def read_scalar(statement: Executable, **params: Any) -> Any:
    """The first column of the first row of ``statement``, or ``None``; see ``read_row``."""
    row = read_row(statement, **params)
    return row[0] if row else None


def read_row(statement: Executable, **params: Any) -> tuple[Any, ...] | None:
    """The first row of ``statement`` (module-level, built once), or ``None``, read through the ``public_reads``
    pool.

    Values come back as the driver returns them, without SQLAlchemy's type processing (text, bytes, numbers,
    naive datetimes).
    """
    engine = db.engines[BIND]  # callers ask ``has_public_reads()`` first
    for attempt in (1, 2):
        pooled = engine.raw_connection()
        try:
            sql, fixed = _compiled(engine, statement)
            cursor = pooled.cursor()
            try:
                cursor.execute(sql, {**fixed, **params})
                row = cursor.fetchone()
            finally:
                cursor.close()
            return tuple(row) if row else None
        except engine.dialect.loaded_dbapi.Error as exc:
            if attempt == 2 or not engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None):
                raise
            pooled.invalidate(exc)  # the server dropped it: retry once on a new connection
        finally:
            pooled.close()
    raise AssertionError("unreachable")
