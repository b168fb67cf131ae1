"""Fixtures: a real MariaDB database and Redis, the local WeChat stub, an app per test, tables emptied after.

Set ``MINIBACK_TEST_DATABASE`` / ``MINIBACK_TEST_REDIS_URL`` to run several test sessions side by side.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from jobs.connection import close_connection
from miniback import create_app
from miniback.demo.wechat_stub import RunningStub, StubState
from miniback.extensions import db
from signoff.archive.settings import store_from_config
from signoff.archive.store import ArchiveStore

DB_NAME = os.environ.get("MINIBACK_TEST_DATABASE", "miniback_test")
DB_HOST = os.environ.get("MINIBACK_TEST_DB_HOST", "127.0.0.1")
DATABASE_URL = f"mysql+pymysql://root@{DB_HOST}/{DB_NAME}?charset=utf8mb4"
REDIS_URL = os.environ.get("MINIBACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# The repository: tests that read its files (README, docs, deploy/, wechat/) find them from here.
ROOT = Path(__file__).resolve().parent.parent

# Tables whose rows the database refuses to delete (triggers); TRUNCATE, which bypasses them, empties them.
APPEND_ONLY_TABLES: set[str] = {
    "maintenance_record",
    "record_item",
    "record_technician",
    "signature_image",
    "signoff_event",
}
# The ledger (issue 5): append-only tables and the chain heads (which refuse DELETE).
APPEND_ONLY_TABLES |= {"ledger_entry", "ledger_leaf", "merkle_node", "ledger_checkpoint", "ledger_head"}
# The platform interface's evidence (issue 15).
APPEND_ONLY_TABLES |= {"platform_request", "platform_upload", "platform_client_event"}
# Verification codes and checkpoint signatures (issue 18).
APPEND_ONLY_TABLES |= {"record_verification", "ledger_checkpoint_signature"}
# Issue 18's rules: use-unit consents, paperless and regulator-notice history.
APPEND_ONLY_TABLES |= {"use_unit_consent", "paperless_event", "regulator_notice_subject", "regulator_notice_event"}
# Photo evidence (issue 19).
APPEND_ONLY_TABLES |= {"record_photo", "record_photo_missing"}
# Authenticity signals (issue 19).
APPEND_ONLY_TABLES |= {"record_flag", "record_photo_band"}


def _test_log_key() -> str:
    """One Ed25519 log key for this test process, in a fresh temporary folder: checkpoints are signed with it."""
    import tempfile

    from signoff.ledger.logkey import write_new_key

    path = Path(tempfile.mkdtemp(prefix="miniback-log-key-")) / "ledger-log-key.pem"
    write_new_key(path)
    return str(path)


TEST_LOG_KEY_PATH = _test_log_key()


def _test_document_key() -> tuple[str, str]:
    """One self-signed document key and certificate for this test process: record PDFs are signed with it."""
    import tempfile

    from miniback.records.pdf.signing import self_signed_pair

    folder = Path(tempfile.mkdtemp(prefix="miniback-pdf-key-"))
    key_pem, cert_pem = self_signed_pair("miniback 测试文档签名证书")
    (folder / "key.pem").write_bytes(key_pem)
    (folder / "cert.pem").write_bytes(cert_pem)
    return str(folder / "key.pem"), str(folder / "cert.pem")


TEST_PDF_SIGNING_KEY_PATH, TEST_PDF_SIGNING_CERT_PATH = _test_document_key()


def test_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "ENV_MODE": "test",
        "SECRET_KEY": "test-secret-key-with-enough-length-000",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "PUBLIC_BASE_URL": "https://lift.example.test",
        "WECHAT_APPID": "wxtest000000000000",
        "WECHAT_SECRET": "test-app-secret",
        "WECHAT_SIGNOFF_TEMPLATE_ID": "test-signoff-template",
        "WECHAT_TIMEOUT_SECONDS": 2,
        # Callbacks go to receivers on this machine (tests/platform).
        "PLATFORM_CALLBACK_ALLOW_PRIVATE": True,
        "LEDGER_LOG_KEY_PATH": TEST_LOG_KEY_PATH,
        "PDF_SIGNING_KEY_PATH": TEST_PDF_SIGNING_KEY_PATH,
        "PDF_SIGNING_CERT_PATH": TEST_PDF_SIGNING_CERT_PATH,
    }
    config.update(overrides)
    return config


def recreate_database() -> None:
    connection = pymysql.connect(host=DB_HOST, user="root")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
        cursor.execute(f"CREATE DATABASE `{DB_NAME}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()


@pytest.fixture(scope="session")
def migrated_database() -> str:
    """A fresh test database with every migration applied (as a deploy would)."""
    from flask_migrate import upgrade

    recreate_database()
    app = create_app(test_config())
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return DATABASE_URL


@pytest.fixture(scope="session")
def wechat_stub_server() -> Iterator[RunningStub]:
    stub = RunningStub().start()
    yield stub
    stub.stop()


S3_CREDENTIALS = {
    "ARCHIVE_S3_REGION": "ap-guangzhou",
    "ARCHIVE_S3_ACCESS_KEY_ID": "miniback-test",
    "ARCHIVE_S3_SECRET_ACCESS_KEY": "miniback-test-secret",
}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible HTTP server (moto's) on a free local port, for the archive's S3 store."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_archive_config(s3_endpoint: str) -> dict[str, Any]:
    """``ARCHIVE_S3_*`` settings naming a new, empty bucket (under a prefix, as a shared bucket would be used)."""
    import boto3

    bucket = f"miniback-archive-{uuid.uuid4().hex[:12]}"
    config = {"ARCHIVE_S3_BUCKET": bucket, "ARCHIVE_S3_ENDPOINT_URL": s3_endpoint, "ARCHIVE_S3_PREFIX": "gz/archive"}
    config |= S3_CREDENTIALS
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=config["ARCHIVE_S3_REGION"],
        aws_access_key_id=config["ARCHIVE_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=config["ARCHIVE_S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": config["ARCHIVE_S3_REGION"]})
    client.close()
    return config


@pytest.fixture(params=["local", "s3"])
def archive_config(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The archive settings, once for a local directory and once for S3-compatible object storage."""
    if request.param == "local":
        return {"ARCHIVE_DIR": str(tmp_path / "archive")}
    config: dict[str, Any] = request.getfixturevalue("s3_archive_config")
    return config


