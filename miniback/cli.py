"""``flask --app miniback …`` commands: accounts, demo data, the embedded demo server."""

from __future__ import annotations

import click
from flask import Flask, current_app

from miniback.auth.passwords import hash_password
from miniback.cli_errors import CommandError
from miniback.errors import ApiError
from miniback.extensions import db
from miniback.models import AUTHORITY_ROLES, Account
from miniback.registry.districts import GUANGZHOU_DISTRICTS

ROLE_NAMES = {"platform_operator": "平台运营方", "regulator": "监管部门", "inspector": "检验机构"}


@click.command("create-account", help="创建平台运营方、监管部门或检验机构的账号（会提示输入密码）。")
@click.option("--role", type=click.Choice(AUTHORITY_ROLES), required=True, help="角色")
@click.option("--username", required=True, help="登录名")
@click.option("--name", required=True, help="显示名称")
@click.option(
    "--district",
    type=click.Choice(GUANGZHOU_DISTRICTS),
    default=None,
    help="仅用于监管部门：限定为一个区（不填即全市）",
)
@click.password_option(help="密码（不在命令行中给出时会提示输入）")
def create_account(role: str, username: str, name: str, district: str | None, password: str) -> None:
    """Create a platform operator, regulator or inspector account."""
    if db.session.execute(db.select(Account.id).where(Account.username == username)).first():
        raise CommandError(f"登录名 {username} 已存在")
    try:
        password_hash = hash_password(password)
    except ApiError as exc:
        raise CommandError(str(exc.fields or exc.message)) from None
    db.session.add(
        Account(
            role=role,
            username=username,
            name=name,
            password_hash=password_hash,
            district=district if role == "regulator" else None,
        )
    )
    db.session.commit()
    click.echo(f"已创建{ROLE_NAMES[role]}账号 {username}")


@click.command("seed-demo", help="装入演示数据（只能装入空库）。")
def seed_demo_command() -> None:
    """Load the demo data set (only into an empty database)."""
    from miniback.demo import seed_demo

    if db.session.execute(db.select(Account.id)).first():
        raise CommandError("数据库中已有数据，演示数据只能装入空库")
    seed_demo(echo=click.echo)
    db.session.commit()


@click.command("demo", help="运行内置演示：迁移 SQLite 数据库、首次装入演示数据、启动微信模拟服务和网站。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, type=int, show_default=True, help="端口（make demo PORT=8000）")
def demo_command(host: str, port: int) -> None:
    """Run the embedded demo: migrate the SQLite file, seed it once, start a WeChat stub and the server."""
    from miniback.demo import PortUnavailable, run_demo

    if current_app.config["ENV_MODE"] != "demo":
        raise CommandError("demo 只能在演示模式运行：MINIBACK_ENV_MODE=demo")
    try:
        # The real app object, not the context-local proxy: the server handles requests outside this context.
        run_demo(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]
    except PortUnavailable as exc:
        raise CommandError(str(exc)) from None


def register_commands(app: Flask) -> None:
    from jobs.cli import COMMANDS as JOB_COMMANDS
    from miniback.qr_commands import qr_group

    for command in (create_account, seed_demo_command, demo_command, qr_group, *JOB_COMMANDS):
        app.cli.add_command(command)
    from miniback.ledger_cli import backup_cli, grants_command, ledger_cli

    app.cli.add_command(ledger_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(grants_command)
    from miniback.public.commands import public_cli

    app.cli.add_command(public_cli)
