"""A local HTTP stub of the few WeChat endpoints miniback calls.

Tests and the embedded demo point the wechatpy client at it, so nothing ever reaches WeChat.
``wx.login`` codes look like ``<anything>:<user>``; the stub answers openid ``stub-openid-<user>``
and treats every code as single-use, as WeChat does. Tests script failures through ``fail_next``.
"""

from __future__ import annotations

import io
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class StubState:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    used_codes: set[str] = field(default_factory=set)
    failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tokens_issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(
        self, path: str, *, errcode: int | None = None, status: int = 200, delay: float = 0.0, times: int = 1
    ) -> None:
        """Make the next ``times`` calls to ``path`` fail with a WeChat ``errcode``, an HTTP status or a delay."""
        with self.lock:
            self.failures.setdefault(path, []).extend([{"errcode": errcode, "status": status, "delay": delay}] * times)

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [params for called, params in self.calls if called == path]


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _png() -> bytes:
    import qrcode

    buffer = io.BytesIO()
    qrcode.make("stub-wxacode").save(buffer)
    return buffer.getvalue()


class WeChatStub:
    def __init__(self) -> None:
        self.state = StubState()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        path = request.path
        params: dict[str, Any] = dict(request.args)
        if request.data:
            try:
                params["body"] = json.loads(request.data)
            except ValueError:
                params["body"] = request.data.decode("utf-8", "replace")
        with self.state.lock:
            self.state.calls.append((path, params))
            queued = self.state.failures.get(path) or []
            failure = queued.pop(0) if queued else None
        if failure:
            if failure["delay"]:
                time.sleep(failure["delay"])
            if failure["status"] != 200:
                return Response("stub failure", status=failure["status"])
            if failure["errcode"] is not None:
                return _json({"errcode": failure["errcode"], "errmsg": "stub failure"})
        if path in ("/cgi-bin/token", "/cgi-bin/stable_token"):
            with self.state.lock:
                self.state.tokens_issued += 1
                number = self.state.tokens_issued
            return _json({"access_token": f"stub-token-{number}", "expires_in": 7200})
        if path == "/sns/jscode2session":
            return self._code2session(request)
        if not request.args.get("access_token", "").startswith("stub-token-"):
            return _json({"errcode": 40001, "errmsg": "invalid credential"})
        if path == "/cgi-bin/message/subscribe/send":
            return _json({"errcode": 0, "errmsg": "ok", "msgid": len(self.state.calls)})
        if path == "/wxa/getwxacodeunlimit":
            return Response(_png(), mimetype="image/png")
        return _json({"errcode": 40066, "errmsg": "invalid url"}, status=404)

    def _code2session(self, request: Request) -> Response:
        code = request.args.get("js_code", "")
        if not request.args.get("appid") or not request.args.get("secret"):
            return _json({"errcode": 40013, "errmsg": "invalid appid"})
        with self.state.lock:
            if not code or ":" not in code:
                return _json({"errcode": 40029, "errmsg": "invalid code"})
            if code in self.state.used_codes:
                return _json({"errcode": 40163, "errmsg": "code been used"})
            self.state.used_codes.add(code)
        user = code.rsplit(":", 1)[1]
        return _json({"openid": f"stub-openid-{user}", "session_key": f"stub-session-key-{user}"})


class RunningStub:
    """The stub served on a free localhost port in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self.app = WeChatStub()
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def state(self) -> StubState:
        return self.app.state

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"

    def start(self) -> RunningStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
