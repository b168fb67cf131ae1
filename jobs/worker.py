"""Workers: the production RQ worker (forks a work horse per job, runs RQ's scheduler) and the in-process
runner of the embedded demo (SimpleWorkers polled from threads, on fakeredis)."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

from flask import Flask
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from jobs.connection import CALLBACKS_QUEUE, QUEUES, queue, redis_connection
from jobs.context import use_app

log = logging.getLogger("miniback.jobs")


class ProductionWorker(Worker):
    """RQ's forking worker, remembering whether it was told to stop (SIGTERM, Ctrl-C): RQ leaves its work loop the
    same way when told to stop as when Redis fails under it, and only the second is worth starting again."""

    stop_signalled = False

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_signalled = True
        super().request_stop(signum, frame)


# RQ's scheduler (a process of its own) dies on a Redis connection error, a failover included, and the worker
# starts it again only in its maintenance, which runs between two waits for a job. RQ's defaults (maintenance every
# 10 minutes, waits of 405 s) would leave the deadline jobs unfired for up to a quarter of an hour after a
# failover; these bound it to about a minute (a wait is one BLPOP round trip: nothing to Redis).
WORKER_TTL_SECONDS = 45  # RQ waits for a job at most this less 15 s
MAINTENANCE_SECONDS = 30


def production_worker(app: Flask, name: str | None = None, queues: Sequence[str] = QUEUES) -> ProductionWorker:
    """A worker on ``queues``: the sign-off queues by default; the callbacks queue gets workers of its own."""
    return ProductionWorker(
        [queue(name_, app) for name_ in queues],
        connection=redis_connection(app),
        name=name,
        worker_ttl=WORKER_TTL_SECONDS,
        maintenance_interval=MAINTENANCE_SECONDS,
    )


# Waits between attempts while Redis is unreachable: doubling from the first, at most the last.
REDIS_RETRY_FIRST_SECONDS = 1.0
REDIS_RETRY_MAX_SECONDS = 30.0
# A worker that ran this long before losing Redis starts again from the first wait.
REDIS_RETRY_RESET_AFTER_SECONDS = 60.0


def work_until_stopped(
    app: Flask,
    name: str | None = None,
    queues: Sequence[str] = QUEUES,
    *,
    burst: bool = False,
    first_wait: float = REDIS_RETRY_FIRST_SECONDS,
    max_wait: float = REDIS_RETRY_MAX_SECONDS,
) -> None:
    """Run a production worker (with RQ's scheduler) until it is told to stop, or its queues are empty with
    ``burst``. RQ itself waits out a connection error while it waits for a job, but quits its loop on any other
    Redis error (a timeout, a failover in the middle of a heartbeat) and cannot start while Redis is unreachable:
    each of those is logged in one line and the worker started again, with backoff, on a connection that asks the
    Sentinels (if configured) for the master anew. Jobs stay in Redis meanwhile; none is lost by the wait."""
    wait = first_wait
    stopping = threading.Event()
    while not stopping.is_set():
        worker: ProductionWorker | None = None
        started = time.monotonic()
        try:
            worker = production_worker(app, name, queues)  # RQ asks Redis already here
            worker.work(burst=burst, with_scheduler=True)
        except RedisError as error:  # before RQ's loop (registering, starting its scheduler) or leaving it
            if worker is not None and worker.stop_signalled:
                # The stop signal arrived while RQ waited on Redis, which can leave that reply unread and RQ's
                # farewell (registering its death) failing: still a stop, asked for and done.
                log.info("任务进程已按停止信号退出 / worker stopped on request (%s)", type(error).__name__)
                return
            if burst:  # a one-off run reports the error instead of waiting for Redis
                raise
            failure = f"{type(error).__name__}: {error}"
        else:
            if burst or worker.stop_signalled:
                return
            failure = "RQ 已退出工作循环（Redis 错误，详见上一条 RQ 日志）/ RQ left its work loop"
        if time.monotonic() - started >= REDIS_RETRY_RESET_AFTER_SECONDS:
            wait = first_wait
        log.warning(
            "任务进程无法使用 Redis，%.0f 秒后重新连接 / worker lost Redis, retry in %.0f s: %s", wait, wait, failure
        )
        if worker is not None:
            _forget(worker)
        # RQ's own signal handlers are gone with its loop: a stop while waiting ends the wait and the process.
        previous = {signum: signal.signal(signum, lambda *_: stopping.set()) for signum in _STOP_SIGNALS}
        try:
            stopping.wait(wait)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        wait = min(wait * 2, max_wait)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _forget(worker: Worker) -> None:
    """Mark a failed worker dead in Redis if it can be reached, so its successor may take the same ``--name`` (RQ
    refuses a name whose worker looks alive). Unreachable: its key expires by itself after RQ's worker TTL."""
    with contextlib.suppress(RedisError):
        worker.register_death()


class ThreadWorker(SimpleWorker):
    """A SimpleWorker usable outside the main thread: no signal handlers (Python only allows them in the main
    thread), and job timeouts enforced by a timer instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        return None


class InlineRunner:
    """Polls the in-memory queues once a second (``work(burst=True, with_scheduler=True)`` also moves due
    scheduled jobs onto the queues) and runs the sweep every ``SIGNOFF_SWEEP_INTERVAL_SECONDS``. The platforms'
    callbacks have a thread of their own, as they have workers of their own in production."""

    def __init__(self, app: Flask, poll_seconds: float = 1.0) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="miniback-inline-jobs", daemon=True)
        self.callbacks_thread = threading.Thread(
            target=self._run_callbacks, name="miniback-inline-callbacks", daemon=True
        )

    def start(self) -> InlineRunner:
        use_app(self.app)
        # Show pushes and default confirmations in the demo's console.
        log.setLevel(logging.INFO)
        if not logging.getLogger().handlers:
            log.addHandler(logging.StreamHandler())
        self.thread.start()
        self.callbacks_thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
        self.callbacks_thread.join(timeout=10)

    def run_once(self, names: Sequence[str] = QUEUES) -> None:
        connection = redis_connection(self.app)
        with self.app.app_context():
            queues = [queue(name, self.app) for name in names]
        worker = ThreadWorker(queues, connection=connection)
        worker.work(burst=True, with_scheduler=True, logging_level="WARNING")

    def _run_callbacks(self) -> None:
        while not self.stopping.is_set():
            try:
                self.run_once((CALLBACKS_QUEUE,))
            except Exception:  # as below: log and go on, or the demo's callbacks would stop for good
                log.exception("进程内平台回调任务执行出错")
            self.stopping.wait(self.poll_seconds)

    def _run(self) -> None:
        from jobs.ledger import seal
        from jobs.signoff import sweep

        interval = self.app.config["SIGNOFF_SWEEP_INTERVAL_SECONDS"]
        next_sweep = 0.0
        while not self.stopping.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + interval
                    sweep()
                    seal()
                self.run_once()
            except Exception:  # a thread that dies silently would stop the demo's deadlines: log and go on
                log.exception("进程内任务执行出错")
            self.stopping.wait(self.poll_seconds)
