"""``flask --app wsgi worker | sweep | rebuild-signoff-state``."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app
from sqlalchemy.exc import DBAPIError

from jobs.connection import ALL_QUEUES, QUEUES
from miniback.cli.errors import CommandError
from miniback.errors import database_unavailable

log = logging.getLogger("miniback.jobs")
# With the database away, ``sweep --loop`` tries again after this many seconds, doubling up to its interval.
SWEEP_RETRY_FIRST_SECONDS = 1


@click.command("worker", help="启动 RQ 任务进程（签名确认队列，含定时调度：到期默认确认由它触发）。")
@click.option("--burst", is_flag=True, help="队列为空即退出（测试、一次性补跑）")
@click.option("--name", default=None, help="任务进程名称（默认由 RQ 生成唯一名称）")
@click.option(
    "--queue",
    "queues",
    multiple=True,
    type=click.Choice(ALL_QUEUES),
    help="只处理这些队列（可重复；默认为签名确认的两个队列）。平台回调请单独运行：--queue platform-callbacks",
)
def worker_command(burst: bool, name: str | None, queues: tuple[str, ...]) -> None:
    """Run an RQ worker on the sign-off queues (or the ``--queue`` given: the platform callbacks run in workers
    of their own), with RQ's scheduler (it fires the deadline jobs and the callbacks' retries)."""
    from jobs.worker import work_until_stopped

    if current_app.config["JOBS_MODE"] != "rq":
        raise CommandError("JOBS_MODE 不是 rq：进程内模式（演示）无需单独启动 worker")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    work_until_stopped(app, name, queues or QUEUES, burst=burst)


@click.command(
    "sweep",
    help="巡检：对所有已过期限、仍待确认的记录执行默认签名确认，并补排未来的到期任务（Redis 被清空时会丢失）；"
    "随后生成账本检查点并归档。",
)
@click.option("--loop", is_flag=True, help="每隔 --interval 秒巡检一次，持续运行（生产环境：运行一个这样的进程）")
@click.option("--interval", type=int, default=None, help="两次巡检的间隔秒数（默认取 SIGNOFF_SWEEP_INTERVAL_SECONDS）")
def sweep_command(loop: bool, interval: int | None) -> None:
    """Default-confirm every overdue pending record and re-arm future deadline jobs (lost if Redis was flushed).

    Driven from outside Redis on purpose: a sweep that re-enqueued itself in RQ would vanish with a FLUSHALL.
    """
    from jobs.context import use_app
    from jobs.ledger import seal
    from jobs.signoff import sweep

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    use_app(app)
    every = interval or app.config["SIGNOFF_SWEEP_INTERVAL_SECONDS"]
    stopping = threading.Event()
    if loop:
        # A supervisor's stop (SIGTERM, Ctrl-C) lets the sweep under way finish and report before the process
        # exits: each chunk commits on its own, so stopping mid-sweep loses nothing, but its count would be lost.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
    wait = SWEEP_RETRY_FIRST_SECONDS
    while True:
        try:
            confirmed = sweep()
            # Flushed at once: a long-running sweep is stopped with a signal, which would lose buffered output.
            print(f"巡检：默认签名确认 {confirmed} 条", flush=True)
            try:  # the ledger's checkpoint and archive run on the same ≤ 5 minute beat, never blocking the sweep
                sealed = seal()
                print(f"账本：新增 {sealed.added} 条，归档 {sealed.archived} 条", flush=True)
            except (DBAPIError, OSError):
                log.exception("账本检查点/归档失败，下一轮重试（归档会从上次的位置继续）")
        except DBAPIError as exc:
            if not loop:
                raise
            if database_unavailable(exc):
                # One line per attempt, and soon again: an outage (or a start before the database) is waited out.
                log.warning("巡检失败：数据库不可用，%s 秒后重试 / database unavailable: %s", wait, exc.orig)
                if stopping.wait(wait):
                    return
                wait = min(wait * 2, every)
                continue
            log.exception("巡检失败，下一轮重试")
        except Exception:
            if not loop:
                raise
            log.exception("巡检失败，下一轮重试")
        wait = SWEEP_RETRY_FIRST_SECONDS
        if not loop or stopping.wait(every):
            return


@click.command(
    "rebuild-signoff-state", help="由签名确认事件重新计算每条记录的签名确认状态及其公开维保记录（一个事务）。"
)
def rebuild_signoff_state_command() -> None:
    """Recompute every record's sign-off state from the sign-off events, and the public history that shows
    them (one transaction)."""
    from miniback.extensions import db
    from miniback.projections.public_history import rebuild_public_history
    from signoff.projection import rebuild_projection

    total = rebuild_projection()
    entries = rebuild_public_history()
    db.session.commit()
    click.echo(f"已由签名确认事件重建 {total} 条签名确认状态、{entries} 条公开维保记录")


COMMANDS = (worker_command, sweep_command, rebuild_signoff_state_command)
