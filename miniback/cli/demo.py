"""``flask seed-demo | demo``: the demo data set and the embedded demo server."""

from __future__ import annotations

import click
from flask import current_app

from miniback.cli.errors import CommandError
from miniback.extensions import db
from miniback.models import Account


@click.command("seed-demo", help="装入演示数据（只能装入空库）。")
def seed_demo_command() -> None:
    """Load the demo data set (only into an empty database)."""
    from miniback.demo.seed import seed_demo

    if db.session.execute(db.select(Account.id)).first():
        raise CommandError("数据库中已有数据，演示数据只能装入空库")
    seed_demo(echo=click.echo)
    db.session.commit()


@click.command("demo", help="运行内置演示：迁移 SQLite 数据库、首次装入演示数据、启动微信模拟服务和网站。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, type=int, show_default=True, help="端口（make demo PORT=8000）")
def demo_command(host: str, port: int) -> None:
    """Run the embedded demo: migrate the SQLite file, seed it once, start a WeChat stub and the server."""
    from miniback.demo.server import PortUnavailable, run_demo

    if current_app.config["ENV_MODE"] != "demo":
        raise CommandError("demo 只能在演示模式运行：MINIBACK_ENV_MODE=demo")
    try:
        # The real app object, not the context-local proxy: the server handles requests outside this context.
        run_demo(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]  # Flask types the proxy as the app
    except PortUnavailable as exc:
        raise CommandError(str(exc)) from None


COMMANDS = (seed_demo_command, demo_command)
