"""Workers: the production RQ worker (forks a work horse per job, runs RQ's scheduler) and the in-process
runner of the embedded demo (a SimpleWorker polled from a thread, on fakeredis)."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from rq import SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from jobs.connection import QUEUES, queue, redis_connection
from jobs.context import use_app

log = logging.getLogger("miniback.jobs")


def production_worker(app: Flask, name: str | None = None) -> Worker:
    return Worker([queue(name_, app) for name_ in QUEUES], connection=redis_connection(app), name=name)


class ThreadWorker(SimpleWorker):
    """A SimpleWorker usable outside the main thread: no signal handlers (Python only allows them in the main
    thread), and job timeouts enforced by a timer instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        return None


class InlineRunner:
    """Polls the in-memory queues once a second (``work(burst=True, with_scheduler=True)`` also moves due
    scheduled jobs onto the queues) and runs the sweep every ``SIGNOFF_SWEEP_INTERVAL_SECONDS``."""

    def __init__(self, app: Flask, poll_seconds: float = 1.0) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="miniback-inline-jobs", daemon=True)

    def start(self) -> InlineRunner:
        use_app(self.app)
        # Show pushes and default confirmations in the demo's console.
        log.setLevel(logging.INFO)
        if not logging.getLogger().handlers:
            log.addHandler(logging.StreamHandler())
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def run_once(self) -> None:
        connection = redis_connection(self.app)
        with self.app.app_context():
            queues = [queue(name, self.app) for name in QUEUES]
        worker = ThreadWorker(queues, connection=connection)
        worker.work(burst=True, with_scheduler=True, logging_level="WARNING")

    def _run(self) -> None:
        from jobs.signoff import sweep

        interval = self.app.config["SIGNOFF_SWEEP_INTERVAL_SECONDS"]
        next_sweep = 0.0
        while not self.stopping.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + interval
                    sweep()
                self.run_once()
            except Exception:  # a thread that dies silently would stop the demo's deadlines: log and go on
                log.exception("进程内任务执行出错")
            self.stopping.wait(self.poll_seconds)
