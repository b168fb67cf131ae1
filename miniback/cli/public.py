"""``flask public …``: maintenance of the residents' pages."""

from __future__ import annotations

import time

import click

from miniback.extensions import db


@click.group("public", help="居民可见的电梯公示页面（/e/<编码>）。")
def public_cli() -> None:
    """The public pages residents see (/e/<code>)."""


@public_cli.command(
    "rebuild-history",
    help="由维保记录、签名确认状态和人员重新计算每台电梯的公开维保记录（一个事务：页面显示旧的或新的记录，"
    "不会显示一半）。",
)
@click.option("--batch", default=5000, show_default=True, help="每次查询读取的记录数")
def rebuild_history_command(batch: int) -> None:
    """Recompute every elevator's public history from the records, sign-off states and accounts (one
    transaction: pages show the old or the new history, never a half-built one)."""
    from miniback.projections.public_history import rebuild_public_history

    total = rebuild_public_history(batch, progress=lambda done: click.echo(f"  {done} 条 …"))
    db.session.commit()
    click.echo(f"已重建 {total} 条公开维保记录")
    render_stale_pages()  # every page showed the old history


@public_cli.command(
    "render-pages", help="生成所有缺失或过期的电梯公示页面并保存，供居民查看（可选：页面被访问时也会自行生成）。"
)
def render_pages_command() -> None:
    """Render every elevator's page that is missing or out of date and keep it for residents' views (after a
    deploy that changed the page, or a rebuild). Optional: a view renders a missing page itself."""
    render_stale_pages()


def render_stale_pages() -> None:
    from miniback.public.pages import render_pages

    started = time.monotonic()
    click.echo("生成电梯公示页面 …")
    total = render_pages(progress=lambda done: click.echo(f"  {done} 页（{time.monotonic() - started:.0f} 秒）"))
    click.echo(f"已生成 {total} 个电梯公示页面，用时 {time.monotonic() - started:.0f} 秒")


COMMANDS = (public_cli,)
