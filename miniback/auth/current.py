"""The acting account of a request: ``login_required`` resolves its credentials into ``g.account``.

Two ways to present them: the ``Authorization: Bearer`` header (mini-program, platforms), and the web console's
HttpOnly session cookie. The header wins when both are sent. A browser sends the cookie on its own, so a
state-changing request made with it must also prove it comes from the console: the ``X-CSRF-Token`` header,
which only a page that can read the console's CSRF cookie can set.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from miniback.auth.tokens import LiveToken, check_token, csrf_token_for, touch
from miniback.errors import Forbidden, Unauthenticated
from miniback.models import Account

F = TypeVar("F", bound=Callable[..., Any])

SESSION_COOKIE = "miniback_session"
CSRF_COOKIE = "miniback_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message = "缺少或无效的 CSRF 令牌，请刷新页面后重试"


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    return token.strip()


def session_cookie() -> str | None:
    """The console session token the browser sent, if any."""
    return request.cookies.get(SESSION_COOKIE) or None


def _authenticate() -> LiveToken:
    if "Authorization" in request.headers:
        return check_token(bearer_token())
    plaintext = session_cookie()
    if plaintext is None:
        raise Unauthenticated()
    token = check_token(plaintext, kind="console", idle_seconds=current_app.config["CONSOLE_IDLE_SECONDS"])
    if request.method not in SAFE_METHODS:
        expected = csrf_token_for(plaintext, current_app.config["SECRET_KEY"])
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise CsrfFailed()
    return token


def login_required(*roles: str) -> Callable[[F], F]:
    """Require a live token (header or console cookie); with ``roles``, also one of those roles (403 otherwise).

    The roles are also left on the view as ``required_roles``, where ``documented`` reads them for the OpenAPI
    document's ``x-roles``: they are written once, here.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _authenticate()
            if roles and token.account.role not in roles:
                raise Forbidden()
            touch(token)  # only once the request is let through: a refused one changes nothing
            g.account = token.account
            g.token = token
            return view(*args, **kwargs)

        wrapper.__dict__["required_roles"] = tuple(roles)
        return cast(F, wrapper)  # functools.wraps gives it the view's name, signature and attributes

    return decorate


def current_account() -> Account:
    account: Account = g.account
    return account


def current_token() -> LiveToken:
    """The token this request was authenticated with (its row id is the caller's current session)."""
    token: LiveToken = g.token
    return token
