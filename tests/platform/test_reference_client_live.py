"""The reference client against a live server: a real ``flask run`` process on the test database, driven through
the client's command line exactly as an integrator would (docs/platform-api.md §14)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Flask

from miniback.extensions import db
from miniback.models import MaintenanceRecord, PlatformKey, PlatformRequest, PlatformUpload
from signoff.ledger.origin import signature_valid, string_to_sign
from tests.conftest import ROOT
from tests.demo.test_make_demo import free_port
from tests.factories.platform import Platform, make_platform
from tests.factories.registry import UnitWorld, make_world
from tests.factories.uploads import certify, record_payload
from tests.platform.test_reference_client import CLIENT_PATH
from tests.signoff.test_reliability import process_env

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app: Flask, tmp_path: Path) -> Iterator[str]:
    """``flask run`` in its own process, configured like the test app; yields its base URL."""
    port = free_port()
    env = process_env(app, PUBLIC_BASE_URL=app.config["PUBLIC_BASE_URL"])
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def write_key(platform: Platform, folder: Path) -> Path:
    path = folder / "private_key.pem"
    path.write_bytes(
        platform.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


class Cli:
    def __init__(self, base: str, platform: Platform, key: Path, folder: Path) -> None:
        self.prefix = [sys.executable, str(CLIENT_PATH), "--base-url", base, "--key-id", platform.key_id]
        self.prefix += ["--private-key", str(key)]
        self.folder = folder

    def file(self, name: str, data: Any) -> str:
        path = self.folder / name
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return str(path)

    def __call__(self, *args: str) -> tuple[int, dict[str, Any], int]:
        done = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode in (0, 1), done.stderr
        printed = json.loads(done.stdout)
        return printed["status"], printed["body"], done.returncode


def test_the_reference_client_uploads_reads_back_and_batches_against_a_live_server(app, server, tmp_path):
    world: UnitWorld = make_world()
    certify(world.tech1, world.tech2)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    cli = Cli(server, platform, write_key(platform, tmp_path), tmp_path)
    elevator = world.elevators[0]
    record = record_payload(elevator, [world.tech1, world.tech2], ref="YT-LIVE-1")

    status, me, exit_code = cli("me")
    assert (status, exit_code, me["code"], me["sandbox"], me["status"]) == (
        200,
        0,
        platform.client.code,
        False,
        "connected",
    )

    record_file = cli.file("record.json", record)
    status, created, exit_code = cli("upload", record_file)
    assert (status, exit_code, created["result"]) == (201, 0, "created"), created
    record_id = created["record"]["record_id"]
    # The same file again (re-signed: a new nonce) is the same record; a changed body is a 409 naming it.
    status, again, _ = cli("upload", record_file)
    assert (status, again["result"], again["record"]["record_id"]) == (200, "duplicate", record_id)
    changed = cli.file("changed.json", {**record, "remarks": "改过的备注"})
    status, conflict, exit_code = cli("upload", changed)
    assert (status, exit_code, conflict["error"]["code"]) == (409, 1, "idempotency_conflict")
    assert conflict["error"]["details"]["record_id"] == record_id

    status, read, _ = cli("get", "YT-LIVE-1")
    assert (status, read["record_id"], read["signoff"]["state"]) == (200, record_id, "pending")
    assert read["public_url"]

    good = record_payload(world.elevators[1], [world.tech1], ref="YT-LIVE-2")
    bad = {**record_payload(elevator, [world.tech2], ref="YT-LIVE-3"), "elevator": {"device_code": "0000000000"}}
    status, batch, _ = cli("batch", cli.file("batch.json", {"records": [good, bad, record]}))
    assert status == 200
    assert [item["result"] for item in batch["results"]] == ["created", "invalid", "duplicate"]
    assert batch["results"][1]["error"]["code"] == "elevator_unknown"

    status, units, _ = cli("units")
    assert status == 200 and [unit["id"] for unit in units["items"]] == [world.unit.id]

    # What the server kept: the record, from this platform, and the client's signature, which still verifies.
    db.session.rollback()  # a fresh snapshot: the server committed in its own process
    stored = db.session.get(MaintenanceRecord, record_id)
    assert stored is not None and stored.source == f"platform:{platform.client.code}"
    upload = db.session.execute(db.select(PlatformUpload).where(PlatformUpload.record_id == record_id)).scalar_one()
    kept = db.session.get(PlatformRequest, upload.request_id)
    key = db.session.execute(db.select(PlatformKey).where(PlatformKey.key_id == kept.key_id)).scalar_one()
    message = string_to_sign(kept.method, kept.path, kept.signed_timestamp, kept.nonce, kept.body)
    assert (kept.method, kept.path) == ("POST", "/api/v1/platform/records")
    assert signature_valid(key.algorithm, key.public_key_pem, message, kept.signature)
