"""``flask ledger …``: the tamper-evident ledger's checkpoints and verification."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from signoff.ledger.verify import verify_ledger

ledger_cli = AppGroup("ledger", help="防篡改账本：检查点、校验")


def _echo(message: str) -> None:
    click.echo(message, err=True)


@ledger_cli.command("checkpoint", help="把新条目加入默克尔树、发布检查点，然后归档（与定时任务相同）。")
def checkpoint_command() -> None:
    """Add new entries to the Merkle tree, publish a checkpoint, then archive (what the periodic job does)."""
    from jobs.ledger import archive_store, seal_ledger

    result = seal_ledger(archive_store())
    if result.checkpoint_size is not None:
        click.echo(f"检查点：{result.checkpoint_size} 条（本次新增 {result.added} 条）")
    else:
        click.echo(f"没有新条目（树的大小 {result.tree_size}）")
    click.echo(f"归档了 {result.archived} 条")


@ledger_cli.command(
    "verify",
    help="重新计算内容哈希、签名图片哈希、链接、树节点和检查点根哈希，核对平台上传记录的签名来源；"
    "有问题时以状态 1 退出并指出第一处。",
)
@click.option(
    "--skip-content", is_flag=True, help="不重新计算记录、事件和签名图片的哈希、不核对平台上传的来源（只核对链和树）"
)
def ledger_verify_command(skip_content: bool) -> None:
    """Recompute every content hash, signature image hash, chain link, tree node and checkpoint root, and check the
    signed origin of every uploaded record; exit 1 naming the first problem."""
    started = time.perf_counter()
    report = verify_ledger(_echo, content=not skip_content)
    elapsed = time.perf_counter() - started
    click.echo(
        f"账本条目 {report.entries} 条，内容核对 {report.contents_checked} 条，检查点 {report.checkpoints} 个，"
        f"签名图片重新计算哈希 {report.blobs_checked} 个，平台上传来源核对 {report.origins_checked} 条，"
        f"用时 {elapsed:.1f} 秒"
    )
    if report.ok:
        click.echo("账本完好")
        return
    click.echo(f"发现 {len(report.problems)} 处问题，第一处：{report.problems[0]}")
    for problem in report.problems[1:20]:
        click.echo(f"  {problem}")
    sys.exit(1)


COMMANDS = (ledger_cli,)
