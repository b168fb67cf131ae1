"""Configuration in layers: defaults here, then ``MINIBACK_*`` environment variables, then test overrides."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from miniback.errors import ConfigError

DEFAULTS: dict[str, Any] = {
    # "demo" runs on SQLite with in-process jobs and known demo secrets; "production" refuses weak settings.
    "ENV_MODE": "production",
    "SECRET_KEY": None,
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_recycle": 3600},
    "REDIS_URL": None,  # required in production; LOCAL_DEFAULTS elsewhere
    # Redis behind Sentinel (issue 20): "host:port,host:port,…" of the Sentinels. When set, every Redis client
    # asks them for the current master of REDIS_SENTINEL_MASTER, so a failover needs no configuration change;
    # REDIS_URL (and a redis:// RATELIMIT_STORAGE_URI) then give only the data nodes' db index and credentials,
    # their host and port are ignored (e.g. redis://:password@sentinel/0). REDIS_SENTINEL_PASSWORD is the
    # Sentinels' own password (their requirepass), if any.
    "REDIS_SENTINELS": None,
    "REDIS_SENTINEL_MASTER": "miniback",
    "REDIS_SENTINEL_PASSWORD": None,
    # Jobs: "rq" enqueues on Redis for `flask worker`; "inline" runs them in-process (demo without Redis).
    "JOBS_MODE": "rq",
    "JOBS_TIMEOUT_SECONDS": 600,
    # How long a running default confirmation waits out a lost database connection before giving up to RQ.
    "JOBS_DB_RECONNECT_SECONDS": 120,
    # Sign-off: the deadline is the end of the maintenance day (Asia/Shanghai) but at least this long after the
    # push; a manager may object to a default confirmation for SIGNOFF_OBJECTION_DAYS after the deadline.
    "SIGNOFF_MIN_WINDOW_SECONDS": 2 * 3600,
    "SIGNOFF_OBJECTION_DAYS": 7,
    "SIGNOFF_BATCH_SIZE": 2000,
    "SIGNOFF_CHUNK_PAUSE_SECONDS": 0,
    "SIGNOFF_SWEEP_INTERVAL_SECONDS": 300,
    "DEADLINE_RETRY_INTERVALS": [10, 30, 60, 120, 300],
    "PUSH_RETRY_INTERVALS": [10, 60, 300],
    # The subscribe-message template (fields thing1, character_string2, thing3, time4, phrase5) and its page.
    "WECHAT_SIGNOFF_TEMPLATE_ID": None,  # from the mini-program's admin console; no push works without it
    # The mini-program page the message opens, with ``?record_id=<id>``; it must be registered in wechat/app.json.
    "WECHAT_SIGNOFF_PAGE": "pages/signoff/index",
    # The page a mini-program code (wxacode.png) opens with ``scene=<public code>``: the elevator page.
    "WECHAT_WXACODE_PAGE": "pages/elevator/index",
    "TOKEN_TTL_SECONDS": 8 * 3600,
    "BIND_CODE_TTL_SECONDS": 72 * 3600,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_SECONDS": 15 * 60,
    # The web console's cookie session: it ends after this long without a request, and at the latest this long
    # after log-in. Its cookie is sent over https only when SESSION_COOKIE_SECURE (None: True in production only).
    "CONSOLE_IDLE_SECONDS": 30 * 60,
    "CONSOLE_SESSION_TTL_SECONDS": 12 * 3600,
    "SESSION_COOKIE_SECURE": None,
    # A password-reset link (``<PUBLIC_BASE_URL>/console/reset-password?token=…``) works once, for this long.
    "PASSWORD_RESET_TTL_SECONDS": 24 * 3600,
    # What every QR code holds (``<PUBLIC_BASE_URL>/e/<code>``): required in production, https and public.
    "PUBLIC_BASE_URL": None,
    # The resident's page reads through its own pool; set this to send those reads to a replica.
    "PUBLIC_READ_DATABASE_URI": None,
    # Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For/-Proto are trusted.
    # 0 (direct): the headers are ignored, so nobody can pick their own address to dodge the rate limits.
    "TRUSTED_PROXIES": 0,
    "WECHAT_APPID": None,
    "WECHAT_SECRET": None,
    # Base URL of WeChat's API; tests and the demo point it at a local stub.
    "WECHAT_API_BASE": "https://api.weixin.qq.com/",
    "WECHAT_TIMEOUT_SECONDS": 5,
    "PAGE_SIZE_DEFAULT": 20,
    "PAGE_SIZE_MAX": 100,
    "JSON_AS_ASCII": False,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # The second store (数据双备份): a local directory (default: <instance>/archive) of write-once segments, or
    # S3-compatible object storage when ARCHIVE_S3_BUCKET is set (then the other S3 settings below are required,
    # except the endpoint — empty means AWS itself — the prefix and the addressing style).
    "ARCHIVE_DIR": None,
    "ARCHIVE_S3_BUCKET": None,
    "ARCHIVE_S3_PREFIX": "",
    "ARCHIVE_S3_ENDPOINT_URL": None,
    "ARCHIVE_S3_REGION": None,
    "ARCHIVE_S3_ACCESS_KEY_ID": None,
    "ARCHIVE_S3_SECRET_ACCESS_KEY": None,
    # "auto", "path" (MinIO, Ceph) or "virtual" (Aliyun OSS and other hosts that refuse path-style requests).
    "ARCHIVE_S3_ADDRESSING_STYLE": "auto",
    # On site: check-in/out farther than this from the elevator's location is flagged.
    "ONSITE_RADIUS_M": 200,
    # A job shorter than this (check-in → check-out, minutes) is flagged as too short, per category.
    "MIN_DURATION_MINUTES": {"half_month": 20, "quarter": 30, "half_year": 45, "year": 60},
    # Device clocks: a capture time this far in the future is refused; older than MAX_AGE is refused too.
    "DEVICE_CLOCK_SKEW_SECONDS": 300,
    "DEVICE_TIME_MAX_AGE_HOURS": 72,
    # Location fixes worse than this (metres) are refused as useless for the on-site check.
    "LOCATION_MAX_ACCURACY_M": 1000,
    # Signatures (technician and manager): PNG, at most this many bytes (decoded: the one size rule, also bounding
    # the base64 text in the request; it must fit MAX_CONTENT_LENGTH) and pixels per side.
    "SIGNATURE_MAX_BYTES": 200 * 1024,
    "SIGNATURE_MIN_SIDE": 16,
    "SIGNATURE_MAX_SIDE": 2000,
    # Photo evidence (issue 19): JPEG or PNG of at most PHOTO_MAX_BYTES (decoded; its base64 text must fit
    # MAX_CONTENT_LENGTH), sides within PHOTO_MIN_SIDE–PHOTO_MAX_SIDE and at most PHOTO_MAX_PIXELS pixels; at most
    # PHOTO_MAX_PER_DRAFT photos on one draft. The mini-program compresses to these limits before uploading.
    "PHOTO_MAX_BYTES": 1024 * 1024,
    "PHOTO_MIN_SIDE": 240,
    "PHOTO_MAX_SIDE": 4096,
    "PHOTO_MAX_PIXELS": 12_000_000,
    "PHOTO_MAX_PER_DRAFT": 24,
    # Where photos are kept for display (default <instance>/photos); the archive store holds the second copy.
    "PHOTO_DIR": None,
    # Fonts tried in turn for the display watermark (one with Chinese glyphs); Pillow's own font if none loads.
    "PHOTO_WATERMARK_FONTS": [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    ],
    # The platform data interface: a signed request's timestamp may be this far from our clock (either way); its
    # nonce is remembered a little longer than that window, so a replay inside it is refused.
    "PLATFORM_CLOCK_SKEW_SECONDS": 300,
    # Callback URLs that resolve to loopback, private or link-local addresses are refused (SSRF) unless this is
    # set: the tests and the embedded demo deliver to a receiver on this machine.
    "PLATFORM_CALLBACK_ALLOW_PRIVATE": False,
    # A callback delivery waits this long for the platform to connect and again to answer; it is retried after
    # each interval here (then given up as ``failed``), on a queue of its own that a slow platform cannot clog.
    "PLATFORM_CALLBACK_TIMEOUT_SECONDS": 5,
    "PLATFORM_CALLBACK_RETRY_INTERVALS": [30, 120, 600, 3600, 6 * 3600, 24 * 3600],
    # The sweep looks for sign-off outcomes without a callback among the uploads of this many recent days.
    "PLATFORM_CALLBACK_SWEEP_DAYS": 60,
    "PLATFORM_CALLBACK_DISPATCH_RETRY_INTERVALS": [10, 60, 300],
    # The ledger's Ed25519 log key, which signs every checkpoint (a PEM PKCS#8 private key file; `flask ledger
    # log-key-new PATH` writes one): required in production, generated in the instance folder elsewhere. Its name
    # is the checkpoints' origin (default: "<host of PUBLIC_BASE_URL>/ledger"); keep both for the log's lifetime.
    "LEDGER_LOG_KEY_PATH": None,
    "LEDGER_LOG_NAME": None,
    # Authenticity signals (records/signals.py, docs/signals.md), each a rule with its threshold:
    # impossible travel — one technician's check-out of a job and the check-in of their next job (on another
    # elevator, at most OVERLAP_LOOKBACK apart) imply more than this speed, over at least this distance.
    "SIGNAL_TRAVEL_MAX_KMH": 80,
    "SIGNAL_TRAVEL_MIN_DISTANCE_M": 1000,
    # suspect location — a fix with accuracy exactly 0; a check-in/out point identical to the micro-degree to a
    # check-in point of another day; check-in and check-out at the identical point over a job this long or longer.
    "SIGNAL_STATIC_POINT_MIN_MINUTES": 30,
    # bulk upload — this many records (this one included) of one technician received within the window, either
    # each received this many hours or more after its check-out, or all received in the night (local hours
    # [start, end) in Asia/Shanghai).
    "SIGNAL_BULK_MIN_RECORDS": 3,
    "SIGNAL_BULK_WINDOW_MINUTES": 10,
    "SIGNAL_BULK_LATE_HOURS": 12,
    "SIGNAL_BULK_NIGHT_HOURS": [0, 5],
    # photo reused — the same SHA-256, or a near-duplicate of a photo on another record: a perceptual hash
    # (imagehash.phash, 64 bits) at most PHASH_MAX_BITS from it, confirmed by a difference hash (imagehash.dhash,
    # 64 bits) at most DHASH_MAX_BITS from it and a colour signature (4 × 4 cells' mean R, G, B) at most
    # COLOUR_MAX_DIFFERENCE apart on average (0–255); photo not fresh — captured more than this many minutes before
    # the draft was started or before check-in, or after check-out.
    "SIGNAL_PHOTO_PHASH_MAX_BITS": 10,
    "SIGNAL_PHOTO_DHASH_MAX_BITS": 12,
    "SIGNAL_PHOTO_COLOUR_MAX_DIFFERENCE": 8.0,
    "SIGNAL_PHOTO_TIME_TOLERANCE_MINUTES": 5,
}

REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "SQLALCHEMY_DATABASE_URI",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    # Without it every push fails and each record is default-confirmed unseen: refuse to start instead.
    "WECHAT_SIGNOFF_TEMPLATE_ID",
    # Jobs, replay nonces and rate limits live there; a guessed local default would hide a missing setting.
    "REDIS_URL",
    # Printed into every QR label: a default would put stickers pointing at this machine on real elevators.
    "PUBLIC_BASE_URL",
    # Signs every checkpoint: without it nobody outside could tell a rewritten history from the real one.
    "LEDGER_LOG_KEY_PATH",
)

# Outside production only (demo, tests, benches on one machine): a local Redis and this machine's address.
LOCAL_DEFAULTS: dict[str, Any] = {
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
}
REDIS_URL_SCHEMES = ("redis://", "rediss://", "unix://")
SENTINEL_URL_SCHEME = "redis+sentinel://"


def sentinel_addresses(value: Any) -> list[tuple[str, int]]:
    """The Sentinels of ``MINIBACK_REDIS_SENTINELS``: ``"host:port,host:port"`` (or a list of such strings; an IPv6
    host in brackets, ``[::1]:26379``). Empty or unset: no Sentinel. Anything else malformed is a ``ConfigError``."""
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError(_sentinel_error(value, "应为逗号分隔的 host:port 列表 / expected a comma list of host:port"))
    addresses = []
    for item in items:
        text = str(item).strip()
        host, sep, port = text.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
            try:
                ipaddress.IPv6Address(host)
            except ValueError:
                host = ""
        elif not re.fullmatch(r"[A-Za-z0-9._-]+", host):
            host = ""
        if not sep or not host:
            raise ConfigError(_sentinel_error(value, f"{text!r} 不是 host:port / is not host:port"))
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(_sentinel_error(value, f"{text!r} 的端口无效 / has no valid port (1–65535)"))
        addresses.append((host, int(port)))
    if len(set(addresses)) != len(addresses):
        raise ConfigError(_sentinel_error(value, "同一 Sentinel 重复列出 / a Sentinel is listed twice"))
    return addresses


def _sentinel_error(value: Any, why: str) -> str:
    return f"MINIBACK_REDIS_SENTINELS 格式错误 / is malformed ({why}): {value!r}"


def check_redis(config: Mapping[str, Any]) -> None:
    """Refuse a malformed Sentinel list or master name, and a Redis URL that is not one (any mode)."""
    sentinels = sentinel_addresses(config.get("REDIS_SENTINELS"))
    if not sentinels:
        return
    master = config.get("REDIS_SENTINEL_MASTER")
    if not isinstance(master, str) or not master.strip() or any(c.isspace() for c in master):
        raise ConfigError(
            "MINIBACK_REDIS_SENTINEL_MASTER 必须是 Sentinel 监控的主节点名称（不含空白）"
            f" / must name the master the Sentinels monitor: {master!r}"
        )
    url = config.get("REDIS_URL")
    if url and not str(url).startswith(("redis://", "rediss://")):
        raise ConfigError(
            "使用 Sentinel 时 MINIBACK_REDIS_URL 只提供数据库编号和密码，须为 redis:// 或 rediss:// URL"
            f" / with Sentinels, MINIBACK_REDIS_URL (db and password only) must be redis:// or rediss://: {url!r}"
        )


# A signature travels as base64 (4 characters per 3 bytes, optionally after this prefix) in a JSON body that also
# holds a few short fields (this much room is kept for them).
PNG_DATA_URL = "data:image/png;base64,"
SIGNATURE_BODY_ROOM = 1024


def signature_base64_length(max_bytes: int) -> int:
    """The longest signature text whose decoded PNG can be within ``max_bytes``."""
    return len(PNG_DATA_URL) + 4 * -(-max_bytes // 3)


def check_signature_limit(config: Mapping[str, Any]) -> None:
    """Refuse a signature size limit whose largest allowed signature the body limit would cut off first."""
    body_limit = config.get("MAX_CONTENT_LENGTH")
    needed = signature_base64_length(config["SIGNATURE_MAX_BYTES"]) + SIGNATURE_BODY_ROOM
    if body_limit is not None and needed > body_limit:
        raise ConfigError(
            f"MINIBACK_SIGNATURE_MAX_BYTES={config['SIGNATURE_MAX_BYTES']} needs request bodies of {needed} bytes,"
            f" more than MINIBACK_MAX_CONTENT_LENGTH={body_limit}: lower the first or raise the second"
        )


def photo_base64_length(max_bytes: int) -> int:
    """The longest photo text whose decoded image can be within ``max_bytes``."""
    return 4 * -(-max_bytes // 3)


def check_photo_limit(config: Mapping[str, Any]) -> None:
    """Refuse a photo size limit whose largest allowed photo the body limit would cut off first."""
    body_limit = config.get("MAX_CONTENT_LENGTH")
    needed = photo_base64_length(config["PHOTO_MAX_BYTES"]) + SIGNATURE_BODY_ROOM
    if body_limit is not None and needed > body_limit:
        raise ConfigError(
            f"MINIBACK_PHOTO_MAX_BYTES={config['PHOTO_MAX_BYTES']} needs request bodies of {needed} bytes,"
            f" more than MINIBACK_MAX_CONTENT_LENGTH={body_limit}: lower the first or raise the second"
        )


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a numeric host stands for, in any form a browser takes (``127.1``, ``0x7f000001``, ``::ffff:…``)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def check_public_base_url(url: str) -> None:
    """Refuse a QR code base that residents' phones cannot open: not https, or this machine (loopback, 0.0.0.0)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:  # an unbalanced [IPv6 literal
        raise ConfigError(f"MINIBACK_PUBLIC_BASE_URL is not a URL: {url!r}") from None
    if parts.scheme != "https" or not host:
        raise ConfigError(f"MINIBACK_PUBLIC_BASE_URL must be an https:// address residents can open, not {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"MINIBACK_PUBLIC_BASE_URL must be a plain https://host[/path] address, not {url!r}")
    address = _ip_address(host)
    if address is None:
        local = host == "localhost" or host.endswith(".localhost")
    else:
        local = address.is_loopback or address.is_unspecified
    if local:
        raise ConfigError(f"MINIBACK_PUBLIC_BASE_URL points at this machine ({host}), not a public address: {url!r}")


def check_production(config: dict[str, Any]) -> None:
    """Refuse to start with settings that cannot work, and in production mode without real secrets.

    The archive's own settings are checked by ``signoff.archive.settings.check_archive`` (``create_app`` calls it
    after this): configuration sits below the domain and imports none of it."""
    proxies = config.get("TRUSTED_PROXIES")
    if not isinstance(proxies, int) or isinstance(proxies, bool) or not 0 <= proxies <= 5:
        raise ConfigError("MINIBACK_TRUSTED_PROXIES must be a whole number of proxies from 0 to 5")
    check_signature_limit(config)
    check_photo_limit(config)
    check_redis(config)
    if config["ENV_MODE"] != "production":
        return
    missing = [key for key in REQUIRED_IN_PRODUCTION if not config.get(key)]
    if missing:
        names = ", ".join(f"MINIBACK_{key}" for key in missing)
        raise ConfigError(f"production mode needs {names} to be set")
    if len(config["SECRET_KEY"]) < 32:
        raise ConfigError("MINIBACK_SECRET_KEY must be at least 32 characters in production")
    if not str(config["REDIS_URL"]).startswith(REDIS_URL_SCHEMES):
        raise ConfigError("MINIBACK_REDIS_URL must be a redis://, rediss:// or unix:// URL")
    check_public_base_url(str(config["PUBLIC_BASE_URL"]))
