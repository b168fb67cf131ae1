"""Mini-program log-in: ``wx.login`` code → ``code2Session`` → our own token. Accounts bind once, by code."""

from __future__ import annotations

import secrets
from datetime import timedelta

from requests import RequestException

from miniback.auth.tokens import digest, unit_in_service
from miniback.errors import ApiError, Conflict, Forbidden, NotFound, Unauthenticated, Unavailable
from miniback.extensions import db
from miniback.models import WECHAT_ROLES, Account, BindCode, utcnow
from miniback.models.rules import consented_version, current_rules
from miniback.wechat_client import MinibackWeChatClient, WeChatClientException

# Bind codes are read aloud or typed: no 0/O/1/I/L.
BIND_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BIND_CODE_LENGTH = 8


class NotBound(ApiError):
    status = 403
    code = "wechat_not_bound"
    message = "该微信尚未绑定账号，请输入单位管理员提供的绑定码"


def exchange_code(client: MinibackWeChatClient, js_code: str) -> tuple[str, str]:
    """(openid, session_key) for a ``wx.login`` code; WeChat's refusal is the caller's 401."""
    try:
        result = client.code_to_session(js_code)
    except WeChatClientException as exc:
        if exc.errcode in (40029, 40163, 40226):
            raise Unauthenticated("微信登录凭证无效或已使用，请重新登录", code="invalid_wechat_code") from None
        raise Unavailable("微信服务暂时不可用，请稍后再试") from None
    except RequestException:
        raise Unavailable("微信服务暂时不可用，请稍后再试") from None
    openid, session_key = result.get("openid"), result.get("session_key")
    if not openid or not session_key:
        raise Unavailable("微信服务返回数据异常，请稍后再试")
    return openid, session_key


def login_with_openid(openid: str, session_key: str) -> Account:
    account = db.session.execute(db.select(Account).where(Account.openid == openid)).scalar_one_or_none()
    if account is None:
        raise NotBound()
    if not account.active or not unit_in_service(account):
        raise Unauthenticated("账号已停用", code="account_inactive")
    account.wechat_session_key = session_key
    return account


def require_manager_consent(account: Account) -> None:
    """A use unit's managers are bound only once the unit consented to the current default-confirmation rules
    (四(三)): the push they receive leads to a default confirmation they must have agreed to."""
    if account.role != "uu_manager":
        return
    version = current_rules().version
    if consented_version(account.use_unit_id) != version:
        raise Conflict(
            f"本单位尚未同意现行《默认签名确认规则》（第 {version} 版），暂不能绑定安全管理人员；"
            "请单位管理员先阅读并同意",
            code="consent_required",
        )


def issue_bind_code(admin: Account, account: Account, ttl_seconds: int) -> str:
    """A fresh one-time code for ``account``; earlier unused codes for it stop working."""
    if account.role not in WECHAT_ROLES:
        raise Forbidden("该角色不使用微信登录")
    if not account.active:
        raise Conflict("账号已停用，不能发放绑定码", code="account_inactive")
    require_manager_consent(account)
    now = utcnow()
    for old in db.session.execute(
        db.select(BindCode).where(BindCode.account_id == account.id, BindCode.used_at.is_(None))
    ).scalars():
        old.used_at = now
    code = "".join(secrets.choice(BIND_ALPHABET) for _ in range(BIND_CODE_LENGTH))
    db.session.add(
        BindCode(
            code_hash=digest(code),
            account_id=account.id,
            issued_by_id=admin.id,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    db.session.flush()
    return code


def bind_openid(bind_code: str, openid: str, session_key: str) -> Account:
    """Bind the WeChat user to the account the code was issued for; a code works once."""
    normalised = bind_code.strip().upper()
    code = db.session.execute(
        db.select(BindCode).where(BindCode.code_hash == digest(normalised)).with_for_update()
    ).scalar_one_or_none()
    if code is None:
        raise NotFound("绑定码不存在", code="invalid_bind_code")
    if code.used_at is not None:
        raise Conflict("绑定码已使用或已作废，请联系管理员重新获取", code="bind_code_used")
    if code.expires_at <= utcnow():
        raise Conflict("绑定码已过期，请联系管理员重新获取", code="bind_code_expired")
    account = db.session.get(Account, code.account_id, with_for_update=True)
    if account is None or not account.active or not unit_in_service(account):
        raise Unauthenticated("账号已停用", code="account_inactive")
    if account.openid is not None:
        raise Conflict("该账号已绑定微信", code="already_bound")
    require_manager_consent(account)
    taken = db.session.execute(db.select(Account.id).where(Account.openid == openid)).first()
    if taken is not None:
        raise Conflict("该微信已绑定其他账号", code="wechat_already_bound")
    code.used_at = utcnow()
    account.openid = openid
    account.wechat_session_key = session_key
    db.session.flush()
    return account
