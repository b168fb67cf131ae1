"""The web console's log-in in tests: a cookie session in the test client's cookie jar, and its CSRF header."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from miniback.auth.current import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from miniback.auth.passwords import hash_password
from miniback.extensions import db
from miniback.models import Account
from tests.factories.registry import PASSWORD


def console_login(client: FlaskClient, username: str, password: str = PASSWORD, **kwargs: Any) -> Any:
    return client.post("/api/v1/auth/session", json={"username": username, "password": password}, **kwargs)


def session_token(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie is not None else None


def csrf(client: FlaskClient) -> dict[str, str]:
    """The header a console page sends with every write: the CSRF cookie's value."""
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None, "not logged in to the console"
    return {CSRF_HEADER: cookie.value}


def give_password(account: Account, username: str) -> Account:
    """A log-in name and the test password for an account made without them (a supervisor)."""
    account.username = username
    account.password_hash = hash_password(PASSWORD)
    db.session.flush()
    return account
