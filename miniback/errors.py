"""One error contract: domain errors map to ``{"error": {"code", "message", "fields"?}}`` with a real status."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

# A 429's Retry-After: the rate limits count per minute (``miniback.public.ratelimit``), so a refused client
# may come back after one window.
RETRY_AFTER_SECONDS = 60


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


class ApiError(Exception):
    """Base of every error a person or client can cause; the message is shown to people (Chinese)."""

    status = 400
    code = "bad_request"
    message = "请求有误"
    # Seconds after which a client may try again (sent as ``Retry-After``), where that is known.
    retry_after: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields
        # Machine-readable facts about the refusal (e.g. the existing record a conflicting upload collides with).
        self.details = details
        if code:
            self.code = code
        if retry_after is not None:
            self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        if self.details:
            body["details"] = self.details
        return {"error": body}


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"
    message = "提交的数据有误，请检查后重试"


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"
    message = "请先登录"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    message = "没有权限进行此操作"


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = "找不到该对象"


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = "与现有数据冲突"


class TooManyRequests(ApiError):
    status = 429
    code = "too_many_requests"
    message = "操作过于频繁，请稍后再试"


class Unavailable(ApiError):
    status = 503
    code = "service_unavailable"
    message = "服务暂时不可用，请稍后再试"


HTTP_MESSAGES = {
    400: ("bad_request", "请求格式有误"),
    404: ("not_found", "找不到该地址"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "提交的数据过大"),
    415: ("unsupported_media_type", "请以 JSON 格式提交"),
    429: ("too_many_requests", "操作过于频繁，请稍后再试"),
}


# The database is out of reach (2003 can't connect, 2006 gone away, 2013 lost during query, 1053 server shutdown,
# 1927 connection killed, 1047 a Galera node that is not ready): a request answers 503, not 500.
DB_UNAVAILABLE = (2003, 2006, 2013, 1053, 1927, 1047)


def database_unavailable(exc: DBAPIError) -> bool:
    args = getattr(exc.orig, "args", None)
    code = args[0] if args and isinstance(args[0], int) else None
    return bool(exc.connection_invalidated) or code in DB_UNAVAILABLE


def error_response(error: ApiError) -> tuple[Response, int]:
    response = jsonify(error.to_dict())
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response, error.status


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code, message = HTTP_MESSAGES.get(exc.code or 500, ("http_error", exc.description or "请求失败"))
        response = jsonify({"error": {"code": code, "message": message}})
        if exc.code == 429:  # the rate limiter's refusal: tell well-behaved clients when to come back
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, exc.code

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> Any:
        if not database_unavailable(exc):
            return unexpected(exc)
        # One line, no traceback: while the database is away every request would log the same one.
        app.logger.warning("数据库不可用，请求答复 503 / database unavailable: %s", exc.orig)
        return error_response(Unavailable("数据库暂时不可用，请稍后再试", retry_after=5))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        app.logger.exception("unhandled error")
        return jsonify({"error": {"code": "internal_error", "message": "服务器内部错误，请稍后再试"}}), 500
