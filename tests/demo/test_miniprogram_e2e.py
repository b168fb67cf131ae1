"""The mini-program end to end: its pages and services under jest, wx.request bridged to real HTTP, against the
`make demo` server started here (wechat/e2e/technician-manager.e2e.js: a technician submits, the manager signs)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.demo.test_make_demo import demo_env, free_port, read_banner, start_demo
from tests.factories.signatures import MANAGER_PAD, signature_b64

WECHAT = ROOT / "wechat"


def record_count(database: Path) -> int:
    with closing(sqlite3.connect(database)) as demo_db:
        return demo_db.execute("SELECT COUNT(*) FROM maintenance_record").fetchone()[0]


@pytest.mark.slow
def test_miniprogram_technician_submits_and_manager_signs_against_the_demo_server(tmp_path):
    npm = shutil.which("npm")
    assert npm, "Node.js (npm) is needed for the mini-program's end-to-end test"
    if not (WECHAT / "node_modules" / "miniprogram-simulate").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WECHAT, check=True, timeout=600)
    port = free_port()
    server = start_demo(tmp_path, port)
    try:
        banner = read_banner(server, seconds=120)
        assert "按 Ctrl+C 停止演示" in banner, banner
        before = record_count(tmp_path / "demo.sqlite3")
        env = demo_env(tmp_path) | {
            "MINIBACK_E2E_API": f"http://127.0.0.1:{port}/api/v1",
            "MINIBACK_E2E_TECH_SIGNATURE": signature_b64(11),
            "MINIBACK_E2E_MANAGER_SIGNATURE": signature_b64(12, MANAGER_PAD),
        }
        npx = shutil.which("npx")
        assert npx
        run = subprocess.run(
            [npx, "jest", "--ci", "--config", "e2e/jest.config.js"],
            cwd=WECHAT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        report = run.stdout + run.stderr
        assert run.returncode == 0, report
        assert "Tests:       1 passed, 1 total" in report, report
        # However often the phone retried, the server holds exactly one new record.
        assert record_count(tmp_path / "demo.sqlite3") == before + 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        finally:
            server.stdout.close()
