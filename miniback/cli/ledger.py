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


@ledger_cli.command("log-key-new", help="生成新的检查点签名私钥（Ed25519，PEM），写入 PATH（已存在则拒绝）。")
@click.argument("path", type=click.Path(dir_okay=False))
def log_key_new_command(path: str) -> None:
    """Write a fresh Ed25519 log key to PATH (mode 0600), refusing to overwrite one."""
    from signoff.ledger.logkey import write_new_key

    try:
        write_new_key(path)
    except FileExistsError:
        raise click.ClickException(f"{path} 已存在：日志密钥一经使用不得更换") from None
    click.echo(f"已生成日志密钥 {path}；设置 MINIBACK_LEDGER_LOG_KEY_PATH={path}，并妥善备份")


@ledger_cli.command("log-key", help="输出检查点签名的验证公钥（C2SP 格式）及其 PEM。")
def log_key_command() -> None:
    from signoff.ledger.logkey import log_key

    key = log_key()
    click.echo(key.verifier_key)
    click.echo(key.public_pem, nl=False)


@ledger_cli.command(
    "witness",
    help="见证：保存最近一个已签名检查点，核对新检查点的签名和一致性证明；发现回退、分叉或伪造签名时以状态 1 退出。",
)
@click.option("--state", "state_path", required=True, type=click.Path(dir_okay=False), help="见证副本文件（JSON）")
@click.option("--base-url", default=None, help="平台地址（如 https://lift.example.gov.cn）；不给则读本机数据库")
@click.option("--vkey", default=None, help="平台的验证公钥（首次运行时必须给出，之后固定在见证副本中）")
def witness_command(state_path: str, base_url: str | None, vkey: str | None) -> None:
    """Check the latest signed checkpoint against the stored one; exit 1 on a rollback, a fork or a bad signature."""
    from pathlib import Path

    from signoff.ledger.signed_note import NoteError
    from signoff.ledger.witness import DatabaseSource, HttpSource, Source, witness

    source: Source = HttpSource(base_url) if base_url else DatabaseSource()
    try:
        result = witness(Path(state_path), source, vkey)
    except NoteError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.message)
    if not result.ok:
        if result.evidence is not None:
            click.echo(f"已保留证据：{result.evidence}")
        sys.exit(1)


COMMANDS = (ledger_cli,)
