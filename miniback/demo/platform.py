"""The demo's connected platform (第三方维保平台): 穗云维保平台, authorised by the demo maintenance unit.

On the demo's first start it is registered with an Ed25519 key pair kept in the instance folder
(``platform-demo/private_key.pem``), runs its conformance scenarios as real signed sandbox requests through the
signed routes (single upload, batch with a bad item, idempotent retry, 409, delay notice, a simulated sign-off
whose callback the demo's own receiver verifies and acknowledges), and is then promoted by the operator, which the
conformance report allows only when all of it is green. Every start writes a fresh ``record.json`` (today's times)
for the reference client command the banner prints (docs/platform-api.md §14).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shlex
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from miniback.demo.photos import demo_photo
from miniback.demo.records import LOCATIONS, signature_png
from miniback.extensions import db
from miniback.models import (
    Account,
    Elevator,
    MaintenanceUnit,
    PlatformCallback,
    PlatformClient,
    PlatformKey,
    utcnow,
)
from miniback.platform.authorisations import authorise
from miniback.platform.callbacks import webhook_secret
from miniback.platform.clients import change_status, register_platform, update_platform
from miniback.platform.signing import SCHEME
from miniback.records.calendar import SHANGHAI, local_day
from miniback.records.photos import shipped_positions
from miniback.records.templates import tsg_template
from miniback.registry.credit_code import check_character
from signoff.ledger.origin import string_to_sign

CODE = "suiyun"
FOLDER = "platform-demo"
CALLBACK_PATH = "/demo-platform/callbacks"
CLIENT_SCRIPT = Path("docs") / "platform-client" / "miniback_platform_client.py"
# The demo's own elevator and crew for the platform's records (the unit authorised the platform for all of them).
DEVICE_CODE = "31104401002019000101"
CERTIFICATES = ("TSX-2020-0233", "TSX-2021-0456")


@dataclass
class CallbackReceiver:
    """The demo platform's callback endpoint, mounted in the demo server: it verifies each Standard Webhooks
    signature with the platform's secret and acknowledges a genuine callback with 204 (anything else: 400)."""

    secret: str
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            return Response("signature invalid", status=400)(environ, start_response)
        with self.lock:
            self.received.append(payload)
        data = payload.get("data", {})
        mode = "沙箱" if data.get("sandbox") else "正式"
        print(
            f"演示平台收到回调（签名有效，{mode}）：{payload.get('type')} {data.get('platform_record_id')}", flush=True
        )
        return Response(status=204)(environ, start_response)


@dataclass(frozen=True)
class DemoPlatform:
    client_id: int
    key_id: str
    folder: Path

    @property
    def private_key(self) -> Path:
        return self.folder / "private_key.pem"

    @property
    def record(self) -> Path:
        return self.folder / "record.json"

    def command(self, base: str) -> str:
        """The reference-client command that uploads ``record.json`` (run from the checkout, as ``make demo`` is)."""
        python, script = Path(sys.executable), Path.cwd() / CLIENT_SCRIPT
        words = [_shown(python), _shown(script), "--base-url", base, "--key-id", self.key_id]
        words += ["--private-key", _shown(self.private_key), "upload", _shown(self.record)]
        return shlex.join(words)


