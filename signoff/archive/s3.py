"""The archive on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Tencent COS, Aliyun OSS …).

Objects are write-once, as in the local directory: ``put`` first asks whether the name exists (servers that
ignore conditional writes still refuse an overwrite that way), then writes with ``If-None-Match: *``, so that
of two archivers racing for the same name exactly one wins on servers that support conditional writes (AWS S3
since 2024, MinIO, moto). The application's credentials are the weak point left: give them no DeleteObject
permission and turn on the bucket's versioning or Object Lock, so that even they cannot destroy history.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from signoff.archive.settings import check_archive
from signoff.archive.store import ArchiveError

# Codes an S3 server answers when the object exists (412) or a concurrent conditional write won (409).
REFUSED_OVERWRITE = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


class S3Archive:
    """A bucket and a key prefix; object names are the archive's names (``segments/…``, ``manifest/…``)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "auto",
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                s3={"addressing_style": addressing_style},
                retries={"mode": "standard", "max_attempts": 5},
                connect_timeout=10,
                read_timeout=60,
                # Newer botocore adds CRC checksums many S3-compatible servers reject; Content-MD5 (below) is
                # understood by all of them, and every object is checked against its manifest's SHA-256 anyway.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Archive:
        check_archive(config)
        return cls(
            config["ARCHIVE_S3_BUCKET"],
            prefix=config.get("ARCHIVE_S3_PREFIX") or "",
            endpoint_url=config.get("ARCHIVE_S3_ENDPOINT_URL"),
            region=config["ARCHIVE_S3_REGION"],
            access_key_id=config["ARCHIVE_S3_ACCESS_KEY_ID"],
            secret_access_key=config["ARCHIVE_S3_SECRET_ACCESS_KEY"],
            addressing_style=config.get("ARCHIVE_S3_ADDRESSING_STYLE") or "auto",
        )

    def __repr__(self) -> str:
        return f"S3Archive(s3://{self.bucket}/{self.prefix})"

    def put(self, name: str, data: bytes) -> None:
        if self.exists(name):
            raise ArchiveError(f"备份对象 {name} 已存在")
        self.put_if_absent(name, data)

    def put_if_absent(self, name: str, data: bytes) -> None:
        """The conditional write alone (what closes the race between two archivers)."""
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii")
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + name, Body=data, ContentMD5=md5, IfNoneMatch="*"
            )
        except ClientError as exc:
            if _code(exc) in REFUSED_OVERWRITE:
                raise ArchiveError(f"备份对象 {name} 已存在") from None
            raise

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + name)
        except ClientError as exc:
            if _code(exc) in NOT_FOUND:
                return False
            raise
        return True

    def get(self, name: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except ClientError as exc:
            if _code(exc) in NOT_FOUND:
                raise ArchiveError(f"备份对象 {name} 缺失") from None
            raise
        body: bytes = response["Body"].read()
        return body

    def names(self, prefix: str) -> list[str]:
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            found.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        return sorted(found)


def _code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
