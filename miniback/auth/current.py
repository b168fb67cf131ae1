"""The acting account of a request: ``login_required`` resolves the bearer token into ``g.account``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request

from miniback.auth.tokens import account_for_token
from miniback.errors import Forbidden, Unauthenticated
from miniback.models import Account

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    return token.strip()


def login_required(*roles: str) -> Callable[[F], F]:
    """Require a live token; with ``roles``, also one of those roles (403 otherwise).

    The roles are also left on the view as ``required_roles``, where ``documented`` reads them for the OpenAPI
    document's ``x-roles``: they are written once, here.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = account_for_token(bearer_token())
            if roles and account.role not in roles:
                raise Forbidden()
            g.account = account
            return view(*args, **kwargs)

        wrapper.__dict__["required_roles"] = tuple(roles)
        return cast(F, wrapper)  # functools.wraps gives it the view's name, signature and attributes

    return decorate


def current_account() -> Account:
    account: Account = g.account
    return account
