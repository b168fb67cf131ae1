"""Platforms for the data-interface tests: a registered platform with an Ed25519 (or RSA) key, authorised by
some maintenance units, and requests signed exactly as docs/platform-api.md says."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from flask.testing import FlaskClient

from miniback.extensions import db
from miniback.models import (
    PLATFORM_ROLE,
    Account,
    MaintenanceUnit,
    PlatformAuthorisation,
    PlatformClient,
    PlatformKey,
    utcnow,
)
from miniback.platform.signing import SCHEME, new_key_id
from signoff.ledger.origin import load_public_key, string_to_sign
from tests.factories.registry import credit_code

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
_counter = itertools.count(1)


@dataclass
class Platform:
    client: PlatformClient
    private_key: PrivateKey
    key_id: str

    def sign(self, message: bytes) -> str:
        return sign_message(self.private_key, message)


def sign_message(private_key: PrivateKey, message: bytes) -> str:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return base64.b64encode(private_key.sign(message)).decode()
    return base64.b64encode(private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def public_pem(private_key: PrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def add_key(client: PlatformClient, private_key: PrivateKey | None = None) -> tuple[PrivateKey, str]:
    private_key = private_key or ed25519.Ed25519PrivateKey.generate()
    public = load_public_key(public_pem(private_key))
    key = PlatformKey(
        key_id=new_key_id(),
        platform_client_id=client.id,
        algorithm=public.algorithm,
        public_key_pem=public.pem,
        fingerprint=public.fingerprint,
    )
    db.session.add(key)
    db.session.flush()
    return private_key, key.key_id


def authorise(platform: Platform | PlatformClient, unit: MaintenanceUnit, admin: Account) -> PlatformAuthorisation:
    client = platform.client if isinstance(platform, Platform) else platform
    grant = PlatformAuthorisation(platform_client_id=client.id, maintenance_unit_id=unit.id, granted_by_id=admin.id)
    db.session.add(grant)
    db.session.flush()
    return grant


def make_platform(
    status: str = "testing",
    *,
    authorised_by: list[tuple[MaintenanceUnit, Account]] = (),  # type: ignore[assignment]
    private_key: PrivateKey | None = None,
    callback_url: str | None = None,
    operator: Account | None = None,
) -> Platform:
    """A platform in ``status`` with one active key, authorised by each (unit, its admin) given."""
    n = next(_counter)
    account = Account(role=PLATFORM_ROLE, name=f"测试平台{n}")
    db.session.add(account)
    db.session.flush()
    client = PlatformClient(
        code=f"test-platform-{n}",
        name=f"测试维保平台{n}",
        company_name=f"广州测试科技有限公司{n}",
        company_credit_code=credit_code("91440101MA"),
        contact_name="李工",
        contact_phone="020-38881234",
        callback_url=callback_url,
        status=status,
        connected_at=utcnow() if status == "connected" else None,
        account_id=account.id,
        created_by_id=(operator or account).id,
    )
    db.session.add(client)
    db.session.flush()
    private_key, key_id = add_key(client, private_key)
    for unit, admin in authorised_by:
        authorise(client, unit, admin)
    return Platform(client, private_key, key_id)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone().isoformat(timespec="seconds")


def signed_headers(
    platform: Platform,
    method: str,
    path_and_query: str,
    body: bytes = b"",
    *,
    timestamp: str | None = None,
    nonce: str | None = None,
    key_id: str | None = None,
    signature: str | None = None,
) -> dict[str, str]:
    """The ``Authorization`` header (and content type) of a request signed by ``platform``; any part can be
    overridden to build a bad request."""
    timestamp = timestamp or rfc3339(utcnow())
    nonce = nonce or secrets.token_urlsafe(18)
    if signature is None:
        signature = platform.sign(string_to_sign(method, path_and_query, timestamp, nonce, body))
    header = (
        f'{SCHEME} key_id="{key_id or platform.key_id}", timestamp="{timestamp}", nonce="{nonce}", '
        f'signature="{signature}"'
    )
    return {"Authorization": header, "Content-Type": "application/json"}


def call(
    client: FlaskClient,
    platform: Platform,
    method: str,
    path_and_query: str,
    payload: Any = None,
    *,
    body: bytes | None = None,
    **overrides: Any,
) -> Any:
    """Send a signed request with the test client; ``payload`` is sent as compact JSON (or ``body`` as is)."""
    if body is None:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    headers = signed_headers(platform, method, path_and_query, body, **overrides)
    return client.open(path_and_query, method=method, data=body, headers=headers)


def skewed(seconds: int) -> str:
    return rfc3339(utcnow() + timedelta(seconds=seconds))