def _shown(path: Path) -> str:
    """A path relative to the working directory when it lies inside it (shorter to read), else absolute."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _key(folder: Path) -> ed25519.Ed25519PrivateKey:
    """The platform's private key, made once and kept in the instance folder (readable by its owner only)."""
    path = folder / "private_key.pem"
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key
    folder.mkdir(parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    (folder / "public_key.pem").write_text(_public_pem(key), encoding="utf-8")
    return key


def _public_pem(key: ed25519.Ed25519PrivateKey) -> str:
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return public.decode()


def record_payload(ref: str, *, minutes_ago: int = 50, minutes: int = 44, remarks: str | None = None) -> dict[str, Any]:
    """A complete half-monthly RecordUpload for the demo's first elevator, as the platform's app would send it."""
    elevator = db.session.execute(db.select(Elevator).where(Elevator.device_code == DEVICE_CODE)).scalar_one()
    check_in = utcnow() - timedelta(minutes=minutes_ago)
    check_out = check_in + timedelta(minutes=minutes)
    lat, lng = LOCATIONS[DEVICE_CODE]

    def point(at: Any, north: float) -> dict[str, Any]:
        moment = at.astimezone(SHANGHAI).isoformat(timespec="seconds")
        return {"at": moment, "lat": round(lat + north, 7), "lng": lng, "accuracy_m": 10, "coord_system": "gcj02"}

    items = tsg_template(elevator.elevator_type, "half_month").items
    return {
        "platform_record_id": ref,
        "elevator": {"device_code": DEVICE_CODE},
        "technicians": [{"certificate_no": number} for number in CERTIFICATES],
        "category": "half_month",
        "check_in": point(check_in, 0.0002),
        "check_out": point(check_out, 0.0001),
        "results": [{"code": item.code, "result": "normal"} for item in items],
        "remarks": remarks or "穗云维保平台上传：半月维保，运行正常",
        "signature_png": base64.b64encode(signature_png(7)).decode(),
        "completed_at": (check_out + timedelta(minutes=1)).astimezone(SHANGHAI).isoformat(timespec="seconds"),
        # The platform sends its site photos with the record (the same checks and stores as the mini-program's).
        "photos": [
            {
                "position": position.code,
                "image_base64": base64.b64encode(demo_photo(7000 + seq + sum(map(ord, ref)), position.label)).decode(),
                "captured_at": (check_in + timedelta(minutes=3 + 5 * seq)).astimezone(SHANGHAI).isoformat(),
                "location": {"lat": round(lat + 0.0002, 7), "lng": lng, "accuracy_m": 10, "coord_system": "gcj02"},
            }
            for seq, position in enumerate(shipped_positions(elevator.elevator_type, "half_month"))
        ],
    }


class _Signer:
    """Signed requests through the app itself (its test client: the whole HTTP stack, in-process)."""

    def __init__(self, app: Flask, key: ed25519.Ed25519PrivateKey, key_id: str) -> None:
        self.client = app.test_client()
        self.key = key
        self.key_id = key_id

    def __call__(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        db.session.commit()  # the request runs in a session of its own: hold no transaction open meanwhile
        stamp = utcnow().astimezone(SHANGHAI).isoformat(timespec="seconds")
        nonce = secrets.token_urlsafe(24)
        signature = base64.b64encode(self.key.sign(string_to_sign(method, path, stamp, nonce, body))).decode()
        header = f'{SCHEME} key_id="{self.key_id}", timestamp="{stamp}", nonce="{nonce}", signature="{signature}"'
        headers = {"Authorization": header, "Content-Type": "application/json"}
        response = self.client.open(path, method=method, data=body, headers=headers)
        return response.status_code, response.get_json(silent=True)


def _expect(answer: tuple[int, Any], status: int, what: str) -> Any:
    if answer[0] != status:
        raise RuntimeError(f"演示平台的对接测试“{what}”未得到预期的 {status}：{answer}")
    return answer[1]


def _sandbox_scenarios(sign: _Signer) -> None:
    """The six conformance scenarios, as real sandbox calls (docs/platform-api.md §12)."""
    records = "/api/v1/platform/records"
    first = record_payload("SY-SANDBOX-0001")
    _expect(sign("GET", "/api/v1/platform/me"), 200, "连通测试")
    _expect(sign("POST", records, first), 201, "单条上传")
    _expect(sign("POST", records, first), 200, "幂等重试")
    _expect(sign("POST", records, {**first, "remarks": "改动后的备注"}), 409, "内容不同返回 409")
    bad = {**record_payload("SY-SANDBOX-0003"), "elevator": {"device_code": "00000000000000000000"}}
    batch = _expect(
        sign("POST", records + "/batch", {"records": [record_payload("SY-SANDBOX-0002"), bad]}), 200, "批量"
    )
    assert [item["result"] for item in batch["results"]] == ["created", "invalid"], batch
    today = local_day(utcnow())
    notice = {
        "platform_notice_id": "SY-SANDBOX-DN-0001",
        "elevators": [{"device_code": DEVICE_CODE}],
        "cause": "other",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=2)).isoformat(),
        "explanation": "沙箱测试：小区临时封闭，维保延后",
    }
    _expect(sign("POST", "/api/v1/platform/delay-notices", notice), 201, "延期说明")
    event = f"/api/v1/platform/sandbox/records/{first['platform_record_id']}/events"
    _expect(sign("POST", event, {"event": "signed"}), 202, "模拟签名确认（触发回调）")


