"""The wechatpy client, pointed at a configurable base URL (WeChat itself, or a local stub in tests)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatWxa
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from miniback.errors import Unavailable


class ConfigurableWxa(WeChatWxa):
    API_BASE_URL = ""


class MinibackWeChatClient(WeChatClient):
    """wechatpy hard-codes its URLs; this subclass sends every call to ``api_base``."""

    wxa = ConfigurableWxa()

    def __init__(self, appid: str, secret: str, api_base: str, **kwargs: Any) -> None:
        super().__init__(appid, secret, **kwargs)
        self.api_base = api_base.rstrip("/") + "/"
        self.API_BASE_URL = self.api_base + "cgi-bin/"
        self.wxa.API_BASE_URL = self.api_base

    def fetch_access_token(self) -> dict[str, Any]:
        return self._fetch_access_token(
            url=self.api_base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    def code_to_session(self, js_code: str) -> dict[str, Any]:
        """``jscode2session`` takes no access token: passing ``None`` (dropped by requests) keeps log-in
        working even when the token endpoint is down."""
        result: dict[str, Any] = self.get(
            self.api_base + "sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self.secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
                "access_token": None,
            },
        )
        return result


def wechat_client() -> MinibackWeChatClient:
    config = current_app.config
    if not config.get("WECHAT_APPID") or not config.get("WECHAT_SECRET"):
        raise Unavailable("微信登录未配置")
    storage = current_app.extensions.get("wechat_token_storage") or MemoryStorage()
    return MinibackWeChatClient(
        config["WECHAT_APPID"],
        config["WECHAT_SECRET"],
        config["WECHAT_API_BASE"],
        session=storage,
        timeout=config["WECHAT_TIMEOUT_SECONDS"],
    )


__all__ = ["MinibackWeChatClient", "WeChatClientException", "wechat_client"]
