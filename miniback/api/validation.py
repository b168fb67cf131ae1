"""Request parsing at the edge: pydantic schemas validate input and also generate the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_args, get_origin

from flask import request
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationError
from pydantic_core import CoreSchema, ErrorDetails
from werkzeug.routing import IntegerConverter

from miniback.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)

# Every integer that crosses the edge fits a signed 64-bit column (SQLite's INTEGER, MariaDB's BIGINT); an id,
# a ``*_id`` or ``*_ids`` field, is also at least 1. Tighter bounds a field declares itself are kept.
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _bound_integers(schema: Any, is_id: bool = False) -> None:
    """Give every ``int`` in a pydantic core schema the bounds above, where it has none of its own."""
    if isinstance(schema, list):
        for item in schema:
            _bound_integers(item, is_id)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "int":
        schema.setdefault("le", INT64_MAX)
        schema.setdefault("ge", 1 if is_id else INT64_MIN)
    for key, value in schema.items():
        if key == "fields" and schema.get("type") in ("model-fields", "typed-dict"):
            for name, field_schema in value.items():
                _bound_integers(field_schema, _is_id(name))
        elif key != "metadata":
            _bound_integers(value, is_id)


class Schema(BaseModel):
    """Base of request schemas: unknown fields are refused, strings are stripped, integers are bounded."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _bound_integers(schema)
        return schema


class IdConverter(IntegerConverter):
    """``<int:…>`` in a URL: an id from 1 to the signed 64-bit maximum; anything else does not match (404)."""

    regex = r"\d{1,19}"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 1, max: int | None = INT64_MAX) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def _choices(expected: str) -> str:
    """pydantic's English list of allowed values (``'a', 'b' or 'c'``) as ``a、b、c``."""
    return "、".join(part.strip("'") for part in re.split(r", | or ", expected))


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "extra_forbidden":
        return "不支持该字段"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字符" if ctx.get("min_length", 0) > 1 else "不能为空"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in (
        "string_type",
        "int_type",
        "int_parsing",
        "float_type",
        "float_parsing",
        "bool_type",
        "bool_parsing",
        "decimal_parsing",
        "decimal_type",
        "model_type",
        "list_type",
        "dict_type",
        "int_from_float",
        "date_parsing",
        "date_type",
        "datetime_parsing",
        "datetime_type",
        "date_from_datetime_parsing",
        "datetime_from_date_parsing",
        "timezone_aware",
    ):
        return "类型不正确"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error" or kind == "enum":
        return f"取值必须是以下之一：{_choices(str(ctx.get('expected', '')))}"
    if kind == "value_error":
        return str(ctx.get("error", "取值不正确"))
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind == "too_short":
        return f"至少 {ctx.get('min_length')} 项"
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return "数值位数超出范围"
    return "取值不正确"


def fields_of(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "body"
        fields.setdefault(loc, _message(err))
    return fields


def parse(schema: type[M], data: Any) -> M:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(fields=fields_of(exc)) from None


def json_body(schema: type[M]) -> M:
    """The request's JSON body validated against ``schema``; any problem is a 4xx, never a 500."""
    if not request.is_json:
        raise ValidationFailed("请以 JSON 格式提交（Content-Type: application/json）", code="bad_request")
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed("请求体不是合法的 JSON", code="malformed_json")
    if not isinstance(data, dict):
        raise ValidationFailed("请求体必须是 JSON 对象", code="bad_request")
    return parse(schema, data)


def _is_list(annotation: Any) -> bool:
    """``list[...]``, also inside ``Optional`` / a union."""
    return get_origin(annotation) is list or any(get_origin(arg) is list for arg in get_args(annotation))


def query_args(schema: type[M]) -> M:
    """The query string validated against ``schema``: a list field takes every value of a repeated parameter
    (``?elevator_id=1&elevator_id=2``, OpenAPI's default ``form`` style), any other field the first."""
    data: dict[str, Any] = {}
    for name, values in request.args.lists():
        field = schema.model_fields.get(name)
        data[name] = values if field is not None and _is_list(field.annotation) else values[0]
    return parse(schema, data)


@dataclass
class Operation:
    """What the OpenAPI document says of one endpoint; filled by ``documented``.

    ``status`` is the success status (201 for a create); ``responses`` names further success statuses with the
    same body (e.g. ``{200: "已存在"}`` for an idempotent create); ``media_type`` is the body's type (a PNG…).
    """

    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    auth: bool = True
    roles: tuple[str, ...] = ()
    list_response: bool = False
    tags: list[str] = field(default_factory=list)
    status: int = 200
    responses: Mapping[int, str] = field(default_factory=dict)
    media_type: str = "application/json"


F = TypeVar("F", bound=Callable[..., Any])


def documented(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    auth: bool = True,
    list_response: bool = False,
    status: int = 200,
    responses: Mapping[int, str] | None = None,
    media_type: str = "application/json",
) -> Callable[[F], F]:
    """Attach the schemas a view validates with, so the OpenAPI document is generated from them.

    ``list_response=True`` documents ``{items, page, per_page, total}`` around ``response``; ``status`` is the
    success status; ``responses`` adds other success statuses (same body) with their descriptions. The roles
    (``x-roles``) are the ones ``login_required`` attached to the view, so ``documented`` must sit above it.
    """

    def decorate(view: F) -> F:
        view.__dict__["_operation"] = Operation(
            summary,
            body,
            query,
            response,
            auth,
            view.__dict__.get("required_roles", ()),
            list_response,
            status=status,
            responses=dict(responses or {}),
            media_type=media_type,
        )
        return view

    return decorate
