"""The README's production deploy steps work as written: the built wheel, installed in a fresh venv, migrates a
fresh database and serves, from a directory that is not the checkout.

The steps are read out of README.md, so the README and this test cannot drift apart. Only what must differ on a
test machine is changed, each substitution checked to apply: the venv's path, the database's name and host, the
worker count and the bound address, and the password, given as an option instead of typed at the prompt.

pip runs without an index, from a wheelhouse of the pinned dependencies built once per set of pins and kept in
the user's cache: repeated runs are offline and fast, and a dependency the wheel fails to declare cannot sneak in.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pymysql
import pytest

from tests.conftest import (
    DB_HOST,
    DB_NAME,
    REDIS_URL,
    ROOT,
    TEST_LOG_KEY_PATH,
    TEST_PDF_SIGNING_CERT_PATH,
    TEST_PDF_SIGNING_KEY_PATH,
)

DEPLOY_DATABASE = f"{DB_NAME}_deploy"
PASSWORD = "deploy-check-2026"
# What a fresh clone holds; build artefacts of the checkout (build/, *.egg-info) must not leak into the wheel.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", "instance", ".*_cache"
)


def wheelhouse() -> Path:
    """Wheels of the project's pinned dependencies and its build requirements, for ``pip --no-index``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = project["project"]["dependencies"] + project["build-system"]["requires"]
    key = hashlib.sha256("\n".join([sys.version, platform.machine(), *requirements]).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "miniback-tests"
    wheels = cache / f"wheelhouse-{key}"
    if not wheels.is_dir():
        building = cache / f"building-{key}-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(building), *requirements]
        subprocess.run(pip_wheel, check=True, capture_output=True, timeout=600)
        building.rename(wheels)  # whole or not at all: a run that was cut short leaves no half wheelhouse
    return wheels


def readme_deploy() -> tuple[str, list[str]]:
    """The README's wheel build command and its deploy steps (the ``sh`` block after "Deploy steps.")."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("Deploy steps.") :]
    build = re.search(r"\(`(make console && pip wheel [^`]+)`;", section)
    block = re.search(r"^```sh\n(.*?)^```", section, re.S | re.M)
    assert build and block, "README.md: the deploy steps are not where this test reads them"
    return build.group(1), [line for line in block.group(1).splitlines() if line.strip()]


def substitute(line: str, old: str, new: str) -> str:
    assert old in line, f"README.md's deploy step changed: {old!r} not in {line!r}"
    return line.replace(old, new)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(url: str, data: dict | None = None, token: str | None = None) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, or of a JSON POST when ``data`` is given."""
    body = json.dumps(data).encode() if data is not None else None
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def drop_deploy_database() -> None:
    connection = pymysql.connect(host=DB_HOST, user="root")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{DEPLOY_DATABASE}`")
    connection.close()


def server_environment(wheels: Path) -> dict[str, str]:
    """The production settings the README lists, and nothing of this test run: no venv, no PYTHONPATH."""
    this_venv = str(Path(sys.prefix) / "bin")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MINIBACK_", "FLASK_", "PYTHON", "VIRTUAL_ENV", "PIP_"))
    }
    env |= {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env["PATH"] = os.pathsep.join(part for part in env["PATH"].split(os.pathsep) if part != this_venv)
    env |= {
        "MINIBACK_SECRET_KEY": "deploy-test-secret-key-0123456789abcdef",
        "MINIBACK_SQLALCHEMY_DATABASE_URI": f"mysql+pymysql://root@{DB_HOST}/{DEPLOY_DATABASE}?charset=utf8mb4",
        "MINIBACK_WECHAT_APPID": "wxdeploy00000000",
        "MINIBACK_WECHAT_SECRET": "deploy-app-secret",
        "MINIBACK_WECHAT_SIGNOFF_TEMPLATE_ID": "deploy-signoff-template",
        "MINIBACK_REDIS_URL": REDIS_URL,
        "MINIBACK_PUBLIC_BASE_URL": "https://lift.example.test",
        "MINIBACK_LEDGER_LOG_KEY_PATH": TEST_LOG_KEY_PATH,
        "MINIBACK_PDF_SIGNING_KEY_PATH": TEST_PDF_SIGNING_KEY_PATH,
        "MINIBACK_PDF_SIGNING_CERT_PATH": TEST_PDF_SIGNING_CERT_PATH,
    }
    return env


@pytest.mark.slow
def test_readme_deploy_steps_serve_from_outside_the_checkout(tmp_path: Path) -> None:
    build, steps = readme_deploy()
    *setup, serve = steps
    env = server_environment(wheelhouse())
    source, server_dir, venv = tmp_path / "source", tmp_path / "server", tmp_path / "venv"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    # The release build as the README gives it: the console (npm, vite), then the wheel that carries it.
    console_build, wheel_build = build.split(" && ")
    built = subprocess.run(shlex.split(console_build), cwd=source, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel_command = [sys.executable, "-m", *shlex.split(wheel_build)]
    subprocess.run(wheel_command, cwd=source, env=env, check=True, capture_output=True)
    server_dir.mkdir()
    (wheel,) = (source / "dist").glob("miniback-*.whl")
    shutil.copy(wheel, server_dir)  # the server gets the wheel and nothing else of the checkout

    setup[0] = substitute(setup[0], "/srv/miniback", str(venv))
    (mysql,) = [index for index, line in enumerate(setup) if line.startswith("mysql ")]
    setup[mysql] = substitute(setup[mysql], "mysql -e", f"mysql -h {DB_HOST} -u root -e")
    setup[mysql] = substitute(setup[mysql], "DATABASE miniback ", f"DATABASE {DEPLOY_DATABASE} ")
    (account,) = [index for index, line in enumerate(setup) if " create-account " in line]
    assert "#" not in setup[account], "the password option would land in the comment"
    setup[account] += f" --password {PASSWORD}"
    port = free_port()
    serve = substitute(substitute(serve, "-w 4", "-w 2"), "-b 0.0.0.0:8000", f"-b 127.0.0.1:{port}")

    drop_deploy_database()
    server = None
    try:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", "\n".join(setup)],
            cwd=server_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "已创建平台运营方账号 ops" in done.stdout
        # The commands ran the installed package (with its migrations), not the checkout.
        where = subprocess.run(
            [venv / "bin" / "python", "-c", "import miniback; print(miniback.MIGRATIONS_DIR)"],
            cwd=server_dir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert Path(where).is_relative_to(venv) and Path(where, "versions", "0001_registry.py").is_file(), where

        log = tmp_path / "gunicorn.log"
        with log.open("w") as log_file:
            server = subprocess.Popen(
                ["bash", "-c", f". {shlex.quote(str(venv / 'bin' / 'activate'))} && exec {serve}"],
                cwd=server_dir,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                status, content_type, body = request(f"{base}/api/v1/openapi.json")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["openapi"].startswith("3."), body

        status, _, body = request(f"{base}/api/v1/auth/login", {"username": "ops", "password": PASSWORD})
        assert status == 200, body
        token = json.loads(body)["token"]
        status, _, body = request(f"{base}/api/v1/me", token=token)
        assert status == 200 and json.loads(body)["role"] == "platform_operator", body

        # The console came in the wheel: its page and the assets it names, from the installed package.
        status, content_type, body = request(f"{base}/console/records/7")
        assert (status, content_type.split(";")[0]) == (200, "text/html") and '<div id="app">' in body, body[:300]
        for asset in re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', body):
            assert request(f"{base}{asset}")[0] == 200, asset

        status, content_type, body = request(f"{base}/e/nosuchcode2345")  # templates shipped, Redis rate limit
        assert (status, content_type.split(";")[0]) == (404, "text/html") and "未找到该电梯" in body
        status, content_type, body = request(f"{base}/api/v1/public/elevators/nosuchcode2345")
        assert (status, content_type) == (404, "application/json") and json.loads(body)["error"]["code"], body
    finally:
        if server is not None:
            server.terminate()  # gunicorn's master stops its workers on SIGTERM
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        drop_deploy_database()
