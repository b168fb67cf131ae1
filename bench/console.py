"""First load of the web console: the regulator's dashboard in headless Chromium, against the log-in screen.

The app (the built console and the API) runs under gunicorn, as in production, on a SQLite file seeded with the
demo data set (``miniback.demo.seed``), logged in as its city regulator, whose dashboard is the heaviest first screen: a
count per district besides the figures and the sign-off split. Debian's Chromium (``/usr/bin/chromium``, driven by
Playwright) logs in once, which fills the HTTP cache (the built assets are ``immutable``), then opens
``/console/`` again in fresh tabs of that browser context: the time from navigation start to ``data-charts-ready``
on the dashboard (set after ECharts' ``finished`` event of every chart) is the figure, target ≤ 1.5 s. The
baseline, measured the same way in the same run, is the log-in screen's warm load in a logged-out context.

Size: the built files the first screen fetches (``index.html``'s scripts and styles with everything they import
statically — what the log-in screen loads, before any page's own chunks), gzip-compressed here (level 6, as a
reverse proxy would send them; gunicorn itself does not compress). Target ≤ 600 KB gzip, and ECharts must not be
among them: only the pages that draw charts fetch it. The dashboard's own chunks are listed for information.

    make console && .venv/bin/python bench/console.py [--runs 7]

Times move with the machine's load (two shared cores here: the log-in screen alone, the baseline, took a median
0.8 s at a load average of 8 and 1.9 s at 17); the load average during the run is printed beside them.

Prints figures and ends with ``ok`` or ``FAIL``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIST = ROOT / "miniback" / "console" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CITY_REGULATOR = "regulator-city"
TARGET_MS = 1500.0
TARGET_GZIP_KB = 600.0

# Records the moment the dashboard's root gets data-charts-ready, in the page's own clock (ms since navigation).
READY_PROBE = """
new MutationObserver((changes, observer) => {
  if (document.querySelector('[data-charts-ready]')) {
    window.__chartsReadyAt = performance.now()
    observer.disconnect()
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-charts-ready'], childList: true })
"""


def env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MINIBACK_ENV_MODE": "demo",
        "MINIBACK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "MINIBACK_REDIS_URL": REDIS_URL,
        "MINIBACK_JOBS_MODE": "inline",
    }


def seed(database: Path) -> None:
    """Migrate the SQLite file and load the demo data set, its city regulator included (in a child process: the app
    reads its configuration from the environment)."""
    script = """
from flask_migrate import upgrade
from miniback import create_app
from miniback.demo.seed import seed_demo
from miniback.extensions import db

app = create_app()
with app.app_context():
    upgrade()
    seed_demo(echo=lambda line: None)  # its city regulator is the one measured
    db.session.commit()
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env(database), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("seeding the demo database failed:\n" + done.stdout + done.stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(database: Path, port: int) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).with_name("gunicorn")), *GUNICORN, "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env(database))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/console/", timeout=5).raise_for_status()
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn on port {port} did not start")


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


class AssetLog:
    """The built files (``/console/…``, not the API) a tab fetched, and which came over the network rather than
    from the HTTP cache (Chromium's own account, through the DevTools protocol)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.paths: list[str] = []
        self.from_network: list[str] = []
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.send("Network.enable")

    def _received(self, event: dict[str, Any]) -> None:
        response = event["response"]
        path = urlsplit(response["url"]).path
        if not path.startswith("/console/") or event.get("type") not in ("Document", "Script", "Stylesheet"):
            return
        self.paths.append(path)
        if not (response.get("fromDiskCache") or response.get("fromMemoryCache")):
            self.from_network.append(path)

    def files(self) -> list[Path]:
        """The files in the build behind the logged paths (``/console/`` itself is ``index.html``)."""
        found = []
        for path in dict.fromkeys(self.paths):
            relative = path.removeprefix("/console/") or "index.html"
            file = DIST / relative
            found.append(file if file.is_file() else DIST / "index.html")
        return list(dict.fromkeys(found))


def timed_load(context: Any, url: str, selector: str, probe: bool) -> tuple[float, AssetLog]:
    """Open ``url`` in a fresh tab of ``context``; ms from navigation start until ``selector`` is there."""
    page = context.new_page()
    log = AssetLog(context, page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector(selector, state="attached", timeout=15_000)
    elapsed = ready_at(page) if probe else float(page.evaluate("performance.now()"))
    page.wait_for_load_state("networkidle")
    page.close()
    if errors:
        raise SystemExit(f"JavaScript errors on {url}: {errors}")
    return elapsed, log


def ready_at(page: Any) -> float:
    """The probe's ``data-charts-ready`` moment (polled: the console's CSP forbids the eval that
    ``wait_for_function`` needs)."""
    for _ in range(100):
        value = page.evaluate("window.__chartsReadyAt")
        if value is not None:
            return float(value)
        time.sleep(0.01)
    raise SystemExit("data-charts-ready appeared but the probe did not see it")


def login(context: Any, base: str, username: str) -> None:
    from miniback.demo.seed import DEMO_PASSWORD

    page = context.new_page()
    page.goto(base + "/console/login")
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-charts-ready]", state="attached", timeout=30_000)
    page.close()


def kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="warm loads of each page (the median is the figure)")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        raise SystemExit("the console is not built: run `make console` first")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        database = Path(tmp) / "console.sqlite3"
        seed(database)
        port = free_port()
        server = serve(database, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                options = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}
                try:
                    # The first screen, cold: what index.html pulls in before any page's own chunk.
                    visitor = browser.new_context(**options)
                    _, first = timed_load(visitor, base + "/console/", "form button[type=submit]", probe=False)
                    login_times = [
                        timed_load(visitor, base + "/console/", "form button[type=submit]", probe=False)[0]
                        for _ in range(args.runs)
                    ]
                    visitor.close()

                    regulator = browser.new_context(**options)
                    regulator.add_init_script(READY_PROBE)
                    login(regulator, base, CITY_REGULATOR)  # fills the cache, the dashboard's chunks included
                    runs = [timed_load(regulator, base + "/console/", "[data-charts-ready]", probe=True)]
                    runs += [
                        timed_load(regulator, base + "/console/", "[data-charts-ready]", probe=True)
                        for _ in range(args.runs - 1)
                    ]
                    regulator.close()
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)

    first_files = first.files()
    first_gzip = sum(gzip_size(file) for file in first_files)
    first_raw = sum(file.stat().st_size for file in first_files)
    echarts_first = [file.name for file in first_files if "echarts" in file.name]
    dashboard_files = [file for file in runs[0][1].files() if file not in first_files]
    dashboard_gzip = sum(gzip_size(file) for file in dashboard_files)
    warm_network = sorted({path for _, log in runs for path in log.from_network})

    print(f"first screen (log-in, index.html and its static imports): {len(first_files)} files")
    for file in sorted(first_files, key=lambda f: -f.stat().st_size):
        print(f"  {file.name:48} {kb(file.stat().st_size):>10} raw {kb(gzip_size(file)):>10} gzip")
    print(f"  total {kb(first_raw)} raw, {kb(first_gzip)} gzip (target ≤ {TARGET_GZIP_KB:.0f} KB gzip)")
    print(f"  ECharts among them: {', '.join(echarts_first) if echarts_first else 'no'}")
    print(f"dashboard's own chunks (fetched after the first screen): {kb(dashboard_gzip)} gzip")
    for file in sorted(dashboard_files, key=lambda f: -f.stat().st_size):
        print(f"  {file.name:48} {kb(file.stat().st_size):>10} raw {kb(gzip_size(file)):>10} gzip")
    print(f"warm loads, fetched over the network rather than from the cache: {', '.join(warm_network) or 'none'}")

    login_ms = statistics.median(login_times)
    dashboard = [elapsed for elapsed, _ in runs]
    dashboard_ms = statistics.median(dashboard)
    print(
        f"baseline: log-in screen, warm cache: median {login_ms:.0f} ms over {len(login_times)} loads "
        f"(min {min(login_times):.0f}, max {max(login_times):.0f})"
    )
    print(
        f"city regulator's dashboard, warm cache, to data-charts-ready: median {dashboard_ms:.0f} ms over "
        f"{len(dashboard)} loads (min {min(dashboard):.0f}, max {max(dashboard):.0f}); "
        f"{dashboard_ms / login_ms:.1f}× the log-in screen"
    )
    time_ratio = dashboard_ms / TARGET_MS
    size_ratio = first_gzip / 1024 / TARGET_GZIP_KB
    print(f"ratio={time_ratio:.3f} (dashboard {dashboard_ms:.0f} ms / target {TARGET_MS:.0f} ms) target=1.0")
    print(f"ratio={size_ratio:.3f} (first screen {kb(first_gzip)} / target {TARGET_GZIP_KB:.0f} KB gzip) target=1.0")
    print(f"load average while measuring (2 cores, shared): {os.getloadavg()[0]:.1f}")
    good = time_ratio <= 1.0 and size_ratio <= 1.0 and not echarts_first
    print("ok" if good else "FAIL")


if __name__ == "__main__":
    main()
