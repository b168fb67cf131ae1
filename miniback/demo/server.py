"""The embedded demo server (``flask --app wsgi demo``): migrate, seed once, start the WeChat stub, serve."""

from __future__ import annotations

import errno
import os
import socket
import threading
from pathlib import Path

from flask import Flask

from miniback.demo.seed import DEMO_PASSWORD, seed_demo
from miniback.extensions import db
from miniback.models import Account, Elevator


def demo_label(app: Flask, elevator: Elevator) -> tuple[str, str]:
    """Render the elevator's printable label into the instance folder; returns its public URL and the file."""
    from qr.labels import label_data, label_png

    data = label_data(elevator, app.config["PUBLIC_BASE_URL"])
    path = Path(app.instance_path) / "labels" / f"{elevator.public_code}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(label_png(data))
    return data.url, str(path)


class PortUnavailable(RuntimeError):
    """The demo cannot listen where it was asked to (the message says what to do instead)."""


def listen(host: str, port: int) -> socket.socket:
    """The demo's listening socket, bound before anything is printed: a port already in use is reported at once,
    not after the database is prepared and the URLs are shown."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a just-stopped demo's TIME_WAIT does not count
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"端口 {port} 已被占用（也许另一个演示或程序正在使用它）。"
                f"请换一个端口：make demo PORT={port + 1}（或 flask --app wsgi demo --port {port + 1}）"
            ) from None
        raise PortUnavailable(f"无法在 {host}:{port} 上监听：{exc.strerror}") from None
    return sock


def run_demo(app: Flask, host: str, port: int) -> None:
    from flask_migrate import upgrade
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.serving import make_server

    from miniback.demo.platform import CALLBACK_PATH, go_live, prepare_platform, receiver_for, write_record
    from miniback.demo.wechat_stub import RunningStub
    from miniback.platform.clients import STATUS_NAMES

    listening = listen(host, port)
    base = f"http://{host}:{port}"
    if "MINIBACK_PUBLIC_BASE_URL" not in os.environ:
        app.config["PUBLIC_BASE_URL"] = base  # the QR codes must point at this very server
    with app.app_context():
        print("正在准备演示数据库 …", flush=True)
        upgrade()
        if not db.session.execute(db.select(Account.id)).first():
            seed_demo()
            db.session.commit()
        platform = prepare_platform(app, base)
        elevator = db.session.execute(db.select(Elevator).order_by(Elevator.id)).scalars().first()
        public_page, label_path = demo_label(app, elevator) if elevator else ("", "")
        from miniback.demo.record_pdf import demo_record_urls

        record_pdf_url, verification_page = demo_record_urls(base, elevator.id if elevator else None)
    stub = RunningStub().start()
    app.config["WECHAT_API_BASE"] = stub.url
    if app.config["JOBS_MODE"] == "inline":
        from jobs.worker import InlineRunner

        # Jobs run in this process: pushes after submissions, deadline jobs, and the sweep.
        InlineRunner(app).start()
    # The demo platform's callback endpoint lives beside the app in this server (not in the app itself).
    served = DispatcherMiddleware(app, {CALLBACK_PATH: receiver_for(app, platform)})
    server = make_server(host, port, served, threaded=True, fd=listening.fileno())
    serving = threading.Thread(target=server.serve_forever, name="miniback-demo-server", daemon=True)
    serving.start()
    platform_status = go_live(app, platform)
    record_ref = write_record(app, platform)
    from miniback.demo.history import statistics_urls

    stats = statistics_urls(base)
    print(
        f"""
miniback 演示已启动（SQLite: {app.config["SQLALCHEMY_DATABASE_URI"]}，任务在进程内执行，微信接口为本地模拟）

  网页工作台:          {base}/console/
  API 文档 (可交互):   {base}/api/v1/docs/
  API 文档 (OpenAPI):  {base}/api/v1/openapi.json
  电梯列表 (需登录):   {base}/api/v1/elevators
  维保记录 (需登录):   {base}/api/v1/records
  签名确认 (安全管理人员 manager1 登录): {base}/api/v1/signoff/records?state=pending
                       ?state=signed / objected / default_confirmed；补传记录约 1 分钟后到期并默认确认
  演示电梯:            {elevator.address if elevator else ""} {elevator.position if elevator else ""}
                       公开编码 {elevator.public_code if elevator else ""}
  公开维保页面:        {public_page}
  二维码标签 (PNG):    {label_path}
  维保记录单 (PDF，登录网页工作台后打开，或带 Authorization 头): {record_pdf_url}
  记录核验页面 (无需登录，即记录单上二维码的地址): {verification_page}

  统计分析 (市监管部门 regulator-city 登录；演示数据含近 3 个多月的历史):
                       {stats.console}
  统计指标表 (API):    {stats.table}
  导出指标表 (Excel):  {stats.export}

  网页工作台账号（{base}/console/ 登录，密码均为 {DEMO_PASSWORD}）:
    平台运营方（监控中心） platform           维保单位管理员 suian-admin     维保主管 supervisor
    市监管部门             regulator-city     区监管部门     regulator-tianhe
    检验机构               inspector          使用单位管理员 uu1-admin / uu2-admin
    待审核的新维保单位     yuetong-admin（平台运营方审核通过前只能完善本单位资料）
  小程序账号（本地微信模拟，wx.login code 写作 任意:用户）: tech1…tech4, supervisor, manager1, manager2
    与真实微信一样，每个 code 只能用一次：再次登录请换一个前缀（demo:tech1 用过后用 demo2:tech1）

  第三方维保平台（数据接口，规范见 docs/platform-api.md）: 穗云维保平台（{STATUS_NAMES[platform_status]}）
    已对接平台名单:    {base}/platforms
    平台私钥:          {platform.private_key}
    用参考客户端上传一条维保记录 {record_ref}（再执行一次得到 duplicate）；
    记录随即出现在 manager1 的待签名列表和上面的公开维保页面:
    {platform.command(base)}

  试一试:
    curl -s -X POST {base}/api/v1/auth/login -H 'Content-Type: application/json' \\
         -d '{{"username":"suian-admin","password":"{DEMO_PASSWORD}"}}'

  换一个端口：make demo PORT=8000（或 flask --app wsgi demo --port 8000）
  按 Ctrl+C 停止演示
""",
        flush=True,
    )
    try:
        while serving.is_alive():
            serving.join(timeout=0.5)
    finally:
        server.shutdown()
        listening.close()
