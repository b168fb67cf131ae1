"""Workers: the production RQ worker (forks a work horse per job, runs RQ's scheduler) and the in-process
runner of the embedded demo (SimpleWorkers polled from threads, on fakeredis)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from flask import Flask
from rq import SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from jobs.connection import CALLBACKS_QUEUE, QUEUES, queue, redis_connection
from jobs.context import use_app

log = logging.getLogger("miniback.jobs")


def production_worker(app: Flask, name: str | None = None, queues: Sequence[str] = QUEUES) -> Worker:
    """A worker on ``queues``: the sign-off queues by default; the callbacks queue gets workers of its own."""
    return Worker([queue(name_, app) for name_ in queues], connection=redis_connection(app), name=name)


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
