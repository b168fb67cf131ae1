"""Redis Sentinel for real: a master, a replica and a Sentinel on private loopback ports; the master is killed
with SIGKILL and the app's clients and a running ``flask worker`` carry on with the promoted replica, no setting
changed. And a worker started while Redis is unreachable waits for it instead of dying."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask
from limits import parse
from rq.job import Job

from jobs.connection import DEADLINES_QUEUE, queue
from miniback import create_app
from miniback.extensions import redis_clients
from miniback.public.ratelimit import RedisWindows
from tests.conftest import test_config as app_config
from tests.redis.servers import MISSING, RedisServer, SentinelGroup, free_port, wait_for
from tests.signoff.test_reliability import FlaskProcess

pytestmark = [pytest.mark.slow, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]


@pytest.fixture
def group(tmp_path: Path) -> Iterator[SentinelGroup]:
    started = SentinelGroup(tmp_path / "redis", master_name=f"miniback-{uuid.uuid4().hex[:8]}")
    try:
        yield started
    finally:
        started.stop()


def sentinel_settings(group: SentinelGroup) -> dict[str, object]:
    # The URL's host is ignored with Sentinels: only its db (3) and credentials count.
    return {
        "REDIS_SENTINELS": group.addresses,
        "REDIS_SENTINEL_MASTER": group.master_name,
        "REDIS_URL": "redis://ignored-with-sentinels/3",
    }


def finished(job: Job, timeout: float = 60) -> object:
    wait_for(lambda: job.get_status(refresh=True) == "finished", timeout=timeout)
    return job.return_value()


def retrying(action, timeout: float = 60):  # type: ignore[no-untyped-def]
    """What a caller sees during the failover: errors for a moment, then the promoted replica answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_clients_and_worker_carry_on_after_the_master_is_killed(app: Flask, group: SentinelGroup) -> None:
    settings = sentinel_settings(group)
    sentinel_app = create_app(app_config(**settings))
    worker = FlaskProcess(app, "worker", **settings)
    try:
        deadlines = queue(DEADLINES_QUEUE, sentinel_app)
        first = deadlines.enqueue("os.getpid")
        worker_pid_before = finished(first)
        direct = redis.Redis(port=group.master.port, db=3)
        assert direct.exists(first.key), "the job went to the master's db 3, as REDIS_URL's path says"
        direct.close()
        limit = parse("5 per minute")
        windows = RedisWindows(redis_clients.client("rate_limits", sentinel_app))
        assert windows.hit(limit, "test", "203.0.113.9")
        nonces = redis_clients.client("nonces", sentinel_app)
        nonces.set("nonce-before", "1")

        group.master.kill()  # SIGKILL: no goodbye to the replica or the Sentinel
        wait_for(lambda: group.master_port() == group.replica.port, timeout=60)

        second = retrying(lambda: deadlines.enqueue("os.getpid"))
        assert finished(second) != worker_pid_before  # a fresh work horse, forked by the same worker
        scheduled = retrying(lambda: deadlines.enqueue_in(timedelta(seconds=1), "os.getpid"))
        # RQ's scheduler died with the master's connection; the worker's maintenance starts it again (≤ ~1 min).
        finished(scheduled, timeout=150)
        assert retrying(lambda: nonces.get("nonce-before")) == b"1"  # replicated before the kill
        assert retrying(lambda: windows.hit(limit, "test", "203.0.113.9"))
        assert worker.process.poll() is None, "the worker process survived the failover"
    except BaseException:
        print(worker.log_path.read_text())  # the worker's side of a failure
        raise
    finally:
        worker.process.send_signal(signal.SIGTERM)
        output = worker.wait(timeout=60)
        redis_clients.close(sentinel_app, "jobs")
    assert worker.process.returncode == 0, output


def test_worker_started_while_redis_is_unreachable_waits_for_it(app: Flask, tmp_path: Path) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    worker = FlaskProcess(app, "worker", REDIS_URL=url)
    server = None
    try:
        wait_for(lambda: "任务进程无法使用 Redis" in worker.log_path.read_text(), timeout=30)
        assert worker.process.poll() is None, "the worker waits for Redis instead of exiting"
        server = RedisServer(tmp_path / "late-redis", port=port)
        late_app = create_app(app_config(REDIS_URL=url))
        job = queue(DEADLINES_QUEUE, late_app).enqueue("os.getpid")
        finished(job, timeout=90)
        redis_clients.close(late_app, "jobs")
    finally:
        worker.process.send_signal(signal.SIGTERM)
        output = worker.wait(timeout=60)
        if server is not None:
            server.stop()
    assert output.count("任务进程无法使用 Redis") >= 1, output
    assert "Traceback" not in output.split("任务进程无法使用 Redis")[0], "one clear line, not a crash"
