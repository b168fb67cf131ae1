"""``flask --app miniback ledger …`` and ``backup …``: checkpoints, archiving, verification and restore."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from jobs.ledger import archive_store
from miniback.cli_errors import CommandError
from miniback.extensions import db
from signoff.archive.backup import restore, verify_backup
from signoff.archive.segments import archive_pending
from signoff.archive.store import ArchiveError
from signoff.ledger.verify import verify_ledger

ledger_cli = AppGroup("ledger", help="防篡改账本：检查点、校验")
backup_cli = AppGroup("backup", help="数据双备份：归档、比对、恢复")


def _echo(message: str) -> None:
    click.echo(message, err=True)


@ledger_cli.command("checkpoint", help="把新条目加入默克尔树、发布检查点，然后归档（与定时任务相同）。")
def checkpoint_command() -> None:
    """Add new entries to the Merkle tree, publish a checkpoint, then archive (what the periodic job does)."""
    from jobs.ledger import seal_ledger

    result = seal_ledger(archive_store())
    if result.checkpoint_size is not None:
        click.echo(f"检查点：{result.checkpoint_size} 条（本次新增 {result.added} 条）")
    else:
        click.echo(f"没有新条目（树的大小 {result.tree_size}）")
    click.echo(f"归档了 {result.archived} 条")


@ledger_cli.command(
    "verify",
    help="重新计算内容哈希、签名图片哈希、链接、树节点和检查点根哈希；有问题时以状态 1 退出并指出第一处。",
)
@click.option("--skip-content", is_flag=True, help="不重新计算记录、事件和签名图片的哈希（只核对链和树）")
def ledger_verify_command(skip_content: bool) -> None:
    """Recompute every content hash, signature image hash, chain link, tree node and checkpoint root; exit 1 naming
    the first problem."""
    started = time.perf_counter()
    report = verify_ledger(_echo, content=not skip_content)
    elapsed = time.perf_counter() - started
    click.echo(
        f"账本条目 {report.entries} 条，内容核对 {report.contents_checked} 条，检查点 {report.checkpoints} 个，"
        f"签名图片重新计算哈希 {report.blobs_checked} 个，用时 {elapsed:.1f} 秒"
    )
    if report.ok:
        click.echo("账本完好")
        return
    click.echo(f"发现 {len(report.problems)} 处问题，第一处：{report.problems[0]}")
    for problem in report.problems[1:20]:
        click.echo(f"  {problem}")
    sys.exit(1)


@click.command(
    "grants", help="输出生产环境的授权脚本：应用账号对记录、事件和账本没有 UPDATE/DELETE/DROP/TRUNCATE/ALTER 权限。"
)
@click.option("--user", default="miniback_app", show_default=True, help="应用的数据库账号")
@click.option("--host", default="%", show_default=True, help="账号允许的来源主机")
@click.option("--database", default=None, help="默认取当前连接的数据库名")
def grants_command(user: str, host: str, database: str | None) -> None:
    """Print the production GRANT script: no UPDATE/DELETE/DROP/TRUNCATE/ALTER on records, events and ledger."""
    from miniback.grants import grant_statements

    name = database or db.engine.url.database or "miniback"
    click.echo(f"-- miniback 应用账号权限（由 flask --app miniback grants 生成）；以数据库所有者身份执行\n"
               f"CREATE USER IF NOT EXISTS '{user}'@'{host}' IDENTIFIED BY 'CHANGE-ME';")  # fmt: skip
    for statement in grant_statements(name, user, host):
        click.echo(statement + ";")


@backup_cli.command("archive", help="写入所有尚未归档的条目（故障恢复后补写）。")
def archive_command() -> None:
    """Write everything not yet archived (catches up after an outage)."""
    click.echo(f"归档了 {archive_pending(archive_store(), _echo)} 条")


@backup_cli.command("verify", help="逐条比对数据库与备份；发现不一致时以状态 1 退出并指出第一处。")
def backup_verify_command() -> None:
    """Compare the database with the archive, entry by entry; exit 1 naming the first difference."""
    report = verify_backup(archive_store(), _echo)
    click.echo(f"比对 {report.compared} 行，备份覆盖 {report.archived_leaves} 个叶子")
    if report.ok:
        click.echo("数据库与备份一致")
        return
    click.echo(f"发现 {len(report.problems)} 处不一致，第一处：{report.problems[0]}")
    for problem in report.problems[1:20]:
        click.echo(f"  {problem}")
    sys.exit(1)


@backup_cli.command("restore", help="由备份重建空的（已迁移的）数据库，然后校验账本和备份。")
def restore_command() -> None:
    """Rebuild an empty (migrated) database from the archive, then verify the ledger and the backup."""
    store = archive_store()
    try:
        count = restore(store, _echo)
    except ArchiveError as exc:  # a refused restore is reported, the database is left untouched
        db.session.rollback()
        raise CommandError(str(exc)) from None
    db.session.commit()
    click.echo(f"已从备份恢复 {count} 条账本条目，开始校验 …")
    # The residents' pages are derived from records, sign-offs and the registry's accounts: rebuilt once the
    # registry (from the ordinary database backup) is back too.
    click.echo("登记数据恢复后，请运行 flask public rebuild-history 重建公开维保记录")
    report = verify_ledger(_echo)
    backup = verify_backup(store, _echo)
    problems = report.problems + backup.problems
    if problems:
        click.echo(f"恢复后校验失败：{problems[0]}")
        sys.exit(1)
    click.echo("恢复完成，账本与备份校验通过")
