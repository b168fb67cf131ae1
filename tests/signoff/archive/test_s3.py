"""The archive on S3-compatible object storage: configuration, write-once objects, objects under the prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from miniback import create_app
from miniback.errors import ConfigError
from signoff.archive.s3 import S3Archive
from signoff.archive.settings import store_from_config
from signoff.archive.store import ArchiveError
from tests import conftest


def raw_client(config: dict[str, Any]) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=config["ARCHIVE_S3_ENDPOINT_URL"],
        region_name=config["ARCHIVE_S3_REGION"],
        aws_access_key_id=config["ARCHIVE_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=config["ARCHIVE_S3_SECRET_ACCESS_KEY"],
    )


def test_objects_live_under_the_prefix_and_are_listed_without_it(s3_archive_config: dict[str, Any]) -> None:
    store = store_from_config(s3_archive_config, "/nonexistent")
    assert isinstance(store, S3Archive)
    store.put("manifest/00000002.json", b"2")
    store.put("manifest/00000001.json", b"1")
    store.put("segments/00000001-ab.jsonl", b"s")
    client = raw_client(s3_archive_config)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3_archive_config["ARCHIVE_S3_BUCKET"])["Contents"]]
    assert sorted(keys) == ["gz/archive/manifest/00000001.json", "gz/archive/manifest/00000002.json",
                            "gz/archive/segments/00000001-ab.jsonl"]  # fmt: skip
    assert store.names("manifest/") == ["manifest/00000001.json", "manifest/00000002.json"]
    assert store.get("segments/00000001-ab.jsonl") == b"s"
    with pytest.raises(ArchiveError, match="缺失"):
        store.get("segments/nothing.jsonl")


def test_listing_pages_through_more_than_a_thousand_objects(s3_archive_config: dict[str, Any]) -> None:
    store = store_from_config(s3_archive_config, "/nonexistent")
    client = raw_client(s3_archive_config)
    for n in range(1005):
        client.put_object(Bucket=s3_archive_config["ARCHIVE_S3_BUCKET"], Key=f"gz/archive/manifest/{n:08d}.json")
    names = store.names("manifest/")
    assert len(names) == 1005 and names[-1] == "manifest/00001004.json"


def test_the_servers_conditional_write_refuses_an_overwrite_even_without_the_existence_check(
    s3_archive_config: dict[str, Any],
) -> None:
    """Two archivers racing past the existence check: the server's If-None-Match decides, the loser gets an error."""
    store = store_from_config(s3_archive_config, "/nonexistent")
    assert isinstance(store, S3Archive)
    store.put_if_absent("segments/race.jsonl", b"first")
    with pytest.raises(ArchiveError, match="已存在"):
        store.put_if_absent("segments/race.jsonl", b"second")
    with pytest.raises(ArchiveError, match="已存在"):
        store.put("segments/race.jsonl", b"second")
    assert store.get("segments/race.jsonl") == b"first"


@pytest.mark.parametrize(
    "missing",
    ["ARCHIVE_S3_BUCKET", "ARCHIVE_S3_REGION", "ARCHIVE_S3_ACCESS_KEY_ID", "ARCHIVE_S3_SECRET_ACCESS_KEY"],
)
def test_production_refuses_a_half_configured_s3_archive(
    monkeypatch: pytest.MonkeyPatch, s3_archive_config: dict[str, Any], missing: str
) -> None:
    for key, value in s3_archive_config.items():
        if key != missing:
            monkeypatch.setenv(f"MINIBACK_{key}", value)
    production = conftest.test_config(ENV_MODE="production")
    with pytest.raises(ConfigError, match=f"half-configured: MINIBACK_{missing} must be set"):
        create_app(production)
    with pytest.raises(ConfigError, match="half-configured"):  # and outside production, where the store is built
        store_from_config({k: v for k, v in s3_archive_config.items() if k != missing}, "/nonexistent")


def test_production_refuses_a_local_directory_and_s3_at_once(s3_archive_config: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="choose one archive"):
        create_app(conftest.test_config(ENV_MODE="production", ARCHIVE_DIR=str(tmp_path), **s3_archive_config))


def test_environment_variables_put_the_archive_on_s3(
    monkeypatch: pytest.MonkeyPatch, s3_archive_config: dict[str, Any]
) -> None:
    for key, value in s3_archive_config.items():
        monkeypatch.setenv(f"MINIBACK_{key}", value)
    app = create_app(conftest.test_config(ENV_MODE="production"))
    with app.app_context():
        from jobs.ledger import archive_store

        store = archive_store()
    assert isinstance(store, S3Archive)
    assert (store.bucket, store.prefix) == (s3_archive_config["ARCHIVE_S3_BUCKET"], "gz/archive/")
    store.put("manifest/00000001.json", b"{}")
    assert store.names("manifest/") == ["manifest/00000001.json"]
