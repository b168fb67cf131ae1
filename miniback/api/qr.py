"""QR codes, printable labels and mini-program codes of one elevator, for the staff who print and post them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, send_file

from miniback.access import get_elevator_or_404
from miniback.api.validation import documented
from miniback.auth.current import current_account, login_required
from miniback.extensions import redis_clients
from miniback.models import MU_ROLES, UU_ROLES, Elevator
from miniback.wechat_client import wechat_client
from qr.labels import label_data, label_png
from qr.render import qr_png, qr_svg
from qr.urls import public_url
from qr.wxacode import BytesCache, FileBytesCache, RedisBytesCache, wxa_code_png

bp = Blueprint("qr", __name__)

LABEL_ROLES = (*MU_ROLES, *UU_ROLES, "platform_operator")


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
