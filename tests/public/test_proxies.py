"""Behind a reverse proxy the rate limits count each resident, and nobody can pick their own address."""

from __future__ import annotations

import pytest

from miniback import create_app
from miniback.errors import ConfigError
from tests.conftest import IsolatedClient
from tests.conftest import test_config as config_for_tests
from tests.factories.registry import make_world
from tests.public.test_resident_page import other_client_ip

PROXY = "192.0.2.10"


def flood(client, url: str, forwarded_for: str, times: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    return [client.get(url, headers=headers, environ_base={"REMOTE_ADDR": PROXY}).status_code for _ in range(times)]


def proxied_app(app, proxies: int):
    behind = create_app(config_for_tests(WECHAT_API_BASE=app.config["WECHAT_API_BASE"], TRUSTED_PROXIES=proxies))
    behind.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    behind.test_client_class = IsolatedClient
    return behind


def test_behind_a_trusted_proxy_each_resident_has_their_own_limit(app):
    url = f"/e/{make_world().elevators[0].public_code}"
    client = proxied_app(app, proxies=1).test_client()
    flooder, neighbour = other_client_ip(), other_client_ip()
    assert flood(client, url, flooder, 4) == [200, 200, 200, 429]
    # Same proxy, another resident: not blocked by the flooder.
    assert flood(client, url, neighbour, 1) == [200]


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_reset_the_limit(app):
    url = f"/e/{make_world().elevators[0].public_code}"
    client = proxied_app(app, proxies=0).test_client()
    statuses = [flood(client, url, other_client_ip(), 1)[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("value", [-1, 6, "1", True, None])
def test_a_nonsense_proxy_count_is_refused_at_start(value):
    with pytest.raises(ConfigError, match="MINIBACK_TRUSTED_PROXIES"):
        create_app(config_for_tests(TRUSTED_PROXIES=value))