@pytest.fixture
def archive(archive_config: dict[str, Any], tmp_path: Path) -> ArchiveStore:
    """The configured archive store (see ``archive_config``), built as the app builds it."""
    return store_from_config(archive_config, tmp_path / "unused")


@pytest.fixture
def wechat_stub(wechat_stub_server: RunningStub) -> StubState:
    """The stub's state, fresh for each test."""
    wechat_stub_server.app.state = StubState()
    return wechat_stub_server.app.state


def empty_tables() -> None:
    names = [table.name for table in db.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"(SELECT '{name}' FROM `{name}` LIMIT 1)" for name in names)
    with db.engine.begin() as connection:
        nonempty = [row[0] for row in connection.execute(text(probe))]
        if not nonempty:
            return
        connection.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
        for name in nonempty:
            verb = "TRUNCATE TABLE" if name in APPEND_ONLY_TABLES else "DELETE FROM"
            connection.execute(text(f"{verb} `{name}`"))
        connection.execute(text("SET FOREIGN_KEY_CHECKS = 1"))


@pytest.fixture
def app(migrated_database: str, wechat_stub: StubState, wechat_stub_server: RunningStub) -> Iterator[Flask]:
    app = create_app(test_config(WECHAT_API_BASE=wechat_stub_server.url))
    # Queues, scheduled jobs and the cached WeChat token live in the test Redis db: start each test clean.
    with redis.Redis.from_url(REDIS_URL) as connection:
        connection.flushdb()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            empty_tables()
            for engine in db.engines.values():  # the main engine and the public page's read pool
                engine.dispose()
            close_connection(app)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context and database session, as in production.

    The test's own session is committed first (so factory rows are visible) and expired afterwards (so
    the test reads what the request really wrote, not what its identity map remembers).
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        db.session.commit()
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:  # a streamed body is read in the request's context, as a server would
            response.response = _InContext(context, response.response)
        db.session.expire_all()
        return response


class _InContext:
    """A streamed response body whose every chunk is produced inside the request's own ``contextvars.Context``."""

    def __init__(self, context: contextvars.Context, body: Any) -> None:
        self.context, self.body = context, iter(body)

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> Any:
        return self.context.run(next, self.body)

    def close(self) -> None:
        if hasattr(self.body, "close"):
            self.context.run(self.body.close)

    __del__ = close  # a body nobody read is closed in its context too (not wherever the collector runs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def sqlite_app(tmp_path: Path, wechat_stub: StubState, wechat_stub_server: RunningStub) -> Iterator[Flask]:
    """The app on a migrated SQLite file, as the demo runs it (SQLite's INTEGER is signed 64-bit, no wider)."""
    from flask_migrate import upgrade

    uri = f"sqlite:///{tmp_path / 'miniback.sqlite3'}"
    app = create_app(test_config(SQLALCHEMY_DATABASE_URI=uri, WECHAT_API_BASE=wechat_stub_server.url))
    app.test_client_class = IsolatedClient
    with redis.Redis.from_url(REDIS_URL) as connection:
        connection.flushdb()
    with app.app_context():
        upgrade()
        try:
            yield app
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
            close_connection(app)
