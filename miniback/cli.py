"""``flask --app miniback …`` commands: accounts, demo data, the embedded demo server."""

from __future__ import annotations

import click
from flask import Flask, current_app

from miniback.auth.passwords import hash_password
from miniback.errors import ApiError
from miniback.extensions import db
from miniback.models import AUTHORITY_ROLES, Account
from miniback.registry.districts import GUANGZHOU_DISTRICTS


@click.command("create-account")
@click.option("--role", type=click.Choice(AUTHORITY_ROLES), required=True)
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option(
    "--district",
    type=click.Choice(GUANGZHOU_DISTRICTS),
    default=None,
    help="regulators only: limits them to one district (city-wide when omitted)",
)
@click.password_option()
def create_account(role: str, username: str, name: str, district: str | None, password: str) -> None:
    """Create a platform operator, regulator or inspector account."""
    if db.session.execute(db.select(Account.id).where(Account.username == username)).first():
        raise click.ClickException(f"登录名 {username} 已存在")
    try:
        password_hash = hash_password(password)
    except ApiError as exc:
        raise click.ClickException(str(exc.fields or exc.message)) from None
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
    click.echo(f"已创建 {role} 账号 {username}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo data set (only into an empty database)."""
    from miniback.demo import seed_demo

    if db.session.execute(db.select(Account.id)).first():
        raise click.ClickException("数据库中已有数据，演示数据只能装入空库")
    seed_demo(echo=click.echo)
    db.session.commit()


@click.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def demo_command(host: str, port: int) -> None:
    """Run the embedded demo: migrate the SQLite file, seed it once, start a WeChat stub and the server."""
    from miniback.demo import run_demo

    if current_app.config["ENV_MODE"] != "demo":
        raise click.ClickException("demo 只能在演示模式运行：MINIBACK_ENV_MODE=demo")
    # The real app object, not the context-local proxy: the server handles requests outside this context.
    run_demo(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


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
