"""``flask create-account``: the authorities' accounts (platform operator, regulator, inspector)."""

from __future__ import annotations

import click

from miniback.cli.errors import CommandError
from miniback.errors import ApiError
from miniback.extensions import db
from miniback.models import AUTHORITY_ROLES
from miniback.registry.accounts import ROLE_NAMES, create_authority_account
from miniback.registry.districts import GUANGZHOU_DISTRICTS


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
def create_account_command(role: str, username: str, name: str, district: str | None, password: str) -> None:
    """Create a platform operator, regulator or inspector account (the same operation as ``POST /accounts``)."""
    try:
        create_authority_account(role, username, name, password, district)
    except ApiError as exc:
        db.session.rollback()
        if exc.fields and "username" in exc.fields:
            raise CommandError(f"登录名 {username} 已存在") from None
        raise CommandError("；".join(exc.fields.values()) if exc.fields else exc.message) from None
    db.session.commit()
    click.echo(f"已创建{ROLE_NAMES[role]}账号 {username}")


COMMANDS = (create_account_command,)
