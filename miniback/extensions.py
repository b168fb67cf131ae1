"""Extension objects, created unbound and initialised in ``create_app``: the database, migrations, the Redis
clients (one per purpose) and the WeChat client (one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote

from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from redis import Redis
from redis.connection import parse_url
from redis.sentinel import Sentinel
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

from miniback.config import SENTINEL_URL_SCHEME, sentinel_addresses
from miniback.errors import ConfigError
from miniback.wechat_client import WeChat

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Every table is utf8mb4 on MySQL/MariaDB (Chinese names, full Unicode); other dialects ignore these.
TABLE_OPTIONS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # A model's own arguments are a tuple of constraints and indexes that ends with these options.
    __table_args__: tuple[Any, ...] | dict[str, Any] = TABLE_OPTIONS


db = SQLAlchemy(model_class=Base)
migrate = Migrate()

# Every model subclasses ``Model``: ``db.Model`` at run time. ``db.Model`` is an attribute, which mypy does not
# accept as a base class; to it ``Model`` is what ``db.Model`` is made of, ``Base`` plus Flask-SQLAlchemy's mixin.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskSQLAlchemyModel

    class Model(Base, _FlaskSQLAlchemyModel):
        __abstract__ = True
        # SQLAlchemy types it as any FromClause (a class may be mapped to a join or a select); ours are tables.
        __table__: ClassVar[Table]
else:
    Model = db.Model


class RedisClients:
    """The app's Redis clients, one per purpose, each created on first use (creating the app never touches Redis):

    - ``jobs``: RQ's queues and the WeChat access token every process shares (``REDIS_URL``; an in-memory
      fakeredis when ``JOBS_MODE=inline``, the embedded demo);
    - ``cache``: bytes kept for every worker, such as the mini-program codes (``REDIS_URL``);
    - ``rate_limits``: the public rate limits' counters (``RATELIMIT_STORAGE_URI``);
    - ``nonces``: the platform interface's replay nonces (``REDIS_URL``; the jobs' fakeredis in the demo). Short
      timeouts: an unreachable Redis must answer a platform 503 at once, never hang its request.

    Each is made by ``redis_for``: through Sentinel when ``REDIS_SENTINELS`` is set.
    """

    PURPOSES = ("jobs", "cache", "rate_limits", "nonces")

    def init_app(self, app: Flask) -> None:
        app.extensions[REDIS_EXTENSION] = {}

    def client(self, purpose: str, app: Flask | None = None) -> Redis:
        app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
        clients: dict[str, Redis] = app.extensions[REDIS_EXTENSION]
        client = clients.get(purpose)
        if client is None:
            client = clients[purpose] = self._connect(purpose, app)
        return client

    def close(self, app: Flask, purpose: str) -> None:
        """Disconnect and forget one purpose's client (tests and short-lived CLI processes); the next use makes a
        new one from the configuration of the moment."""
        client: Redis | None = app.extensions[REDIS_EXTENSION].pop(purpose, None)
        if client is not None:
            client.close()

    @staticmethod
    def _connect(purpose: str, app: Flask) -> Redis:
        config = app.config
        if purpose == "jobs":
            if config["JOBS_MODE"] == "inline":
                import fakeredis

                return fakeredis.FakeRedis()
            return redis_for(config, config["REDIS_URL"])
        if purpose == "nonces":
            if config["JOBS_MODE"] == "inline":
                return redis_clients.client("jobs", app)
            return redis_for(config, config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
        if purpose == "cache":
            return redis_for(config, config["REDIS_URL"])
        if purpose == "rate_limits":
            return redis_for(config, config["RATELIMIT_STORAGE_URI"])
        raise KeyError(f"no Redis client for {purpose!r} (one of {', '.join(RedisClients.PURPOSES)})")


# Options of a data-node URL that describe where it is, not how to talk to it: Sentinel decides where.
_LOCATION_OPTIONS = ("host", "port", "path", "connection_class")


def redis_for(config: Mapping[str, Any], url: str, **options: Any) -> Redis:
    """The one way miniback connects to Redis: ``url`` directly, or, when ``REDIS_SENTINELS`` is set, the current
    master of ``REDIS_SENTINEL_MASTER`` as the Sentinels name it (``Sentinel(...).master_for``), so a failover
    needs no configuration change. Then ``url`` gives only the db index and credentials (its host is ignored);
    a ``redis+sentinel://[:password@]host:port,…/master`` URL (``limits``' form) names its own Sentinels.

    A Sentinel-managed client finds the new master after a failover by itself: a connection error, or the
    demoted master's READONLY answer, drops the connection and the next command asks the Sentinels again."""
    if url.startswith(SENTINEL_URL_SCHEME):
        return _sentinel_master_from_uri(config, url, **options)
    sentinels = sentinel_addresses(config.get("REDIS_SENTINELS"))
    if not sentinels:
        return Redis.from_url(url, **options)
    node_options = {k: v for k, v in parse_url(url).items() if k not in _LOCATION_OPTIONS}
    if url.startswith("rediss://"):
        node_options["ssl"] = True
    return _sentinel_master(
        sentinels, config["REDIS_SENTINEL_MASTER"], config.get("REDIS_SENTINEL_PASSWORD"), {**node_options, **options}
    )


def _sentinel_master_from_uri(config: Mapping[str, Any], uri: str, **options: Any) -> Redis:
    """``redis+sentinel://[:password@]h1:p1,h2:p2/master`` as ``limits`` reads it: the password (if any) is both the
    Sentinels' and the data nodes' (``REDIS_SENTINEL_PASSWORD``, when set, is the Sentinels' instead); db 0."""
    rest = uri[len(SENTINEL_URL_SCHEME) :]
    locations, _, master = rest.partition("/")
    auth, _, hosts = locations.rpartition("@")
    username, _, password = auth.partition(":")
    master = master.strip("/")
    if not master:
        raise ConfigError(f"Sentinel URI 缺少主节点名称 / names no master (…/<master>): {uri!r}")
    node_options: dict[str, Any] = {**options}
    if username:
        node_options["username"] = unquote(username)
    if password:
        node_options["password"] = unquote(password)
    sentinel_password = config.get("REDIS_SENTINEL_PASSWORD") or node_options.get("password")
    return _sentinel_master(sentinel_addresses(hosts), master, sentinel_password, node_options)


def _sentinel_master(
    sentinels: list[tuple[str, int]], master: str, sentinel_password: str | None, node_options: dict[str, Any]
) -> Redis:
    # Asking the Sentinels must never hang a request either: short timeouts for them, whatever the data nodes use.
    sentinel_options: dict[str, Any] = {"socket_timeout": 2, "socket_connect_timeout": 2}
    if sentinel_password:
        sentinel_options["password"] = sentinel_password
    sentinel = Sentinel(sentinels, sentinel_kwargs=sentinel_options)
    client: Redis = sentinel.master_for(master, **node_options)
    return client


REDIS_EXTENSION = "miniback_redis"
redis_clients = RedisClients()
wechat = WeChat()


def init_app(app: Flask) -> None:
    """The Redis clients and the WeChat client (its access token kept on the ``jobs`` Redis client)."""
    redis_clients.init_app(app)
    wechat.init_app(app, token_redis=lambda: redis_clients.client("jobs", app))
