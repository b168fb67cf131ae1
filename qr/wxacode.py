"""WeChat mini-program codes (``getwxacodeunlimit``, scene = public code), fetched once and then cached.

WeChat's mini-program codes never expire and the call has a daily quota, so each elevator's code is fetched
once and kept: in Redis in production (shared by every worker), in a folder for the embedded demo.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

from wechatpy.exceptions import WeChatClientException

from miniback.errors import Unavailable
from qr.urls import PUBLIC_CODE_MAX_LENGTH, is_public_code

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CACHE_PREFIX = "miniback:wxacode:v1:"


class BytesCache(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes) -> None: ...


class RedisBytesCache:
    def __init__(self, redis: Any) -> None:
        self.redis = redis

    def get(self, key: str) -> bytes | None:
        value = self.redis.get(CACHE_PREFIX + key)
        return bytes(value) if value is not None else None

    def set(self, key: str, value: bytes) -> None:
        self.redis.set(CACHE_PREFIX + key, value)


class FileBytesCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str) -> bytes | None:
        path = self.folder / f"{key}.png"
        return path.read_bytes() if path.is_file() else None

    def set(self, key: str, value: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{key}.png.tmp"
        temporary.write_bytes(value)
        temporary.replace(self.folder / f"{key}.png")  # atomic: a reader never sees half a PNG


def cache_key(public_code: str, page: str | None) -> str:
    """The code opens one page: a code fetched for another page (the setting changed) is fetched again."""
    if page is None:
        return public_code
    return f"{public_code}-{hashlib.sha256(page.encode()).hexdigest()[:12]}"


def wxa_code_png(client: Any, public_code: str, cache: BytesCache, page: str | None = None) -> bytes:
    """The mini-program code that opens ``page`` with ``scene=<public code>``, from the cache when known."""
    if not is_public_code(public_code) or len(public_code) > PUBLIC_CODE_MAX_LENGTH:
        raise ValueError(f"not a public code: {public_code!r}")
    key = cache_key(public_code, page)
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        response = client.wxa.get_wxa_code_unlimited(public_code, page=page)
    except WeChatClientException as exc:
        raise Unavailable("微信小程序码暂时无法生成，请稍后再试", code="wechat_unavailable") from exc
    content = getattr(response, "content", b"")
    if not isinstance(content, bytes) or not content.startswith(PNG_SIGNATURE):
        raise Unavailable("微信小程序码暂时无法生成，请稍后再试", code="wechat_unavailable")
    cache.set(key, content)
    return content
