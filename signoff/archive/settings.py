"""The archive's settings, read from a plain mapping the app passes in (its config: ``ARCHIVE_DIR``,
``ARCHIVE_S3_*``), and the store they name."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from miniback.errors import ConfigError
from signoff.archive.local import LocalArchive
from signoff.archive.store import ArchiveStore

# Together these name one S3 archive; setting some but not all of them is a mistake, never a fallback.
ARCHIVE_S3_REQUIRED = (
    "ARCHIVE_S3_BUCKET",
    "ARCHIVE_S3_REGION",
    "ARCHIVE_S3_ACCESS_KEY_ID",
    "ARCHIVE_S3_SECRET_ACCESS_KEY",
)
ARCHIVE_S3_OPTIONAL = ("ARCHIVE_S3_PREFIX", "ARCHIVE_S3_ENDPOINT_URL")


def archive_s3_configured(config: Mapping[str, Any]) -> bool:
    """Whether the archive is meant to be on S3 (any S3 setting given); ``check_archive`` says if it is complete."""
    return any(config.get(key) for key in ARCHIVE_S3_REQUIRED + ARCHIVE_S3_OPTIONAL)


def check_archive(config: Mapping[str, Any]) -> None:
    """Refuse a half-configured S3 archive (it would silently archive to a local directory, or nowhere)."""
    if not archive_s3_configured(config):
        return
    missing = [key for key in ARCHIVE_S3_REQUIRED if not config.get(key)]
    if missing:
        names = ", ".join(f"MINIBACK_{key}" for key in missing)
        raise ConfigError(f"the S3 archive is half-configured: {names} must be set too (or no MINIBACK_ARCHIVE_S3_*)")
    if config.get("ARCHIVE_DIR"):
        raise ConfigError("MINIBACK_ARCHIVE_DIR and MINIBACK_ARCHIVE_S3_BUCKET are both set: choose one archive")
    if config.get("ARCHIVE_S3_ADDRESSING_STYLE", "auto") not in ("auto", "path", "virtual"):
        raise ConfigError("MINIBACK_ARCHIVE_S3_ADDRESSING_STYLE must be auto, path or virtual")


def store_from_config(config: Mapping[str, Any], default_dir: str | os.PathLike[str]) -> ArchiveStore:
    """The configured archive: S3-compatible storage if ``ARCHIVE_S3_*`` is set, else ``ARCHIVE_DIR`` (or
    ``default_dir``). A half-configured S3 setting raises ``ConfigError`` rather than falling back to a directory."""
    check_archive(config)
    if archive_s3_configured(config):
        from signoff.archive.s3 import S3Archive  # boto3 is loaded only where the archive is on S3

        return S3Archive.from_config(config)
    return LocalArchive(config.get("ARCHIVE_DIR") or default_dir)
