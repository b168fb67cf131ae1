"""Password resets by link: an admin issues a one-time link; the person opens it in the console and sets a password."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app

from miniback.access import get_administered_account_or_404
from miniback.api.schemas.fields import Out, Password, Text128, Username
from miniback.api.validation import Schema, documented, json_body
from miniback.auth.current import current_account, login_required
from miniback.auth.password_reset import inspect_password_reset, issue_password_reset, use_password_reset
from miniback.extensions import db

bp = Blueprint("password_reset", __name__)

# The console page that opens a link (console/, route ``/reset-password``).
RESET_PAGE = "/console/reset-password"


class ResetLinkOut(Out):
    url: str
    expires_at: datetime


class ResetToken(Schema):
    token: Text128


class ResetLinkInfoOut(Out):
    name: str
    username: str | None
    role: str
    expires_at: datetime


class PasswordResetIn(Schema):
    token: Text128
    new_password: Password
    username: Username | None = None


class PasswordResetDoneOut(Out):
    ok: bool
    username: str


@bp.post("/accounts/<int:account_id>/password-reset")
@documented(
    "发放一次性密码重置链接（平台运营方：任何使用密码登录的账号；单位管理员：本单位的账号）；旧的未用链接作废",
    response=ResetLinkOut,
    status=201,
)
@login_required("platform_operator", "mu_admin", "uu_admin")
def issue_reset_link(account_id: int) -> Any:
    account = get_administered_account_or_404(account_id, current_account())
    token, expires_at = issue_password_reset(
        current_account(), account, current_app.config["PASSWORD_RESET_TTL_SECONDS"]
    )
    db.session.commit()
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    url = f"{base}{RESET_PAGE}?{urlencode({'token': token})}"
    return {"url": url, "expires_at": expires_at.isoformat()}, 201


@bp.post("/auth/password-reset/inspect")
@documented(
    "查看重置链接：对应的账号（没有登录名时须在重置时设置）；已使用、已作废或已过期的链接返回 410",
    body=ResetToken,
    response=ResetLinkInfoOut,
    auth=False,
)
def inspect_reset_link() -> Any:
    data = json_body(ResetToken)
    reset, account = inspect_password_reset(data.token)
    info = {"name": account.name, "username": account.username, "role": account.role}
    return info | {"expires_at": reset.expires_at.isoformat()}


@bp.post("/auth/password-reset")
@documented(
    "用重置链接设置新密码（账号没有登录名时同时设置登录名）；链接只能用一次，账号的所有登录会话随即失效",
    body=PasswordResetIn,
    response=PasswordResetDoneOut,
    auth=False,
)
def reset_password() -> Any:
    data = json_body(PasswordResetIn)
    account = use_password_reset(data.token, data.new_password, data.username)
    db.session.commit()
    assert account.username is not None  # set above if it was missing
    return {"ok": True, "username": account.username}
