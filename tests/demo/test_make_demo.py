"""`make demo` really works: the demo command migrates a SQLite file, seeds it, serves, prints URLs."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.factories.signatures import manager_signature_b64


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, data: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MINIBACK_")}
    env.update(MINIBACK_ENV_MODE="demo", MINIBACK_INSTANCE_PATH=str(tmp_path))
    return env


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def start_demo(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    """`make demo`'s command on ``port``, its SQLite file and instance folder in ``tmp_path``."""
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen(
        [flask, "--app", "wsgi", "demo", "--port", str(port)],
        cwd=ROOT,
        env=demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_banner(process: subprocess.Popen[str], seconds: float = 90) -> str:
    """What the demo prints up to its "press Ctrl+C" line (or until it stops or ``seconds`` pass)."""
    assert process.stdout is not None
    output = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if "按 Ctrl+C 停止演示" in line:
            break
    return "".join(output)


@pytest.mark.slow
def test_demo_command_serves_seeded_data_and_prints_urls(tmp_path):
    port = free_port()
    process = start_demo(tmp_path, port)
    try:
        printed = read_banner(process)
        assert f"http://127.0.0.1:{port}/api/v1/openapi.json" in printed, printed
        assert f"http://127.0.0.1:{port}/api/v1/docs/" in printed, printed
        # The banner tells a newcomer that demo WeChat codes are single-use, and how to pick another port.
        assert "每个 code 只能用一次" in printed
        assert "make demo PORT=" in printed
        base = f"http://127.0.0.1:{port}/api/v1"
        assert call(f"{base}/openapi.json")["openapi"].startswith("3.")
        password = re.search(r"密码均为 (\S+)）", printed).group(1)
        token = call(f"{base}/auth/login", {"username": "suian-admin", "password": password})["token"]
        # The web console is printed and served, and every desk log-in the banner names works.
        assert f"网页工作台:          http://127.0.0.1:{port}/console/" in printed, printed
        assert '<div id="app">' in fetch(f"http://127.0.0.1:{port}/console/")
        banner = printed[printed.index("网页工作台账号") : printed.index("小程序账号")]
        usernames = re.findall(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", banner.split("\n", 1)[1])
        assert {"platform", "suian-admin", "supervisor", "regulator-city", "inspector", "uu1-admin"} <= set(usernames)
        roles = {
            name: call(f"{base}/auth/login", {"username": name, "password": password})["account"]["role"]
            for name in usernames
        }
        assert set(roles.values()) == {
            "platform_operator",
            "mu_admin",
            "mu_supervisor",
            "regulator",
            "inspector",
            "uu_admin",
        }, roles
        elevators = call(f"{base}/elevators?per_page=100", token=token)
        assert elevators["total"] == 12
        assert {e["elevator_type"] for e in elevators["items"]} == {"traction", "hydraulic", "dumbwaiter", "escalator"}
        # The statistics over the seeded history: the console screen, the API's table (every district with records
        # has figures, on time and late), the export of the same table.
        console_stats = re.search(r"统计分析 \(市监管部门 regulator-city.*\n\s+(\S+)", printed).group(1)
        assert console_stats.startswith(f"http://127.0.0.1:{port}/console/statistics?from="), printed
        assert '<div id="app">' in fetch(console_stats)
        city = call(f"{base}/auth/login", {"username": "regulator-city", "password": password})["token"]
        table = call(re.search(r"统计指标表 \(API\):\s+(\S+)", printed).group(1), token=city)
        assert table["group_by"] == "district" and table["from"] < table["to"]
        total = table["total"]["values"]
        assert 50 < total["on_time_rate"]["value"] < 100 and total["overdue_unexcused"]["value"] >= 2, total
        assert 0 < total["default_confirmed_rate"]["value"] < total["signed_rate"]["value"] < 100, total
        maintained = [row for row in table["rows"] if row["values"]["signed_rate"]["denominator"]]
        assert len(maintained) == 5, table["rows"]
        export = urllib.request.Request(re.search(r"导出指标表 \(Excel\):\s+(\S+)", printed).group(1))
        export.add_header("Authorization", f"Bearer {city}")
        with urllib.request.urlopen(export, timeout=30) as response:
            assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
            assert response.read(2) == b"PK"
        # The mini-program log-in works against the demo's local WeChat stub.
        technician = call(f"{base}/auth/wechat/login", {"code": "demo:tech1"})
        assert technician["account"]["role"] == "technician"
        # No sign-off is stuck: a resolved objection reopened its record, which was then signed.
        manager = call(f"{base}/auth/wechat/login", {"code": "stuck:manager1"})["token"]
        assert call(f"{base}/signoff/records?state=objection_resolved", token=manager)["total"] == 0
        assert call(f"{base}/signoff/records?state=pending", token=manager)["total"] >= 1
        # A record's PDF (for anyone logged in who may read it) and its public verification page, both printed.
        pdf_url = re.search(r"维保记录单 \(PDF[^)]*\):\s+(\S+)", printed).group(1)
        assert pdf_url.startswith(f"http://127.0.0.1:{port}/api/v1/records/") and pdf_url.endswith("/pdf")
        request = urllib.request.Request(pdf_url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.read().startswith(b"%PDF-")
        verify_url = re.search(r"记录核验页面 \([^)]*\):\s+(\S+)", printed).group(1)
        assert verify_url.startswith(f"http://127.0.0.1:{port}/v/")
        assert "维保记录" in fetch(verify_url)
        # The resident's page, stored after its first view (SQLite's triggers mark it stale on an edit too).
        page_url = re.search(r"公开维保页面:\s+(\S+)", printed).group(1)
        first, again = fetch(page_url), fetch(page_url)
        assert "维保记录" in first and again == first
        code = page_url.rsplit("/", 1)[1]
        with closing(sqlite3.connect(tmp_path / "demo.sqlite3")) as demo_db:
            query = "SELECT html_gzip IS NOT NULL FROM public_page WHERE public_code = ?"
            assert demo_db.execute(query, (code,)).fetchone() == (1,)
        (elevator,) = [e for e in elevators["items"] if e["public_code"] == code]
        edit = urllib.request.Request(
            f"{base}/elevators/{elevator['id']}", data=json.dumps({"position": "演示 9 号梯"}).encode(), method="PATCH"
        )
        edit.add_header("Content-Type", "application/json")
        edit.add_header("Authorization", f"Bearer {token}")
        urllib.request.urlopen(edit, timeout=10).close()
        assert "演示 9 号梯" in fetch(page_url)

        # The connected demo platform: the banner's reference-client command uploads a record, which then awaits
        # the manager's signature and shows on the elevator's public page.
        assert "穗云维保平台" in fetch(f"http://127.0.0.1:{port}/platforms")
        (command,) = [line.strip() for line in printed.splitlines() if "miniback_platform_client.py" in line]
        private_key = re.search(r"--private-key (\S+)", command).group(1)
        assert Path(private_key) == tmp_path / "platform-demo" / "private_key.pem"
        assert (Path(private_key).stat().st_mode & 0o777) == 0o600
        before = call(f"{base}/public/elevators/{code}")["records"]
        uploaded = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
        answer = json.loads(uploaded.stdout)
        assert (answer["status"], answer["body"]["result"]) == (201, "created"), answer
        record = answer["body"]["record"]
        assert (record["sandbox"], record["signoff"]["state"], record["public_url"]) == (False, "pending", page_url)
        manager = call(f"{base}/auth/wechat/login", {"code": "platform:manager1"})["token"]
        pending = call(f"{base}/signoff/records?state=pending&per_page=100", token=manager)["items"]
        assert record["record_id"] in [item["record_id"] for item in pending]
        after = call(f"{base}/public/elevators/{code}")["records"]
        assert len(after) == len(before) + 1 and after[0]["signoff_state"] == "pending"
        assert fetch(page_url).count("维保人员：") == len(after)
        again = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert json.loads(again.stdout)["body"]["result"] == "duplicate"
        # The manager signs it; the platform's callback reaches the demo's receiver, which verified its signature.
        signature = {"signature_png": manager_signature_b64()}
        call(f"{base}/signoff/records/{record['record_id']}/sign", signature, token=manager)
        operator = call(f"{base}/auth/login", {"username": "platform", "password": password})["token"]
        (platform,) = call(f"{base}/platforms", token=operator)["items"]
        assert (platform["code"], platform["status"]) == ("suiyun", "connected")
        deadline = time.monotonic() + 30
        while True:
            callbacks = call(f"{base}/platforms/{platform['id']}/callbacks", token=operator)["items"]
            mine = [c for c in callbacks if c["record_id"] == record["record_id"]]
            if mine and mine[0]["status"] == "delivered" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert [(c["event_type"], c["status"], c["sandbox"]) for c in mine] == [("record.signed", "delivered", False)]
        assert mine[0]["attempt_log"][0]["status_code"] == 204  # the receiver answers 204 only to a valid signature
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_demo_on_a_taken_port_says_so_in_chinese_before_printing_urls(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        flask = str(Path(sys.executable).with_name("flask"))
        result = subprocess.run(
            [flask, "--app", "wsgi", "demo", "--port", str(port)],
            cwd=ROOT,
            env=demo_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    printed = result.stdout + result.stderr
    assert result.returncode == 1, printed
    assert f"端口 {port} 已被占用" in printed and f"make demo PORT={port + 1}" in printed
    # Nothing was prepared or announced: no URL, no database.
    assert "http://" not in printed and "正在准备演示数据库" not in printed
    assert not (tmp_path / "demo.sqlite3").exists()


def test_make_demo_passes_the_port_through():
    result = subprocess.run(["make", "-n", "demo", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    (command,) = [line for line in result.stdout.splitlines() if " demo " in f"{line} " and "flask" in line]
    assert command.endswith("--port 8123"), command
