"""A platform's lifecycle (数据接口对接平台): registration by the platform operator, its details, its public keys and
its status, every change kept as a ``PlatformClientEvent`` (who, when, why).

The states (DESIGN.md §3): ``testing`` is the sandbox; the operator promotes a platform to ``connected`` once its
conformance report is all green; ``connected`` ⇄ ``suspended`` is the dynamic management of the published list;
``revoked`` is final. A platform acts as an account of its own (``PLATFORM_ROLE``) wherever an account is recorded;
that account has no password and no WeChat binding, so it can never log in.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from miniback.errors import Conflict, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import (
    MAX_ACTIVE_KEYS,
    PLATFORM_ROLE,
    Account,
    PlatformClient,
    PlatformClientEvent,
    PlatformKey,
    utcnow,
)
from miniback.platform.callback_urls import check_callback_url
from miniback.platform.conformance import conformance_report
from miniback.platform.signing import new_key_id
from miniback.registry.credit_code import credit_code_problem
from signoff.ledger.origin import KeyRefused, load_public_key

CODE_PATTERN = re.compile(r"^[a-z0-9-]{3,23}$")
CODE_RULE = "平台代码为 3–23 位小写字母、数字或连字符"
# The details the operator keeps current (the code, which records carry as their source, never changes).
DETAIL_FIELDS = (
    "name",
    "company_name",
    "company_credit_code",
    "contact_name",
    "contact_phone",
    "contact_email",
    "callback_url",
)
CLEARABLE_FIELDS = ("contact_email", "callback_url")
STATUS_NAMES = {"testing": "对接测试中", "connected": "已完成对接", "suspended": "已暂停", "revoked": "已撤销"}
# (from, to) → the event's kind. Anything else is refused; ``revoked`` is reached from every other state.
TRANSITIONS = {
    ("testing", "connected"): "connected",
    ("connected", "suspended"): "suspended",
    ("suspended", "connected"): "reinstated",
    ("testing", "revoked"): "revoked",
    ("connected", "revoked"): "revoked",
    ("suspended", "revoked"): "revoked",
}
REASON_REQUIRED = ("suspended", "revoked")


def check_code(code: str) -> None:
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationFailed(fields={"code": CODE_RULE})


def _check_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationFailed(fields={"company_credit_code": problem})


def _check_callback_url(url: str | None) -> None:
    if url is not None:
        check_callback_url(url, allow_private=bool(current_app.config.get("PLATFORM_CALLBACK_ALLOW_PRIVATE", False)))


def _record(client: PlatformClient, kind: str, actor: Account | None, **fields: Any) -> PlatformClientEvent:
    event = PlatformClientEvent(
        platform_client_id=client.id, kind=kind, actor_id=actor.id if actor is not None else None, **fields
    )
    db.session.add(event)
    return event


def _refuse_if_revoked(client: PlatformClient) -> None:
    if client.status == "revoked":
        raise Conflict("该平台已撤销，不能再修改", code="platform_revoked")


def register_platform(details: dict[str, Any], actor: Account, public_key_pem: str | None = None) -> PlatformClient:
    """A new platform, in the sandbox (``testing``), with the account it acts as; optionally its first key.

    ``details``: ``code`` and the ``DETAIL_FIELDS`` (``contact_email`` and ``callback_url`` may be None).
    """
    check_code(details["code"])
    _check_credit_code(details["company_credit_code"])
    _check_callback_url(details.get("callback_url"))
    if db.session.execute(db.select(PlatformClient.id).where(PlatformClient.code == details["code"])).first():
        raise Conflict("该平台代码已被使用", fields={"code": "已被使用"}, code="duplicate_platform_code")
    # No username, password or openid: neither log-in can ever find this account (see ``miniback.auth``).
    account = Account(role=PLATFORM_ROLE, name=details["name"][:50])
    db.session.add(account)
    db.session.flush()
    client = PlatformClient(
        code=details["code"],
        **{field: details.get(field) for field in DETAIL_FIELDS},
        status="testing",
        status_changed_at=utcnow(),
        account_id=account.id,
        created_by_id=actor.id,
    )
    db.session.add(client)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another request took the code between the check and this write
        raise Conflict("该平台代码已被使用", fields={"code": "已被使用"}, code="duplicate_platform_code") from exc
    registered = {field: details.get(field) for field in ("code", *DETAIL_FIELDS)}
    _record(client, "registered", actor, to_status="testing", changes=registered)
    if public_key_pem is not None:
        add_key(client, public_key_pem, actor=actor)
    db.session.flush()
    return client


def update_platform(client: PlatformClient, changes: dict[str, Any], actor: Account) -> list[str]:
    """Change the platform's details; the event keeps each changed field's old and new value.

    ``changes`` holds only the fields the operator sent (a None ``contact_email`` / ``callback_url`` clears it).
    """
    _refuse_if_revoked(client)
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: "不支持该字段" for name in sorted(unknown)})
    emptied = [name for name, value in changes.items() if value is None and name not in CLEARABLE_FIELDS]
    if emptied:
        raise ValidationFailed(fields={name: "不能为空" for name in sorted(emptied)})
    if "company_credit_code" in changes:
        _check_credit_code(changes["company_credit_code"])
    if "callback_url" in changes:
        _check_callback_url(changes["callback_url"])
    changed: dict[str, list[Any]] = {}
    for field, new in changes.items():
        old = getattr(client, field)
        if old != new:
            setattr(client, field, new)
            changed[field] = [old, new]
    if changed:
        _record(client, "updated", actor, changes=changed)
        db.session.flush()
    return sorted(changed)


def active_keys(client: PlatformClient, *, for_update: bool = False) -> list[PlatformKey]:
    """The platform's active keys; ``for_update`` locks them, which serialises two changes of its key set.

    The key rows are locked, not the platform's row: a signed request's call log is written (in a transaction of
    its own) while the request's transaction is still open, and that insert must not wait on a lock the request
    itself holds.
    """
    query = (
        db.select(PlatformKey)
        .where(PlatformKey.platform_client_id == client.id, PlatformKey.retired_at.is_(None))
        .order_by(PlatformKey.id)
    )
    if for_update:
        query = query.with_for_update()
    return list(db.session.execute(query).scalars())


def keys_of(client: PlatformClient) -> list[PlatformKey]:
    """Every key of the platform, the retired ones too (old signatures still verify against them), newest first."""
    query = db.select(PlatformKey).where(PlatformKey.platform_client_id == client.id).order_by(PlatformKey.id.desc())
    return list(db.session.execute(query).scalars())


def _lock(client: PlatformClient) -> None:
    """Serialise the status changes of one platform on its row (operator routes only, see ``active_keys``)."""
    db.session.execute(db.select(PlatformClient.id).where(PlatformClient.id == client.id).with_for_update())
    db.session.refresh(client)


def add_key(
    client: PlatformClient, public_key_pem: str, *, actor: Account | None, signing_key_id: str | None = None
) -> PlatformKey:
    """Register a public key (Ed25519, or RSA-2048 to 4096 with SHA-256); at most ``MAX_ACTIVE_KEYS`` active.

    ``actor`` is the operator, or None when the platform rotates its own keys with a request signed by
    ``signing_key_id``.
    """
    _refuse_if_revoked(client)
    try:
        key = load_public_key(public_key_pem)
    except KeyRefused as refused:
        raise ValidationFailed(str(refused), fields={"public_key_pem": str(refused)}, code="key_refused") from None
    if len(active_keys(client, for_update=True)) >= MAX_ACTIVE_KEYS:
        raise Conflict(f"已有 {MAX_ACTIVE_KEYS} 个有效公钥，请先停用其中一个再添加", code="too_many_active_keys")
    already = "该公钥已登记过（同一公钥不能重复登记）"
    if db.session.execute(db.select(PlatformKey.id).where(PlatformKey.fingerprint == key.fingerprint)).first():
        raise Conflict(already, fields={"public_key_pem": already}, code="key_already_registered")
    row = PlatformKey(
        key_id=new_key_id(),
        platform_client_id=client.id,
        algorithm=key.algorithm,
        public_key_pem=key.pem,
        fingerprint=key.fingerprint,
        created_by_id=actor.id if actor is not None else None,
        created_at=utcnow(),
    )
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # the same key registered by another platform at the same moment
        raise Conflict(already, fields={"public_key_pem": already}, code="key_already_registered") from exc
    changes = {"key_id": row.key_id, "algorithm": row.algorithm, "fingerprint": row.fingerprint}
    _record(client, "key_added", actor, changes=changes, key_id=signing_key_id)
    db.session.flush()
    return row


def retire_key(
    client: PlatformClient, key_id: str, *, actor: Account | None, signing_key_id: str | None = None
) -> PlatformKey:
    """Stop accepting signatures by a key; the key stays (the signatures it made still verify). The last active key
    cannot be retired: the platform would lock itself out."""
    _refuse_if_revoked(client)
    active = active_keys(client, for_update=True)
    key = get_key_or_404(client, key_id)
    if key.retired_at is not None:
        raise Conflict("该公钥已停用", code="key_already_retired")
    if len(active) <= 1:
        raise Conflict("这是唯一有效的公钥，请先添加新公钥再停用它", code="last_active_key")
    key.retired_at = utcnow()
    _record(client, "key_retired", actor, changes={"key_id": key.key_id}, key_id=signing_key_id)
    db.session.flush()
    return key


def change_status(client: PlatformClient, to_status: str, reason: str | None, actor: Account) -> PlatformClientEvent:
    """Move the platform along its lifecycle (``TRANSITIONS``); suspending and revoking need a reason.

    Going live (``testing`` → ``connected``) needs the conformance report all green. ``connected_at`` is the first
    go-live: a reinstated platform keeps it.
    """
    _lock(client)
    reason = (reason or "").strip() or None
    if to_status in REASON_REQUIRED and reason is None:
        raise ValidationFailed("暂停或撤销平台须填写原因", fields={"reason": "必填"}, code="reason_required")
    from_status = client.status
    kind = TRANSITIONS.get((from_status, to_status))
    if kind is None:
        raise Conflict(
            f"平台当前为「{STATUS_NAMES[from_status]}」，不能改为「{STATUS_NAMES.get(to_status, to_status)}」",
            code="invalid_transition",
        )
    if kind == "connected":
        report = conformance_report(client)
        if not report.all_passed:
            missing = "、".join(scenario.title for scenario in report.scenarios if not scenario.passed)
            raise Conflict(f"对接测试尚未全部通过：{missing}", code="conformance_incomplete")
    now = utcnow()
    client.status = to_status
    client.status_reason = reason
    client.status_changed_at = now
    if kind == "connected":
        client.connected_at = now
    event = _record(client, kind, actor, from_status=from_status, to_status=to_status, reason=reason, occurred_at=now)
    db.session.flush()
    return event


def events_of(client: PlatformClient) -> Any:
    """The platform's history, newest first (a select, for paging)."""
    return (
        db.select(PlatformClientEvent)
        .where(PlatformClientEvent.platform_client_id == client.id)
        .order_by(PlatformClientEvent.id.desc())
    )


def get_key_or_404(client: PlatformClient, key_id: str) -> PlatformKey:
    key = db.session.execute(
        db.select(PlatformKey).where(PlatformKey.platform_client_id == client.id, PlatformKey.key_id == key_id)
    ).scalar_one_or_none()
    if key is None:
        raise NotFound("找不到该公钥", code="key_not_found")
    return key
