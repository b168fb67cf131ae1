"""``flask qr …``: print a maintenance unit's QR labels."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from miniback.cli.errors import CommandError
from miniback.extensions import db
from miniback.models import MaintenanceUnit
from qr.fonts import FontMissing, find_cjk_font
from qr.labels import LABELS_PER_PAGE, label_data, unit_elevators_to_label, write_labels_pdf

qr_cli = AppGroup("qr", help="电梯二维码与标签")


@qr_cli.command("labels", help="把一个维保单位所有在册电梯的二维码标签生成为 A4 PDF（每页 3 × 3 张）。")
@click.option("--unit", "unit_id", type=int, required=True, help="维保单位 id")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="输出的 PDF 文件",
)
@click.option("--base-url", default=None, help="二维码中的公开地址前缀（默认 PUBLIC_BASE_URL）")
def labels_command(unit_id: int, out: Path, base_url: str | None) -> None:
    """All in-service elevators of one maintenance unit as an A4 PDF of labels (3 × 3 a page)."""
    unit = db.session.get(MaintenanceUnit, unit_id)
    if unit is None:
        raise CommandError(f"找不到维保单位 {unit_id}")
    try:
        find_cjk_font()
    except FontMissing as exc:
        raise CommandError(str(exc)) from None
    elevators = unit_elevators_to_label(unit)
    if not elevators:
        raise CommandError(f"{unit.name} 名下没有在册电梯")
    base = base_url or current_app.config["PUBLIC_BASE_URL"]
    labels = [label_data(elevator, base) for elevator in elevators]
    out.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"{unit.name}：{len(labels)} 台电梯，每页 {LABELS_PER_PAGE} 张标签")
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        # One line a page: readable on a terminal and in a CI or cron log alike.
        click.echo(f"  生成标签 {done}/{total}（{done * 100 // total}%，{time.monotonic() - started:.1f} 秒）")

    pages = write_labels_pdf(labels, out, progress)
    click.echo(f"已生成 {out}（{pages} 页 A4）")


COMMANDS = (qr_cli,)
