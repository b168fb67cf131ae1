"""The web console's log-in (a cookie session with a CSRF token) and the account's list of live sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from flask import Blueprint, Response, current_app

from miniback.api.auth import (
    ConsoleSessionOut,
    PasswordLogin,
    authenticate_password,
    clear_session_cookies,
    console_session_response,
)
from miniback.api.schemas.fields import Out
from miniback.api.validation import documented, json_body
from miniback.auth.current import current_account, current_token, login_required, session_cookie
from miniback.auth.tokens import revoke_token, revoke_token_id
from miniback.errors import NotFound
from miniback.extensions import db
from miniback.models import ApiToken, utcnow

bp = Blueprint("sessions", __name__)


class SessionOut(Out):
    id: int
    kind: Literal["bearer", "console"]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    user_agent: str | None
    ip: str | None
    current: bool


class SessionListOut(Out):
    items: list[SessionOut]


@bp.post("/auth/session")
@documented(
    "控制台登录：用户名和密码（与 /auth/login 同一账号与锁定规则），会话令牌只放在 HttpOnly Cookie 中"
    "（miniback_session），另设 miniback_csrf Cookie，写操作须在 X-CSRF-Token 请求头中带上它的值",
    body=PasswordLogin,
    response=ConsoleSessionOut,
    auth=False,
)
def console_login() -> Any:
    account = authenticate_password(json_body(PasswordLogin))
    previous = session_cookie()
    if previous is not None:  # a new log-in in this browser ends the session it had
        revoke_token(previous)
    return console_session_response(account)


@bp.get("/me/sessions")
@documented("本账号当前有效的登录会话（控制台会话与令牌），current 标出本次请求所用的那个", response=SessionListOut)
@login_required()
def list_sessions() -> Any:
    account, token = current_account(), current_token()
    now = utcnow()
    idle_since = now - timedelta(seconds=current_app.config["CONSOLE_IDLE_SECONDS"])
    rows = db.session.execute(
        db.select(ApiToken)
        .where(
            ApiToken.account_id == account.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            (ApiToken.kind != "console") | ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at >= idle_since),
        )
        .order_by(ApiToken.id.desc())
    ).scalars()
    items = [
        SessionOut(
            id=row.id,
            kind="console" if row.kind == "console" else "bearer",
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            ip=row.ip,
            current=row.id == token.id,
        ).model_dump(mode="json")
        for row in rows
    ]
    return {"items": items}


@bp.delete("/me/sessions/<int:session_id>")
@documented("结束本账号的一个登录会话（其他账号的会话编号一律 404）", status=204)
@login_required()
def revoke_session(session_id: int) -> Any:
    account, token = current_account(), current_token()
    if not revoke_token_id(account.id, session_id):
        raise NotFound("找不到该登录会话", code="session_not_found")
    db.session.commit()
    response = Response(status=204)
    if session_id == token.id and token.kind == "console":
        clear_session_cookies(response)
    return response
