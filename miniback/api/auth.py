"""Log-in, log-out and who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import RootModel

from miniback.api.schemas.fields import Out, Password, Text16, Text128, Username
from miniback.api.validation import Schema, documented, json_body
from miniback.auth import passwords, wechat_login
from miniback.auth.current import CSRF_COOKIE, SESSION_COOKIE, current_account, current_token, login_required
from miniback.auth.tokens import csrf_token_for, issue_token, revoke_token_id
from miniback.errors import ApiError
from miniback.extensions import db
from miniback.models import Account
from miniback.wechat_client import wechat_client

bp = Blueprint("auth", __name__)


class PasswordLogin(Schema):
    username: Username
    password: Password


class WeChatLogin(Schema):
    code: Text128


class WeChatBind(Schema):
    code: Text128
    bind_code: Text16


class PasswordChange(Schema):
    old_password: Password
    new_password: Password


class AccountOut(Out):
    id: int
    role: str
    name: str
    mobile: str | None
    certificate_no: str | None
    maintenance_unit_id: int | None
    org_node_id: int | None
    use_unit_id: int | None
    district: str | None
    active: bool
    wechat_bound: bool  # ``Account.wechat_bound``: every way of building this output reads the same property


class TokenOut(Out):
    token: str
    expires_at: datetime
    account: AccountOut


class ConsoleSessionOut(Out):
    """The web console's log-in: the session token is in the HttpOnly cookie, never here."""

    account: AccountOut
    expires_at: datetime
    idle_seconds: int


class PasswordChangedOut(RootModel[TokenOut | ConsoleSessionOut]):
    """A new bearer token for a bearer client; for the console, a new cookie session (no token in the body)."""


class LoggedOutOut(Out):
    ok: bool


def _token_response(account: Account) -> dict[str, Any]:
    token, expires_at = issue_token(account, current_app.config["TOKEN_TTL_SECONDS"])
    db.session.commit()
    return {"token": token, "expires_at": expires_at.isoformat(), "account": AccountOut.of(account)}


def console_session_response(account: Account) -> Response:
    """Open a console session for ``account`` (commits): its token in the HttpOnly cookie, the CSRF cookie beside it."""
    config = current_app.config
    token, expires_at = issue_token(
        account,
        config["CONSOLE_SESSION_TTL_SECONDS"],
        kind="console",
        user_agent=request.user_agent.string or None,
        ip=request.remote_addr,
    )
    db.session.commit()
    body = {"account": AccountOut.of(account), "expires_at": expires_at.isoformat()}
    response = jsonify(body | {"idle_seconds": config["CONSOLE_IDLE_SECONDS"]})
    secure = config["SESSION_COOKIE_SECURE"]
    response.set_cookie(SESSION_COOKIE, token, path="/", secure=secure, httponly=True, samesite="Lax")
    csrf = csrf_token_for(token, config["SECRET_KEY"])
    response.set_cookie(CSRF_COOKIE, csrf, path="/", secure=secure, httponly=False, samesite="Lax")
    return response


def authenticate_password(data: PasswordLogin) -> Account:
    """The account of a password log-in (header token or console session alike), under the lock-out rules."""
    config = current_app.config
    try:
        return passwords.authenticate(
            data.username,
            data.password,
            max_failures=config["LOGIN_MAX_FAILURES"],
            lock_seconds=config["LOGIN_LOCK_SECONDS"],
        )
    except ApiError:
        db.session.commit()  # keep the failure count even though the log-in is refused
        raise


@bp.post("/auth/login")
@documented("密码登录（管理员、监管、平台）", body=PasswordLogin, response=TokenOut, auth=False)
def password_login() -> Any:
    return _token_response(authenticate_password(json_body(PasswordLogin)))


@bp.post("/auth/wechat/login")
@documented("小程序登录：wx.login 的 code 换取本系统令牌", body=WeChatLogin, response=TokenOut, auth=False)
def wechat_code_login() -> Any:
    data = json_body(WeChatLogin)
    openid, session_key = wechat_login.exchange_code(wechat_client(), data.code)
    account = wechat_login.login_with_openid(openid, session_key)
    return _token_response(account)


@bp.post("/auth/wechat/bind")
@documented(
    "小程序首次绑定：wx.login 的 code + 管理员发放的一次性绑定码", body=WeChatBind, response=TokenOut, auth=False
)
def wechat_bind() -> Any:
    data = json_body(WeChatBind)
    openid, session_key = wechat_login.exchange_code(wechat_client(), data.code)
    account = wechat_login.bind_openid(data.bind_code, openid, session_key)
    return _token_response(account)


@bp.post("/auth/logout")
@documented("退出登录（令牌或控制台会话立即失效，并清除会话 Cookie）", response=LoggedOutOut)
@login_required()
def logout() -> Any:
    revoke_token_id(current_account().id, current_token().id)
    db.session.commit()
    response = jsonify({"ok": True})
    if current_token().kind == "console":
        clear_session_cookies(response)
    return response


def clear_session_cookies(response: Any) -> None:
    """Tell the browser to drop the console's two cookies (``Max-Age=0``), with the attributes they were set with."""
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="Lax")


@bp.get("/me")
@documented("当前账号", response=AccountOut)
@login_required()
def me() -> Any:
    return AccountOut.of(current_account())


@bp.post("/me/password")
@documented(
    "修改密码（所有登录令牌和会话全部失效）：令牌客户端收到新令牌；控制台收到新的会话 Cookie（响应中不含令牌）",
    body=PasswordChange,
    response=PasswordChangedOut,
)
@login_required(*passwords.PASSWORD_ROLES)
def change_password() -> Any:
    data = json_body(PasswordChange)
    account = current_account()
    passwords.change_password(account, data.old_password, data.new_password)
    if current_token().kind == "console":
        return console_session_response(account)
    return _token_response(account)
