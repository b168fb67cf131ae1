"""``flask backup …``: the second copy of the ledger — archiving, comparison and restore."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from jobs.ledger import archive_store
from miniback.cli.errors import CommandError
from miniback.extensions import db
from signoff.archive.backup import restore, verify_backup
from signoff.archive.segments import archive_pending
from signoff.archive.store import ArchiveError
from signoff.ledger.verify import verify_ledger

backup_cli = AppGroup("backup", help="数据双备份：归档、比对、恢复")


def _echo(message: str) -> None:
    click.echo(message, err=True)


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


COMMANDS = (backup_cli,)
