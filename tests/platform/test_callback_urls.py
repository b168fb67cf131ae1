"""Callback URLs (SSRF): only https to public addresses, unless configured for a local receiver."""

from __future__ import annotations

import pytest

from miniback.errors import ValidationFailed
from miniback.platform.callback_urls import check_callback_url


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.8:8443/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",  # the cloud metadata service
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://0x7f000001/hook",  # 127.0.0.1 in another spelling
        "https://0.0.0.0/hook",
        "http://8.8.8.8/hook",  # plain http
        "ftp://8.8.8.8/hook",
        "https://user:pass@8.8.8.8/hook",
        "https://no-such-host.invalid/hook",
        "not a url",
    ],
)
def test_private_local_or_malformed_callback_urls_are_refused(url: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_callback_url(url, allow_private=False)
    assert refused.value.code == "callback_url_refused"
    assert refused.value.fields and "callback_url" in refused.value.fields


def test_a_public_https_address_is_accepted() -> None:
    check_callback_url("https://8.8.8.8:8443/miniback/callbacks", allow_private=False)


def test_a_local_receiver_is_allowed_only_by_configuration() -> None:
    check_callback_url("http://127.0.0.1:8765/hook", allow_private=True)
    with pytest.raises(ValidationFailed):
        check_callback_url("ftp://127.0.0.1/hook", allow_private=True)
