"""The inspector's recipe in docs/verify-proof.md, run as written against the live endpoint over HTTP."""

from __future__ import annotations

import contextlib
import io
import re
import threading

from flask import Flask
from werkzeug.serving import make_server

from miniback.extensions import db
from signoff.ledger.checkpoints import build_checkpoint
from tests.conftest import ROOT
from tests.factories.ledger import submit_record
from tests.factories.registry import make_world

RECIPE = ROOT / "docs" / "verify-proof.md"


def recipe_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", RECIPE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    return blocks[0]


def run_recipe(base: str, record_id: int) -> str:
    code = recipe_code()
    code = code.replace('BASE = "http://127.0.0.1:5000"', f'BASE = "{base}"')
    code = code.replace("RECORD_ID = 1", f"RECORD_ID = {record_id}")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, str(RECIPE), "exec"), {"__name__": "recipe"})  # noqa: S102 - our own documentation
    return output.getvalue()


def test_the_documented_recipe_verifies_a_record_against_the_live_endpoint(app: Flask) -> None:
    assert "import requests" not in recipe_code() and "from signoff" not in recipe_code(), "hashlib and stdlib only"
    world = make_world()
    records = [submit_record(world.elevators[i % 2], world.tech1.id) for i in range(7)]
    build_checkpoint()
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        for record in (records[0], records[4], records[6]):
            assert "包含在 7 条的检查点中" in run_recipe(base, record.id)
            assert record.content_hash in run_recipe(base, record.id)
    finally:
        server.shutdown()
        thread.join()


def test_the_recipe_rejects_a_proof_for_another_root(app: Flask) -> None:
    code = recipe_code().replace('expected_root = proof["checkpoint"]["root_hash"]', 'expected_root = "00" * 32')
    world = make_world()
    record = submit_record(world.elevators[0], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = code.replace('BASE = "http://127.0.0.1:5000"', f'BASE = "http://127.0.0.1:{server.server_port}"')
        code = code.replace("RECORD_ID = 1", f"RECORD_ID = {record.id}")
        try:
            exec(compile(code, str(RECIPE), "exec"), {"__name__": "recipe"})  # noqa: S102
        except AssertionError as exc:
            assert str(exc) == "记录不在该检查点中，或已被改动"
        else:
            raise AssertionError("the recipe accepted a proof against a root it was not given")
    finally:
        server.shutdown()
        thread.join()


def test_the_recipe_checks_the_checkpoint_signature_against_the_key_it_was_given(app: Flask) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from signoff.ledger.logkey import log_key
    from signoff.ledger.signed_note import log_key_from_private

    world = make_world()
    record = submit_record(world.elevators[0], world.tech1.id)
    build_checkpoint()
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert "检查点签名有效" in run_recipe(base, record.id)
        pinned = log_key().verifier_key
        code = recipe_code().replace("VERIFIER_KEY = None", f"VERIFIER_KEY = {pinned!r}")
        code = code.replace('BASE = "http://127.0.0.1:5000"', f'BASE = "{base}"')
        code = code.replace("RECORD_ID = 1", f"RECORD_ID = {record.id}")
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(code, str(RECIPE), "exec"), {"__name__": "recipe"})  # noqa: S102
        assert "检查点签名有效" in output.getvalue()
        impostor = log_key_from_private(log_key().name, ed25519.Ed25519PrivateKey.generate()).verifier_key
        forged = code.replace(repr(pinned), repr(impostor))
        try:
            exec(compile(forged, str(RECIPE), "exec"), {"__name__": "recipe"})  # noqa: S102
        except AssertionError as exc:
            assert str(exc) == "检查点没有该日志密钥的签名"
        else:
            raise AssertionError("the recipe accepted a checkpoint signed by another key")
    finally:
        server.shutdown()
        thread.join()
