"""``flask stats …``: rebuild the statistics rollups from the source tables, or catch up now."""

from __future__ import annotations

import time
from datetime import date

import click
from flask.cli import AppGroup

from miniback.cli.errors import CommandError
from miniback.extensions import db

stats_cli = AppGroup("stats", help="统计：重算汇总表")


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} 不是 YYYY-MM-DD 格式的日期：{value}") from None


@stats_cli.command("rebuild", help="从维保记录、签字、注册信息和延期说明重新计算全部统计汇总（可限定日期范围）。")
@click.option("--from", "start", default=None, help="起始维保日（含，YYYY-MM-DD）；不给则从最早的记录起")
@click.option("--to", "end", default=None, help="结束维保日（含，YYYY-MM-DD）；不给则到最新的记录")
def rebuild_command(start: str | None, end: str | None) -> None:
    from miniback.statistics.rollup import rebuild

    first, last = _day(start, "--from"), _day(end, "--to")
    if first is not None and last is not None and first > last:
        raise CommandError("--from 不能晚于 --to")
    started = time.perf_counter()
    result = rebuild(first, last, progress=lambda message: click.echo(message, err=True))
    click.echo(f"重算完成：{result.days} 天、{result.elevators} 台电梯，用时 {time.perf_counter() - started:.1f} 秒")


@stats_cli.command("catch-up", help="立即补算上次以来变化的统计汇总（与定时巡检相同）。")
def catch_up_command() -> None:
    from miniback.statistics.rollup import catch_up

    result = catch_up()
    db.session.commit()
    click.echo(f"补算了 {result.days} 天、{result.elevators} 台电梯")


COMMANDS = (stats_cli,)
