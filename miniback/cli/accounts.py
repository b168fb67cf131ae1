"""``flask create-account``: the authorities' accounts (platform operator, regulator, inspector);
``flask reset-password``: set any password account's password on the server (the operator's own way back in)."""

from __future__ import annotations

import click

from miniback.auth.password_reset import reset_password_directly
from miniback.cli.errors import CommandError
from miniback.errors import ApiError
from miniback.extensions import db
from miniback.models import AUTHORITY_ROLES, Account
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


@click.command(
    "reset-password", help="重置账号的密码（会提示输入两次新密码）；解除锁定，该账号的所有登录会话随即失效。"
)
@click.option("--username", required=True, help="登录名")
@click.password_option(
    prompt="新密码", confirmation_prompt="请再次输入新密码", help="新密码（不在命令行中给出时会提示输入两次）"
)
def reset_password_command(username: str, password: str) -> None:
    """Reset an account's password: the way back in for an operator who forgot theirs."""
    account = db.session.execute(db.select(Account).where(Account.username == username)).scalar_one_or_none()
    if account is None:
        raise CommandError(f"找不到登录名 {username}")
    try:
        reset_password_directly(account, password)
    except ApiError as exc:
        raise CommandError("；".join((exc.fields or {}).values()) or exc.message) from None
    db.session.commit()
    note = "" if account.active else "（注意：该账号已停用，仍不能登录）"
    click.echo(f"已重置 {username} 的密码，锁定已解除，原有登录会话全部失效{note}")


COMMANDS = (create_account_command, reset_password_command)
