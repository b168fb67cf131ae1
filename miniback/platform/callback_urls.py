"""Where a platform's callbacks may go: https, to a public address. Checked when the URL is registered and again
before each delivery (the name may resolve elsewhere by then: DNS rebinding)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from miniback.errors import ValidationFailed

FIELD = "callback_url"


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={FIELD: message}, code="callback_url_refused")


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _refuse(f"回调地址的主机名无法解析：{host}") from None
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        found.append(address)
    return found


def check_callback_url(url: str, *, allow_private: bool) -> None:
    """Refuse a callback URL we must not call: not http(s), with credentials, or (unless ``allow_private``, for
    tests and the demo) plain http or a host resolving to a loopback, private, link-local, multicast, reserved or
    unspecified address. Every address the name resolves to must be public."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _refuse("回调地址不是有效的网址") from None
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise _refuse("回调地址须为 https:// 开头的网址")
    if parts.username or parts.password or parts.fragment:
        raise _refuse("回调地址不能包含用户名、密码或 # 片段")
    if allow_private:
        return
    if parts.scheme != "https":
        raise _refuse("回调地址须使用 https")
    for address in _addresses(host, port):
        if not address.is_global or address.is_multicast:
            raise _refuse(f"回调地址指向内网、本机或保留地址（{address}），不允许")
