"""Every success of the platform lifecycle's routes (the operator's, the unit admin's, the public list and the
platform's own key rotation), for the OpenAPI conformance test (tests/api/test_openapi_conformance.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from flask.testing import FlaskClient

from miniback.extensions import db
from miniback.models import Account, MaintenanceUnit, PlatformClient
from tests.factories.platform import Platform, call, public_pem
from tests.factories.platform_traffic import all_green_sandbox_traffic
from tests.factories.registry import auth, credit_code


def exercise_platform_lifecycle_routes(
    c: FlaskClient, ok: Callable[..., Any], operator: Account, unit: MaintenanceUnit, admin: Account
) -> None:
    op = auth(operator)
    first_key = ed25519.Ed25519PrivateKey.generate()
    body = {
        "code": "contract-lift",
        "name": "契约测试平台",
        "company_name": "广州契约科技有限公司",
        "company_credit_code": credit_code("91440101MA"),
        "contact_name": "周工",
        "contact_phone": "020-38881111",
        "callback_url": "http://127.0.0.1:8765/callbacks",
        "public_key_pem": public_pem(first_key),
    }
    created = ok(c.post("/api/v1/platforms", json=body, headers=op), 201)
    url = f"/api/v1/platforms/{created['id']}"
    ok(c.get("/api/v1/platforms?status=testing", headers=op))
    ok(c.get(url, headers=op))
    ok(c.patch(url, json={"contact_email": "ops@contract.example"}, headers=op))
    added = ok(
        c.post(f"{url}/keys", json={"public_key_pem": public_pem(ed25519.Ed25519PrivateKey.generate())}, headers=op),
        201,
    )
    ok(c.post(f"{url}/keys/{added['key_id']}/retire", headers=op))
    all_green_sandbox_traffic(db.session.get(PlatformClient, created["id"]))
    ok(c.get(f"{url}/conformance", headers=op))
    ok(c.post(f"{url}/status", json={"status": "connected"}, headers=op))
    ok(c.get(f"{url}/events", headers=op))
    ok(c.get(f"{url}/figures", headers=op))
    ok(c.get("/api/v1/public/platforms"))

    grants = f"/api/v1/maintenance-units/{unit.id}/platform-authorisations"
    grant = ok(c.post(grants, json={"platform_client_id": created["id"]}, headers=auth(admin)), 201)
    ok(c.get(grants, headers=auth(admin)))
    ok(c.post(f"/api/v1/platform-authorisations/{grant['id']}/revoke", json={"reason": "测试"}, headers=auth(admin)))

    platform = Platform(db.session.get(PlatformClient, created["id"]), first_key, created["keys"][0]["key_id"])
    rotated = ok(
        call(
            c,
            platform,
            "POST",
            "/api/v1/platform/keys",
            {"public_key_pem": public_pem(ed25519.Ed25519PrivateKey.generate())},
        ),
        201,
    )
    ok(call(c, platform, "DELETE", f"/api/v1/platform/keys/{rotated['key_id']}"))
