"""``flask grants``: the production database account's GRANT script."""

from __future__ import annotations

import click

from miniback.cli.errors import CommandError
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


@click.command(
    "galera-check",
    help="检查当前数据库是否满足 Galera 集群的要求：每张表都是 InnoDB 且有主键；列出触发器（各节点应相同）及节点状态。"
    "有问题时退出码为 1。",
)
def galera_check_command() -> None:
    """Check the connected database against Galera's requirements (``miniback.database.galera``); exit 1 on any
    problem. Run it against each node to compare their triggers."""
    from miniback.database.galera import check_galera_schema

    with db.engine.connect() as connection:
        report = check_galera_schema(connection)
    click.echo(f"表 / tables: {report.tables}")
    click.echo(f"触发器 / triggers: {len(report.triggers)} {','.join(report.triggers)}")
    for key, value in sorted(report.node.items()):
        click.echo(f"{key}: {value}")
    if not report.node:
        click.echo("非 Galera 节点（wsrep_on=OFF）：只检查了表 / not a Galera node: tables checked only")
    for problem in report.problems:
        click.echo(f"问题 / problem: {problem}", err=True)
    if report.problems:
        raise CommandError(f"{len(report.problems)} 项不满足 Galera 的要求 / problem(s) for Galera")
    click.echo("Galera 检查通过 / ok")


COMMANDS = (grants_command,)
# Flask-Migrate's ``flask db`` group gets this one: it belongs with the schema's other deploy-time commands.
DB_GROUP_COMMANDS = (galera_check_command,)
