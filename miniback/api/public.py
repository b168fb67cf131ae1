"""The public page's JSON twin: no log-in, personal data masked, no internal ids."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify

from miniback.api.schemas.fields import Out
from miniback.api.validation import documented
from miniback.errors import NotFound
from miniback.public.history import public_history
from miniback.public.ratelimit import check_public_rate_limit
from miniback.public.views import cacheable

bp = Blueprint("public", __name__)


class PublicRecordOut(Out):
    maintained_on: date
    category: str
    category_name: str
    technicians: list[str]
    signoff_state: str
    signoff_label: str
    late_upload: bool


class PublicDelayNoticeOut(Out):
    cause: str
    starts_on: date
    ends_on: date
    text: str


class PublicElevatorOut(Out):
    public_code: str
    address: str
    position: str
    elevator_type: str
    elevator_type_name: str
    status: str
    status_name: str
    device_code: str
    rescue_code: str
    use_unit: str
    maintenance_unit: str
    emergency_phone: str
    last_maintained_on: date | None
    next_due_on: date | None
    overdue: bool
    overdue_days: int
    delay_notice: PublicDelayNoticeOut | None
    records: list[PublicRecordOut]


@bp.get("/public/elevators/<string:code>")
@documented("公开：电梯信息与维保记录（无需登录，个人信息已脱敏）", response=PublicElevatorOut, auth=False)
def public_elevator(code: str) -> Any:
    check_public_rate_limit()
    history = public_history(code)
    if history is None:
        raise NotFound("找不到该电梯，请核对二维码")
    body = PublicElevatorOut.model_validate(history).model_dump(mode="json")
    return cacheable(jsonify(body))
