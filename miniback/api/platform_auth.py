"""The signed routes' gate: ``@platform_required`` verifies a platform's signed request (miniback.platform.signing)
and logs every answered call whose key it could identify (miniback.platform.calls), refusals included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import quote, urlsplit

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from miniback.errors import HTTP_MESSAGES, ApiError
from miniback.extensions import db, redis_clients
from miniback.models import PlatformClient, PlatformKey, utcnow
from miniback.platform.calls import record_call
from miniback.platform.signing import Caller, SignedRequest, identify, verify_request

F = TypeVar("F", bound=Callable[..., Any])


def signed_path() -> str:
    """The request target exactly as the client sent it (percent-encoding kept), ``?query`` only when present:
    what the platform signed. Gunicorn and Werkzeug's server keep it in ``RAW_URI``."""
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("SCRIPT_NAME", "") + request.path)
    if raw.startswith(("http://", "https://")):  # an absolute-form request target
        parts = urlsplit(raw)
        raw = parts.path + (f"?{parts.query}" if parts.query else "")
    query = environ.get("QUERY_STRING", "")
    if "?" not in raw and query:
        raw = f"{raw}?{query}"
    return raw.removesuffix("?")


def _log(key: PlatformKey, caller: Caller | None, operation: str, status: int, error_code: str | None) -> None:
    if status >= 400:
        # The refused request's uncommitted work (and its row locks) go first: the log writes on a connection of
        # its own, which would otherwise wait on those locks (or, on the demo's SQLite, on the open write).
        db.session.rollback()
    if caller is not None:
        sandbox = caller.sandbox
    else:
        client = db.session.get(PlatformClient, key.platform_client_id)
        sandbox = client is not None and client.status == "testing"
    record_call(
        key.platform_client_id,
        sandbox=sandbox,
        operation=operation,
        status=status,
        error_code=error_code,
        results=g.get("platform_results"),
        key_id=key.key_id,
    )


def platform_required(operation: str, *, max_body: int | None = None) -> Callable[[F], F]:
    """Require a valid signed request (401/403/503 otherwise) and leave the caller in ``g.platform_caller``.

    ``operation`` names the call in the call log; ``max_body`` raises the body limit for this route (a batch).
    The attribute ``platform_operation`` on the view tells the OpenAPI document that it is signed.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if max_body is not None:
                request.max_content_length = max_body
            signed = SignedRequest(request.method, signed_path(), request.headers.get("Authorization"), b"")
            values, key = identify(signed)  # refusals before this point have no known platform to log against
            caller: Caller | None = None
            try:
                body = request.get_data(cache=True)
                signed = SignedRequest(signed.method, signed.path_and_query, signed.authorization, body)
                caller = verify_request(
                    signed,
                    values,
                    key,
                    now=utcnow(),
                    skew=timedelta(seconds=current_app.config["PLATFORM_CLOCK_SKEW_SECONDS"]),
                    nonces=redis_clients.client("nonces"),
                )
                g.platform_caller = caller
                response = current_app.make_response(view(*args, **kwargs))
            except ApiError as error:
                _log(key, caller, operation, error.status, error.code)
                raise
            except HTTPException as error:  # a 413 from the body limit, a 400 for a body that is not JSON
                status = error.code or 500
                _log(key, caller, operation, status, HTTP_MESSAGES.get(status, ("http_error", ""))[0])
                raise
            error_code = None
            if response.status_code >= 400 and response.is_json:
                error_code = (response.get_json(silent=True) or {}).get("error", {}).get("code")
            _log(key, caller, operation, response.status_code, error_code)
            return response

        wrapper.__dict__["platform_operation"] = operation
        return cast(F, wrapper)

    return decorate


def current_caller() -> Caller:
    caller: Caller = g.platform_caller
    return caller