def prepare_platform(app: Flask, base: str) -> DemoPlatform:
    """Register the demo platform on the first start (key pair, the unit's authorisation, its sandbox traffic);
    on later starts keep its callback URL pointing at this server. Call inside an app context."""
    folder = Path(app.instance_path) / FOLDER
    key = _key(folder)
    callback_url = base + CALLBACK_PATH
    client = db.session.execute(db.select(PlatformClient).where(PlatformClient.code == CODE)).scalar_one_or_none()
    operator = db.session.execute(db.select(Account).where(Account.username == "platform")).scalar_one()
    if client is None:
        unit = (
            db.session.execute(
                db.select(MaintenanceUnit).where(MaintenanceUnit.status == "active").order_by(MaintenanceUnit.id)
            )
            .scalars()
            .first()
        )
        admin = db.session.execute(db.select(Account).where(Account.username == "suian-admin")).scalar_one()
        assert unit is not None
        first17 = "91440106MA5CX0007"
        details = {
            "code": CODE,
            "name": "穗云维保平台",
            "company_name": "广州穗云信息科技有限公司",
            "company_credit_code": first17 + check_character(first17),
            "contact_name": "梁工",
            "contact_phone": "020-38880077",
            "contact_email": "dev@suiyun.example.com",
            "callback_url": callback_url,
        }
        client = register_platform(details, operator, _public_pem(key))
        authorise(client, unit, admin)
        db.session.commit()
        _sandbox_scenarios(_Signer(app, key, _key_id(client)))
        print(f"演示平台：已登记 {client.name}（{CODE}），维保单位 {unit.name} 已授权，沙箱对接测试已完成", flush=True)
    elif client.callback_url != callback_url:
        update_platform(client, {"callback_url": callback_url}, operator)
        db.session.commit()
    return DemoPlatform(client.id, _key_id(client), folder)


def _key_id(client: PlatformClient) -> str:
    return db.session.execute(
        db.select(PlatformKey.key_id).where(
            PlatformKey.platform_client_id == client.id, PlatformKey.retired_at.is_(None)
        )
    ).scalar_one()


def go_live(app: Flask, platform: DemoPlatform, wait_seconds: float = 30) -> str:
    """Once the sandbox callback has been acknowledged (the server must be serving), the operator promotes the
    platform: ``change_status`` refuses unless the conformance report is all green. Returns its status."""
    deadline = time.monotonic() + wait_seconds
    with app.app_context():
        client = db.session.get(PlatformClient, platform.client_id)
        assert client is not None
        while client.status == "testing":
            delivered = db.session.execute(
                db.select(PlatformCallback.id).where(
                    PlatformCallback.platform_client_id == client.id,
                    PlatformCallback.sandbox.is_(True),
                    PlatformCallback.status == "delivered",
                )
            ).first()
            if delivered:
                operator = db.session.execute(db.select(Account).where(Account.username == "platform")).scalar_one()
                change_status(client, "connected", "演示：对接测试全部通过", operator)
                db.session.commit()
                break
            if time.monotonic() > deadline:
                print("演示平台：沙箱回调尚未被确认，平台仍在对接测试（沙箱）中", flush=True)
                break
            db.session.rollback()  # see the callback thread's commits
            time.sleep(0.2)
        return client.status


def write_record(app: Flask, platform: DemoPlatform) -> str:
    """A fresh ``record.json`` for this start: today's job, a new platform record id (sending it twice shows the
    idempotent retry). Returns that id."""
    with app.app_context():
        now = utcnow().astimezone(SHANGHAI)
        ref = f"SY-{now:%Y%m%d-%H%M%S}"
        payload = record_payload(ref)
    platform.record.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return ref


def receiver_for(app: Flask, platform: DemoPlatform) -> CallbackReceiver:
    with app.app_context():
        client = db.session.get(PlatformClient, platform.client_id)
        assert client is not None
        return CallbackReceiver(webhook_secret(client, app.config["SECRET_KEY"]))
