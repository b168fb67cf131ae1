"""Request parsing at the edge: pydantic schemas validate input and also generate the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from miniback.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


class Schema(BaseModel):
    """Base of request schemas: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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


def query_args(schema: type[M]) -> M:
    return parse(schema, request.args.to_dict())


@dataclass
class Operation:
    """What the OpenAPI document says of one endpoint; filled by ``documented``."""

    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    auth: bool = True
    roles: tuple[str, ...] = ()
    list_response: bool = False
    tags: list[str] = field(default_factory=list)


F = TypeVar("F", bound=Callable[..., Any])


def documented(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    auth: bool = True,
    list_response: bool = False,
    roles: tuple[str, ...] = (),
) -> Callable[[F], F]:
    """Attach the schemas a view validates with, so the OpenAPI document is generated from them."""

    def decorate(view: F) -> F:
        view.__dict__["_operation"] = Operation(summary, body, query, response, auth, roles, list_response)
        return view

    return decorate
