"""``flask records …``: the inspector's bundle of record PDFs, written to a file with progress."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from miniback.cli.errors import CommandError
from miniback.errors import ApiError
from miniback.extensions import db
from miniback.models import Account
from miniback.records.pdf.bundle import MAX_BUNDLE_RECORDS, BundleScope, bundle_pdf
from miniback.records.pdf.signing import self_signed_pair

records_cli = AppGroup("records", help="维保记录：汇编 PDF")


def _day(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期格式应为 YYYY-MM-DD，而不是 {value!r}") from None


def _reader(username: str | None) -> Account:
    if username is None:
        # On the server itself: the whole city, as the monitoring centre reads it (never saved).
        return Account(role="platform_operator", name="命令行")
    account = db.session.execute(db.select(Account).where(Account.username == username)).scalar_one_or_none()
    if account is None or not account.active:
        raise CommandError(f"找不到账号 {username}（或已停用）")
    return account


@records_cli.command(
    "bundle",
    help=f"把一部电梯或一个维保单位在一段时间内的维保记录汇编为一个带目录、经平台签名的 PDF"
    f"（最多 {MAX_BUNDLE_RECORDS} 份）。",
)
@click.option("--elevator", "elevator_id", type=int, default=None, help="电梯 id（与 --unit 二者选一）")
@click.option("--unit", "maintenance_unit_id", type=int, default=None, help="维保单位 id（与 --elevator 二者选一）")
@click.option("--from", "date_from", required=True, callback=_day, help="维保日期起（含），YYYY-MM-DD")
@click.option("--to", "date_to", required=True, callback=_day, help="维保日期止（含），YYYY-MM-DD")
@click.option("--as", "username", default=None, help="按该账号的查阅范围汇编（默认：全市范围）")
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True, help="输出的 PDF 文件"
)
def bundle_command(
    elevator_id: int | None,
    maintenance_unit_id: int | None,
    date_from: date,
    date_to: date,
    username: str | None,
    out: Path,
) -> None:
    reader = _reader(username)
    scope = BundleScope(date_from, date_to, elevator_id=elevator_id, maintenance_unit_id=maintenance_unit_id)
    started = datetime.now()

    def progress(done: int, total: int) -> None:
        click.echo(f"已排版 {done}/{total} 份记录", err=True)

    try:
        data = bundle_pdf(reader, scope, progress)
    except ApiError as exc:
        details = "；".join(f"{name}：{text}" for name, text in (exc.fields or {}).items())
        raise CommandError(f"{exc.message}{'（' + details + '）' if details else ''}") from None
    out.write_bytes(data)
    seconds = (datetime.now() - started).total_seconds()
    click.echo(f"已写入 {out}（{len(data) // 1024} KB，用时 {seconds:.1f} 秒）")


@records_cli.command(
    "document-key-new",
    help="生成一对自签名的文档签名密钥（EC P-256）与证书，用于配置 MINIBACK_PDF_SIGNING_KEY_PATH / _CERT_PATH。"
    "正式环境宜改用由证书机构签发的证书。",
)
@click.argument("key_path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("cert_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default="miniback 文档签名证书", help="证书的通用名称（CN）")
def document_key_new_command(key_path: Path, cert_path: Path, name: str) -> None:
    for path in (key_path, cert_path):
        if path.exists():
            raise CommandError(f"{path} 已存在，不会覆盖")
    key_pem, cert_pem = self_signed_pair(name)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_pem)
    cert_path.write_bytes(cert_pem)
    click.echo(f"已写入密钥 {key_path}（仅本人可读）与证书 {cert_path}")


COMMANDS = [records_cli]
