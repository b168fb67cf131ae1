"""QR codes, printable labels and mini-program codes of one elevator, for the staff who print and post them."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, send_file
from pydantic import Field

from miniback.access import get_elevator_or_404, get_maintenance_unit_or_404
from miniback.api.validation import Schema, documented, query_args
from miniback.auth.current import current_account, login_required
from miniback.errors import Conflict, NotFound, Unavailable, ValidationFailed
from miniback.extensions import redis_clients
from miniback.models import MU_ROLES, UU_ROLES, Elevator
from miniback.wechat_client import wechat_client
from qr.fonts import FontMissing, find_cjk_font
from qr.labels import LABELS_PER_PAGE, label_data, label_png, unit_elevators_to_label, write_labels_pdf
from qr.render import qr_png, qr_svg
from qr.urls import public_url
from qr.wxacode import BytesCache, FileBytesCache, RedisBytesCache, wxa_code_png

bp = Blueprint("qr", __name__)

LABEL_ROLES = (*MU_ROLES, *UU_ROLES, "platform_operator")
# One request renders every label of the sheet before answering (about 0.1 s a label on this project's busy
# two-core machine): 12 pages stay well inside gunicorn's 30 s worker timeout. A unit with more elevators prints them in
# batches (``elevator_id``), or all at once with ``flask qr labels``.
LABEL_SHEET_MAX = 12 * LABELS_PER_PAGE


class LabelSheetQuery(Schema):
    elevator_id: list[int] | None = Field(
        None,
        max_length=LABEL_SHEET_MAX,
        description=f"只打印这些电梯（可重复给出，最多 {LABEL_SHEET_MAX} 台）；不填即本单位全部在册电梯",
    )


def _url(elevator: Elevator) -> str:
    return public_url(current_app.config["PUBLIC_BASE_URL"], elevator.public_code)


def _file(data: bytes, mimetype: str, name: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _name(elevator: Elevator, suffix: str) -> str:
    return f"{elevator.device_code or elevator.registration_code or elevator.public_code}-{suffix}"


@bp.get("/elevators/<int:elevator_id>/qr.png")
@documented("电梯二维码（PNG），内容为公开页面地址", media_type="image/png")
@login_required(*LABEL_ROLES)
def elevator_qr_png(elevator_id: int) -> Any:
    elevator = get_elevator_or_404(elevator_id, current_account())
    return _file(qr_png(_url(elevator)), "image/png", _name(elevator, "qr.png"))


@bp.get("/elevators/<int:elevator_id>/qr.svg")
@documented("电梯二维码（SVG，可任意缩放印刷）", media_type="image/svg+xml")
@login_required(*LABEL_ROLES)
def elevator_qr_svg(elevator_id: int) -> Any:
    elevator = get_elevator_or_404(elevator_id, current_account())
    return _file(qr_svg(_url(elevator)), "image/svg+xml", _name(elevator, "qr.svg"))


@bp.get("/elevators/<int:elevator_id>/label.png")
@documented("电梯二维码标签（PNG，300 dpi，60×90 mm）", media_type="image/png")
@login_required(*LABEL_ROLES)
def elevator_label_png(elevator_id: int) -> Any:
    elevator = get_elevator_or_404(elevator_id, current_account())
    data = label_data(elevator, current_app.config["PUBLIC_BASE_URL"])
    return _file(label_png(data), "image/png", _name(elevator, "label.png"))


def wxacode_cache() -> BytesCache:
    """Redis, shared by all workers; the embedded demo (no Redis) keeps the codes in its instance folder."""
    if current_app.config["ENV_MODE"] == "demo":
        return FileBytesCache(Path(current_app.instance_path) / "wxacode")
    return RedisBytesCache(redis_clients.client("cache"))


@bp.get("/elevators/<int:elevator_id>/wxacode.png")
@documented("电梯的微信小程序码（scene 为公开编码，生成一次后缓存）", media_type="image/png")
@login_required(*LABEL_ROLES)
def elevator_wxacode(elevator_id: int) -> Any:
    elevator = get_elevator_or_404(elevator_id, current_account())
    # The page that reads ``scene`` (the elevator page); set empty, WeChat opens the first page (log-in),
    # which routes a ``scene`` to the elevator as well.
    page = current_app.config["WECHAT_WXACODE_PAGE"] or None
    png = wxa_code_png(wechat_client(), elevator.public_code, wxacode_cache(), page=page)
    return _file(png, "image/png", _name(elevator, "wxacode.png"))


@bp.get("/maintenance-units/<int:unit_id>/labels.pdf")
@documented(
    f"维保单位电梯二维码标签的 A4 PDF（每页 {LABELS_PER_PAGE} 张，带裁切线）：本单位全部在册电梯，"
    f"或 elevator_id 所列的电梯；一次最多 {LABEL_SHEET_MAX} 张",
    query=LabelSheetQuery,
    media_type="application/pdf",
)
@login_required("mu_admin", "platform_operator")
def unit_labels_pdf(unit_id: int) -> Any:
    unit = get_maintenance_unit_or_404(unit_id, current_account())
    args = query_args(LabelSheetQuery)
    wanted = sorted(set(args.elevator_id)) if args.elevator_id else None
    elevators = unit_elevators_to_label(unit, wanted)
    if wanted is not None:
        unknown = sorted(set(wanted) - {elevator.id for elevator in elevators})
        if unknown:
            raise NotFound(
                "部分电梯不存在、已注销或不由本单位维保", fields={"elevator_id": ",".join(map(str, unknown))}
            )
    if not elevators:
        raise Conflict(f"{unit.name} 名下没有在册电梯，没有可打印的标签", code="no_elevators")
    if len(elevators) > LABEL_SHEET_MAX:
        raise ValidationFailed(
            f"一次最多生成 {LABEL_SHEET_MAX} 张标签，本单位有 {len(elevators)} 台在册电梯：请用 elevator_id 分批选择",
            fields={"elevator_id": f"一次最多 {LABEL_SHEET_MAX} 台"},
            code="too_many_labels",
        )
    try:
        find_cjk_font()
    except FontMissing:
        raise Unavailable("服务器缺少中文字体，暂时不能生成标签", code="font_missing") from None
    labels = [label_data(elevator, current_app.config["PUBLIC_BASE_URL"]) for elevator in elevators]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "labels.pdf"
        write_labels_pdf(labels, path)
        pdf = path.read_bytes()
    return _file(pdf, "application/pdf", f"{unit.name}-电梯二维码标签.pdf")
