"""Connection pool upkeep for MySQL/MariaDB through PyMySQL, without round trips that buy nothing.

SQLAlchemy's safe defaults cost every request two round trips to the server besides its own statements:
``pool_pre_ping`` pings each connection as it is checked out, and reset-on-return rolls back each connection
given back, even right after a commit (how every writing request ends). Under load both are idle work: the
connection was in use milliseconds ago, the transaction is already over. For PyMySQL engines this module does
the same upkeep only when it can matter:

- a connection is pinged at checkout if it sat in the pool longer than ``PING_AFTER_IDLE_SECONDS`` (what
  pre-ping guards against: a server restart or an idle timeout while nobody used it); a dead one is replaced, as
  pre-ping does. A connection that dies in use still invalidates the whole pool, as before.
- a connection given back is rolled back unless the transaction on it already ended: SQLAlchemy rolled it back
  itself, or its last transaction ended in a commit or rollback that did not fail, and nothing began since. (Not
  the server's "in transaction" status flag: MariaDB does not set it for reads, even locking ones.)
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, event, exc, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

PING_AFTER_IDLE_SECONDS = 2.0
_IDLE_SINCE, _ENDED = "miniback.idle_since", "miniback.transaction_ended"


def lean_engine_options(uri: str | None, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` for the engine of ``uri``: for PyMySQL with ``pool_pre_ping``, pre-ping and reset-on-return are
    left to ``install`` (which must then be called on the engine)."""
    if not uri or make_url(uri).get_driver_name() != "pymysql" or not options.get("pool_pre_ping"):
        return options
    return {**options, "pool_pre_ping": False, "pool_reset_on_return": None}


def install(engine: Engine) -> None:
    """Ping-when-idle and rollback-unless-ended for an engine made with ``lean_engine_options``."""
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "checkin", _idle_from_now)
    event.listen(engine, "begin", _transaction_begun)
    event.listen(engine, "commit", _transaction_ending)
    event.listen(engine, "rollback", _transaction_ending)
    event.listen(engine, "handle_error", _failed)
    event.listen(engine, "reset", _rollback_unless_ended)


def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    idle_since = record.info.get(_IDLE_SINCE)  # none on a connection just opened
    if idle_since is not None and time.monotonic() - idle_since >= PING_AFTER_IDLE_SECONDS:
        try:
            dbapi_connection.ping(reconnect=False)
        except Exception as error:  # any failure: the pool replaces the connection (and retries the checkout)
            raise exc.DisconnectionError(f"connection lost while idle in the pool: {error}") from error
    # Whoever checks it out (a Connection, or raw DBAPI use that no event sees) may leave a transaction open.
    record.info[_ENDED] = False


def _idle_from_now(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _transaction_begun(connection: Connection) -> None:
    connection.info[_ENDED] = False


def _transaction_ending(connection: Connection) -> None:
    # Fired just before the commit or rollback is sent; if that fails, ``_failed`` takes it back. A connection
    # lost mid-transaction (a server restart) is being thrown away: its ``info`` is out of reach, and touching it
    # would turn the caller's rollback into an error.
    if connection.invalidated:
        return
    connection.info[_ENDED] = True


def _failed(context: ExceptionContext) -> None:
    if context.connection is not None and not context.connection.invalidated:
        context.connection.info[_ENDED] = False


def _rollback_unless_ended(dbapi_connection: Any, record: ConnectionPoolEntry, reset_state: PoolResetState) -> None:
    if reset_state.transaction_was_reset or reset_state.terminate_only or record.info.get(_ENDED):
        return
    dbapi_connection.rollback()
