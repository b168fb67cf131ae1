"""``flask grants``: the production database account's GRANT script."""

from __future__ import annotations

import click

from miniback.extensions import db


@click.command(
    "grants", help="输出生产环境的授权脚本：应用账号对记录、事件和账本没有 UPDATE/DELETE/DROP/TRUNCATE/ALTER 权限。"
)
@click.option("--user", default="miniback_app", show_default=True, help="应用的数据库账号")
@click.option("--host", default="%", show_default=True, help="账号允许的来源主机")
@click.option("--database", default=None, help="默认取当前连接的数据库名")
def grants_command(user: str, host: str, database: str | None) -> None:
    """Print the production GRANT script: no UPDATE/DELETE/DROP/TRUNCATE/ALTER on records, events and ledger."""
    from miniback.database.grants import grant_statements

    name = database or db.engine.url.database or "miniback"
    click.echo(f"-- miniback 应用账号权限（由 flask --app miniback grants 生成）；以数据库所有者身份执行\n"
               f"CREATE USER IF NOT EXISTS '{user}'@'{host}' IDENTIFIED BY 'CHANGE-ME';")  # fmt: skip
    for statement in grant_statements(name, user, host):
        click.echo(statement + ";")


COMMANDS = (grants_command,)
