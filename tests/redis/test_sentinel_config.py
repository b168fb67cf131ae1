"""Redis behind Sentinel: the configuration is checked at start, and every Redis client is made through it."""

from __future__ import annotations

from typing import Any

import pytest
from redis import Redis
from redis.sentinel import SentinelConnectionPool

from miniback import create_app
from miniback.config import check_redis, sentinel_addresses
from miniback.errors import ConfigError
from miniback.extensions import RedisClients, redis_clients, redis_for
from miniback.public.ratelimit import EXTENSION, RedisWindows
from tests.conftest import test_config as app_config

SENTINELS = "127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381"


def sentinel_config(**overrides: Any) -> dict[str, Any]:
    return {"REDIS_SENTINELS": SENTINELS, "REDIS_SENTINEL_MASTER": "miniback", **overrides}


def pool_of(client: Redis) -> SentinelConnectionPool:
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool), type(pool)
    return pool


def sentinel_hosts(pool: SentinelConnectionPool) -> list[tuple[str, int]]:
    return [
        (s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
        for s in pool.sentinel_manager.sentinels
    ]


def test_sentinel_list_is_read_as_host_port_pairs() -> None:
    assert sentinel_addresses(SENTINELS) == [("127.0.0.1", 26379), ("127.0.0.1", 26380), ("127.0.0.1", 26381)]
    assert sentinel_addresses(" redis-a:26379 , [::1]:26380") == [("redis-a", 26379), ("::1", 26380)]
    assert sentinel_addresses(["10.0.0.1:26379"]) == [("10.0.0.1", 26379)]
    assert sentinel_addresses(None) == [] and sentinel_addresses("") == []


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("127.0.0.1", "不是 host:port"),
        ("127.0.0.1:26379;127.0.0.1:26380", "不是 host:port"),
        ("::1:26379", "不是 host:port"),
        ("[not-v6]:26379", "不是 host:port"),
        ("127.0.0.1:26379,", "不是 host:port"),
        (":26379", "不是 host:port"),
        ("127.0.0.1:0", "端口无效"),
        ("127.0.0.1:65536", "端口无效"),
        ("127.0.0.1:abc", "端口无效"),
        ("redis://127.0.0.1:26379", "不是 host:port"),
        ("127.0.0.1:26379,127.0.0.1:26379", "重复"),
        (26379, "逗号分隔"),
    ],
)
def test_malformed_sentinel_list_is_refused_at_start(value: Any, why: str) -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(app_config(REDIS_SENTINELS=value))
    message = str(refused.value)
    assert message.startswith("MINIBACK_REDIS_SENTINELS 格式错误 / is malformed"), message
    assert why in message, message


@pytest.mark.parametrize("master", ["", "two words", None])
def test_sentinel_master_name_must_be_a_name(master: Any) -> None:
    with pytest.raises(ConfigError, match="MINIBACK_REDIS_SENTINEL_MASTER"):
        check_redis(sentinel_config(REDIS_SENTINEL_MASTER=master, REDIS_URL="redis://sentinel/0"))


def test_with_sentinels_the_redis_url_must_be_redis_scheme() -> None:
    with pytest.raises(ConfigError, match="rediss://"):
        check_redis(sentinel_config(REDIS_URL="unix:///run/redis.sock"))


def test_without_sentinels_the_url_is_used_as_it_is() -> None:
    client = redis_for({}, "redis://:pw@10.1.2.3:6390/4")
    kwargs = client.connection_pool.connection_kwargs
    assert not isinstance(client.connection_pool, SentinelConnectionPool)
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("10.1.2.3", 6390, 4, "pw")


def test_with_sentinels_the_url_gives_db_and_password_and_the_sentinels_the_master() -> None:
    config = sentinel_config(REDIS_SENTINEL_PASSWORD="sentinel-pw")
    client = redis_for(config, "redis://app:node-pw@ignored-host:1/5", socket_timeout=2)
    pool = pool_of(client)
    assert pool.service_name == "miniback"
    assert sentinel_hosts(pool) == sentinel_addresses(SENTINELS)
    kwargs = pool.connection_kwargs
    assert (kwargs["db"], kwargs["username"], kwargs["password"], kwargs["socket_timeout"]) == (5, "app", "node-pw", 2)
    assert "host" not in kwargs and "port" not in kwargs  # where the master is, only the Sentinels say
    for sentinel in pool.sentinel_manager.sentinels:  # the Sentinels' own password, and short timeouts
        sentinel_kwargs = sentinel.connection_pool.connection_kwargs
        assert sentinel_kwargs["password"] == "sentinel-pw"
        assert sentinel_kwargs["socket_timeout"] == 2 and sentinel_kwargs["socket_connect_timeout"] == 2


def test_limits_sentinel_uri_names_its_own_sentinels_and_master() -> None:
    client = redis_for({}, "redis+sentinel://:shared-pw@10.0.0.1:26379,10.0.0.2:26379/limits-master")
    pool = pool_of(client)
    assert pool.service_name == "limits-master"
    assert sentinel_hosts(pool) == [("10.0.0.1", 26379), ("10.0.0.2", 26379)]
    assert pool.connection_kwargs["password"] == "shared-pw"
    for sentinel in pool.sentinel_manager.sentinels:  # as limits does: the one password for both
        assert sentinel.connection_pool.connection_kwargs["password"] == "shared-pw"


def test_limits_sentinel_uri_without_master_is_refused() -> None:
    with pytest.raises(ConfigError, match="主节点名称"):
        redis_for({}, "redis+sentinel://10.0.0.1:26379")


def test_limits_reads_the_same_sentinel_uri() -> None:
    """The form ``redis+sentinel://`` is limits' own: its parser finds the same Sentinels and master."""
    from limits._storage_scheme import parse_storage_uri

    parsed = parse_storage_uri("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379/limits-master")
    assert parsed.locations == [("10.0.0.1", 26379), ("10.0.0.2", 26379)]
    assert parsed.path.strip("/") == "limits-master" and parsed.password == "pw"


def test_every_redis_client_of_the_app_goes_through_the_sentinels() -> None:
    """jobs (RQ and the WeChat token), nonces, cache and rate limits: each a Sentinel-managed master client; making
    them connects to nothing (no Sentinel runs on these ports)."""
    app = create_app(app_config(**sentinel_config(REDIS_URL="redis://:node-pw@sentinel/6")))
    for purpose in RedisClients.PURPOSES:
        pool = pool_of(redis_clients.client(purpose, app))
        assert pool.service_name == "miniback", purpose
        assert (pool.connection_kwargs["db"], pool.connection_kwargs["password"]) == (6, "node-pw"), purpose
    nonces = pool_of(redis_clients.client("nonces", app)).connection_kwargs
    assert nonces["socket_timeout"] == 2  # still answers a platform 503 at once
    limiter = app.extensions[EXTENSION]
    assert isinstance(limiter.shared, RedisWindows)
    assert limiter.shared.redis is redis_clients.client("rate_limits", app)


def test_rate_limits_accept_limits_sentinel_uri() -> None:
    uri = "redis+sentinel://127.0.0.1:26379/limits-master"
    app = create_app(app_config(RATELIMIT_STORAGE_URI=uri))
    limiter = app.extensions[EXTENSION]
    assert isinstance(limiter.shared, RedisWindows)
    assert pool_of(limiter.shared.redis).service_name == "limits-master"
