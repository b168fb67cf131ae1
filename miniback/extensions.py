"""Extension objects, created unbound and initialised in ``create_app``: the database, migrations, the Redis
clients (one per purpose) and the WeChat client (one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from redis import Redis
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

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
        if purpose == "jobs":
            if app.config["JOBS_MODE"] == "inline":
                import fakeredis

                return fakeredis.FakeRedis()
            return Redis.from_url(app.config["REDIS_URL"])
        if purpose == "nonces":
            if app.config["JOBS_MODE"] == "inline":
                return redis_clients.client("jobs", app)
            return Redis.from_url(app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
        if purpose == "cache":
            return Redis.from_url(app.config["REDIS_URL"])
        if purpose == "rate_limits":
            return Redis.from_url(app.config["RATELIMIT_STORAGE_URI"])
        raise KeyError(f"no Redis client for {purpose!r} (one of {', '.join(RedisClients.PURPOSES)})")


REDIS_EXTENSION = "miniback_redis"
redis_clients = RedisClients()
wechat = WeChat()


def init_app(app: Flask) -> None:
    """The Redis clients and the WeChat client (its access token kept on the ``jobs`` Redis client)."""
    redis_clients.init_app(app)
    wechat.init_app(app, token_redis=lambda: redis_clients.client("jobs", app))
