"""Started while the database is unreachable: the app (what each gunicorn worker runs) answers 503 in the JSON
error shape and serves as soon as the database is there; ``flask sweep --loop`` logs one line per attempt, retries
with backoff and sweeps once it can — neither crashes nor needs a restart."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from flask import Flask

from miniback import create_app
from miniback.extensions import db
from tests.conftest import DB_HOST, DB_NAME
from tests.conftest import test_config as app_config
from tests.database.forwarder import Forwarder
from tests.redis.servers import wait_for
from tests.signoff.test_reliability import FlaskProcess


@pytest.fixture
def late_database() -> Iterator[Forwarder]:
    forwarder = Forwarder((DB_HOST, 3306))
    try:
        yield forwarder
    finally:
        forwarder.close()


def uri(forwarder: Forwarder) -> str:
    return f"mysql+pymysql://root@127.0.0.1:{forwarder.port}/{DB_NAME}?charset=utf8mb4&connect_timeout=2"


def test_app_started_without_database_answers_503_then_serves(app: Flask, late_database: Forwarder) -> None:
    late = create_app(app_config(SQLALCHEMY_DATABASE_URI=uri(late_database)))
    client = late.test_client()
    login = {"username": "nobody", "password": "wrong-password-000"}
    refused = client.post("/api/v1/auth/login", json=login)
    assert refused.status_code == 503, refused.get_data(as_text=True)
    assert refused.json["error"]["code"] == "service_unavailable"
    assert refused.json["error"]["message"] == "数据库暂时不可用，请稍后再试"
    assert refused.headers["Retry-After"] == "5"
    late_database.open()
    answered = client.post("/api/v1/auth/login", json=login)
    assert answered.status_code == 401, answered.get_data(as_text=True)  # the database was asked, and said no
    with late.app_context():
        db.engine.dispose()


def test_sweep_loop_started_without_database_waits_then_sweeps(app: Flask, late_database: Forwarder) -> None:
    sweeper = FlaskProcess(
        app,
        "sweep",
        "--loop",
        "--interval",
        "30",
        SQLALCHEMY_DATABASE_URI=uri(late_database),
        JOBS_DB_RECONNECT_SECONDS=0,
    )
    try:
        wait_for(lambda: "数据库不可用" in sweeper.log_path.read_text(), timeout=60)
        assert sweeper.process.poll() is None, "the sweep waits for the database instead of exiting"
        late_database.open()
        wait_for(lambda: "巡检：默认签名确认 0 条" in sweeper.log_path.read_text(), timeout=60)
    finally:
        sweeper.process.send_signal(signal.SIGTERM)
        output = sweeper.wait(timeout=60)
    assert sweeper.process.returncode == 0, output
    assert "巡检失败：数据库不可用，1 秒后重试" in output, output
    assert "Traceback" not in output, output
