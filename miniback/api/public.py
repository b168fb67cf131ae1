"""The public page's JSON twin: no log-in, personal data masked, no internal ids."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any, get_type_hints

from flask import Blueprint, jsonify
from pydantic import create_model

from miniback.api.schemas.fields import Out
from miniback.api.validation import documented
from miniback.errors import NotFound
from miniback.public.history import (
    PAGE_ONLY_FIELDS,
    PublicDelayNotice,
    PublicHistory,
    PublicRecord,
    public_history,
)
from miniback.public.ratelimit import check_public_rate_limit
from miniback.public.views import cacheable

bp = Blueprint("public", __name__)


def _schema(source: type, name: str, nested: dict[str, Any] | None = None) -> type[Out]:
    """The JSON twin's schema of the page's own type ``source`` (a named tuple or a dataclass): the same fields and
    types, all required, without the page's ready-made text; ``nested`` replaces a field's type by its schema."""
    hints = get_type_hints(source)
    names: list[str] = list(getattr(source, "_fields", None) or [item.name for item in dataclass_fields(source)])
    shown: dict[str, Any] = {
        field: ((nested or {}).get(field, hints[field]), ...) for field in names if field not in PAGE_ONLY_FIELDS
    }
    schema: type[Out] = create_model(name, __base__=Out, **shown)
    return schema


PublicRecordOut = _schema(PublicRecord, "PublicRecordOut")
PublicDelayNoticeOut = _schema(PublicDelayNotice, "PublicDelayNoticeOut")
PublicElevatorOut = _schema(
    PublicHistory,
    "PublicElevatorOut",
    # The two schemas are made at run time (create_model), which a type checker cannot follow into a type.
    {"delay_notice": PublicDelayNoticeOut | None, "records": tuple[PublicRecordOut, ...]},  # type: ignore[valid-type]
)


@bp.get("/public/elevators/<string:code>")
@documented("公开：电梯信息与维保记录（无需登录，个人信息已脱敏）", response=PublicElevatorOut, auth=False)
def public_elevator(code: str) -> Any:
    check_public_rate_limit()
    history = public_history(code)
    if history is None:
        raise NotFound("找不到该电梯，请核对二维码")
    body = PublicElevatorOut.model_validate(history).model_dump(mode="json")
    return cacheable(jsonify(body))
