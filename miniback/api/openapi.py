"""The OpenAPI 3 document, generated from the very schemas the views validate with."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app
from pydantic import BaseModel
from werkzeug.routing import BaseConverter, Rule
from werkzeug.routing.converters import NumberConverter

from miniback.api import URL_PREFIX
from miniback.api.validation import Operation

bp = Blueprint("openapi", __name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "给人看的中文说明"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                "details": {
                    "type": "object",
                    "description": "机器可读的补充信息，例如幂等冲突时已有记录的编号与内容哈希",
                },
            },
        }
    },
}


def _ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _path_parameter(name: str, converter: BaseConverter) -> dict[str, Any]:
    """A path parameter typed from the route's own converter, so a new route is documented right unaided."""
    schema: dict[str, Any]
    if isinstance(converter, NumberConverter):
        schema = {"type": "integer"}
        if converter.min is not None:
            schema["minimum"] = converter.min
        if converter.max is not None:
            schema["maximum"] = converter.max
    else:
        schema = {"type": "string", "pattern": f"^{converter.regex}$"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _page_of(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        },
    }


# The platforms' signed requests (docs/platform-api.md): one header, so OpenAPI's nearest scheme is an API key in
# ``Authorization``; the description says how the value is built.
PLATFORM_SIGNATURE = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "第三方 / 自建维保平台的签名请求（数据接口，/api/v1/platform/…）："
    'Authorization: MINIBACK-SIG-V1 key_id="pk_…", timestamp="<RFC 3339 带偏移>", nonce="<16–64 位>", '
    'signature="<Base64>"，签名对象为 METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nhex(SHA-256(body))\\n，'
    "Ed25519 或 RSA-SHA256（PKCS#1 v1.5）。完整规范与可复算的示例见 docs/platform-api.md（数据接口规范）。",
}


def _error_statuses(op: Operation, signed: bool) -> list[str]:
    """The error statuses of an operation, all in the one error shape; ``4XX`` covers the rarer ones (413, 423,
    429…)."""
    statuses = ["401", "403"] if op.auth or signed else []
    return [*statuses, "404", "409", "422", "4XX", "503"]


def _operation(op: Operation, rule: Rule, components: dict[str, Any], platform_operation: str | None) -> dict[str, Any]:
    # Grouped in the reference page by the path's first segment ("elevators", "drafts"…), unless named.
    tags = op.tags or [rule.rule.removeprefix(URL_PREFIX).strip("/").split("/")[0]]
    out: dict[str, Any] = {"summary": op.summary, "tags": tags, "responses": {}}
    # werkzeug keeps a rule's converters (one per path argument) in ``_converters``; it has no public accessor.
    params = [_path_parameter(name, rule._converters[name]) for name in rule.arguments]
    if op.query is not None:
        params += _query_parameters(op.query, components)
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.body, components)}}}
    content: dict[str, Any] | None = None
    if op.media_type != "application/json":
        content = {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    elif op.response is not None:
        schema = _ref(op.response, components)
        content = {"application/json": {"schema": _page_of(schema) if op.list_response else schema}}
    for status, description in {op.status: "成功", **op.responses}.items():
        ok: dict[str, Any] = {"description": description}
        if content is not None:
            ok["content"] = content
        out["responses"][str(status)] = ok
    for error_status in _error_statuses(op, platform_operation is not None):
        out["responses"][error_status] = {"$ref": "#/components/responses/Error"}
    if platform_operation is not None:  # ``@platform_required``: signed by the platform, never a log-in
        out["security"] = [{"platform_signature": []}]
        out["x-platform-operation"] = platform_operation
    elif op.auth:
        out["security"] = [{"bearer": []}, {"console_session": []}]
    if op.roles:
        out["x-roles"] = list(op.roles)
    return out


def build_document() -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        op: Operation | None = getattr(view, "_operation", None)
        if op is None:
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            signed = getattr(view, "platform_operation", None)
            paths.setdefault(path, {})[method.lower()] = _operation(op, rule, components, signed)
    error = {
        "description": "错误（统一格式；message 为中文说明，fields 指出出错的字段）",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "miniback — 电梯无纸化维保 API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "responses": {"Error": error},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                # The web console's session (POST /auth/session). Writes made with it also need the header
                # X-CSRF-Token: the value of the miniback_csrf cookie.
                "console_session": {"type": "apiKey", "in": "cookie", "name": "miniback_session"},
                "platform_signature": PLATFORM_SIGNATURE,
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document() -> Any:
    return build_document()
