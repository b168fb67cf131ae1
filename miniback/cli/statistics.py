"""``flask stats …``: rebuild the statistics rollups from the source tables, or catch up now."""

from __future__ import annotations

import time
from datetime import date

import click
from flask.cli import AppGroup

from miniback.cli.errors import CommandError
from miniback.extensions import db

stats_cli = AppGroup("stats", help="统计：重算汇总表、导出月报")


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


@stats_cli.command(
    "monthly-report",
    help="生成监测中心月报（Excel）：全市按辖区、按维保单位的各项指标和当月超期未维保电梯清单，显示进度。",
)
@click.option("--month", required=True, help="月份，YYYY-MM（本月则统计到今天）")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件（.xlsx）")
def monthly_report_command(month: str, out: str) -> None:
    from pathlib import Path

    from miniback.api.spreadsheet import write_workbook
    from miniback.api.stats_exports import monthly_report_sheets, report_month
    from miniback.errors import ApiError
    from miniback.models import Account, utcnow
    from miniback.records.calendar import local_day

    started = time.perf_counter()
    try:
        chosen = report_month(month, local_day(utcnow()))
        # The monitoring centre reads the whole city, as the platform operator does (an account never stored).
        centre = Account(role="platform_operator", name="监测中心")
        click.echo(f"{chosen.label}（{chosen.first} 至 {chosen.last}）：计算中…", err=True)
        sheets = monthly_report_sheets(centre, chosen, progress=lambda message: click.echo(f"  {message}", err=True))
    except ApiError as error:
        raise CommandError("；".join([error.message, *(error.fields or {}).values()])) from None
    counts = write_workbook(Path(out), sheets)
    total = sum(counts)
    click.echo(f"月报已写入 {out}：{len(sheets)} 个工作表、{total} 行，用时 {time.perf_counter() - started:.1f} 秒")


COMMANDS = (stats_cli,)
