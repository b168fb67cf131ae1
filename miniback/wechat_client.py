"""The wechatpy client, pointed at a configurable base URL (WeChat itself, or a local stub in tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatWxa
from wechatpy.exceptions import WeChatClientException

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


class WeChat:
    """The app's one WeChat API client (a Flask extension: ``init_app`` in ``miniback.extensions``), built on first
    use from the ``WECHAT_*`` settings of that moment. Its access token is kept in Redis, so every worker and web
    process uses (and refreshes) one."""

    def init_app(self, app: Flask, token_redis: Callable[[], Any]) -> None:
        from wechatpy.session.redisstorage import RedisStorage

        class LazyRedis:
            """Connects on first use: creating the app never touches Redis."""

            def __getattr__(self, name: str) -> Any:
                return getattr(token_redis(), name)

            def get(self, key: str) -> Any:
                return token_redis().get(key)

            def set(self, key: str, value: Any, ex: int | None = None) -> Any:
                return token_redis().set(key, value, ex=ex)

            def delete(self, key: str) -> Any:
                return token_redis().delete(key)

        app.extensions[EXTENSION] = {"token_storage": RedisStorage(LazyRedis(), prefix="miniback:wechat")}

    def client(self, app: Flask | None = None) -> MinibackWeChatClient:
        return wechat_client(app)


EXTENSION = "miniback_wechat"


def wechat_client(app: Flask | None = None) -> MinibackWeChatClient:
    """The app's one WeChat client (``miniback.extensions.wechat``), made on first use; 503 when WeChat is not
    configured."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    config = app.config
    if not config.get("WECHAT_APPID") or not config.get("WECHAT_SECRET"):
        raise Unavailable("微信登录未配置")
    state: dict[str, Any] = app.extensions[EXTENSION]
    client: MinibackWeChatClient | None = state.get("client")
    if client is None:
        client = state["client"] = MinibackWeChatClient(
            config["WECHAT_APPID"],
            config["WECHAT_SECRET"],
            config["WECHAT_API_BASE"],
            session=state["token_storage"],
            timeout=config["WECHAT_TIMEOUT_SECONDS"],
        )
    return client


__all__ = ["MinibackWeChatClient", "WeChat", "WeChatClientException", "wechat_client"]
