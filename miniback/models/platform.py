"""The data interface (数据接口) for in-house and third-party platforms: the platforms, their public keys, their
history, the maintenance units' authorisations, the signed requests kept as evidence, the uploads they made,
the calls they made (for the conformance report and the figures) and the callbacks sent to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Computed, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.records import ImageBytes
from miniback.models.types import UTCDateTime, utcnow

PlatformStatus = Literal["testing", "connected", "suspended", "revoked"]
PLATFORM_STATUSES: tuple[PlatformStatus, ...] = get_args(PlatformStatus)
KeyAlgorithm = Literal["ed25519", "rsa-sha256"]
KEY_ALGORITHMS: tuple[KeyAlgorithm, ...] = get_args(KeyAlgorithm)
# The account every platform acts as where an account is recorded (a delay notice's ``filed_by``); it never logs in.
PLATFORM_ROLE = "platform_client"
MAX_ACTIVE_KEYS = 2
UploadKind = Literal["record", "delay_notice"]
UPLOAD_KINDS: tuple[UploadKind, ...] = get_args(UploadKind)
CallbackStatus = Literal["pending", "delivered", "failed"]
CALLBACK_STATUSES: tuple[CallbackStatus, ...] = get_args(CallbackStatus)


class PlatformClient(Model):
    """A third-party or in-house maintenance platform (第三方维保平台), registered by the platform operator.

    ``code`` is its short public name: the records it uploads carry ``source = "platform:<code>"``. Only public
    keys are kept (``PlatformKey``): a leaked database holds no secret a forger could use.
    """

    __tablename__ = "platform_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(23), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    company_name: Mapped[str] = mapped_column(String(100))
    company_credit_code: Mapped[str] = mapped_column(String(18))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(100))
    callback_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="testing")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped to rotate the callback signing secret, which is derived from the app's secret key, never stored.
    webhook_secret_version: Mapped[int] = mapped_column(default=1)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlatformKey(Model):
    """A public key a platform signs its requests with (Ed25519, or RSA-2048 with SHA-256 and PKCS#1 v1.5).

    At most ``MAX_ACTIVE_KEYS`` are active at once so a key can rotate; a retired key stays, so the signatures
    kept with old records still verify.
    """

    __tablename__ = "platform_key"
    __table_args__ = (Index("ix_platform_key_client", "platform_client_id", "retired_at"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    platform_client_id: Mapped[int] = mapped_column(ForeignKey("platform_client.id"))
    algorithm: Mapped[str] = mapped_column(String(16))
    public_key_pem: Mapped[str] = mapped_column(Text)
    # SHA-256 of the key's DER SubjectPublicKeyInfo: the same key cannot be registered twice.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlatformClientEvent(Model):
    """Every change of a platform (registration, details, keys, status with its reason). Insert-only."""

    __tablename__ = "platform_client_event"
    __table_args__ = (Index("ix_platform_client_event_client", "platform_client_id", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_client_id: Mapped[int] = mapped_column(ForeignKey("platform_client.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The operator's account, or None when the platform itself acted (a key it rotated, signed with ``key_id``).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    key_id: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlatformAuthorisation(Model):
    """A maintenance unit's authorisation of a platform to act for it (四(四)); a revocation ends it, and a new
    grant is a new row, so the history stays."""

    __tablename__ = "platform_authorisation"
    __table_args__ = (
        # One live authorisation per (platform, unit): ``live_key`` is 1 while live and NULL once revoked, and a
        # unique key treats NULLs as distinct, so revoked rows never collide.
        UniqueConstraint(
            "platform_client_id", "maintenance_unit_id", "live_key", name="uq_platform_authorisation_live"
        ),
        Index("ix_platform_authorisation_unit", "maintenance_unit_id", "id"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_client_id: Mapped[int] = mapped_column(ForeignKey("platform_client.id"))
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    live_key: Mapped[int | None] = mapped_column(
        Computed("case when revoked_at is null then 1 else null end", persisted=True), nullable=True
    )


class PlatformRequest(Model):
    """A signed request that created something, kept whole as the evidence of its origin. Insert-only.

    With the key it names, ``method``, ``path``, ``signed_timestamp``, ``nonce`` and the SHA-256 of ``body``
    rebuild the exact string the platform signed, so ``ledger verify`` can check ``signature`` years later.
    """

    __tablename__ = "platform_request"
    __table_args__ = (Index("ix_platform_request_client", "platform_client_id", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_client_id: Mapped[int] = mapped_column(ForeignKey("platform_client.id"))
    key_id: Mapped[str] = mapped_column(String(40))
    sandbox: Mapped[bool] = mapped_column(default=False)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1000))  # with ``?query`` when there is one, exactly as signed
    signed_timestamp: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[str] = mapped_column(String(64))
    body_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(700))  # base64; an RSA-2048 signature is 344 characters
    body: Mapped[bytes] = mapped_column(ImageBytes)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlatformUpload(Model):
    """What a platform's own id maps to: the record (or delay notice) its upload created. Insert-only.

    Unique per (platform, sandbox, kind, platform's id): the same id again is the same upload (200 with the
    existing object when ``item_sha256`` matches, 409 when it does not), never a second record. A sandbox upload
    creates no record: ``record_id`` is NULL and ``summary`` keeps what the record would have been.
    """

    __tablename__ = "platform_upload"
    __table_args__ = (
        UniqueConstraint("platform_client_id", "sandbox", "kind", "platform_ref", name="uq_platform_upload_ref"),
        Index("ix_platform_upload_record", "record_id"),
        Index("ix_platform_upload_client_created", "platform_client_id", "sandbox", "created_at"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_client_id: Mapped[int] = mapped_column(ForeignKey("platform_client.id"))
    sandbox: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[str] = mapped_column(String(16), default="record")
    platform_ref: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the item's canonical JSON (sorted keys, UTF-8, no insignificant whitespace), as sent.
    item_sha256: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int] = mapped_column(ForeignKey("platform_request.id"))
    item_index: Mapped[int] = mapped_column(default=0)  # its position in a batch (0 for a single upload)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_record.id"))
    delay_notice_id: Mapped[int | None] = mapped_column(ForeignKey("delay_notice.id"))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlatformCall(Model):
    """One answered call of a platform (accepted or refused), for the conformance report and the figures.

    ``results`` holds one ``{"result", "code"}`` per batch item (``code`` is the error code of a refused item).
    """

    __tablename__ = "platform_call"
    __table_args__ = (Index("ix_platform_call_client", "platform_client_id", "sandbox", "created_at"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_client_id: Mapped[int] = mapped_column(ForeignKey("platform_client.id"))
    sandbox: Mapped[bool] = mapped_column(default=False)
    operation: Mapped[str] = mapped_column(String(32))
    status: Mapped[int]
    error_code: Mapped[str | None] = mapped_column(String(64))
    results: Mapped[list[Any] | None] = mapped_column(JSON)
    key_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlatformCallback(Model):
    """A notification to a platform (Standard Webhooks) that one of its records was signed, default-confirmed or
    objected to. One per sign-off event (``event_id`` unique); sandbox ones come from simulated events."""

    __tablename__ = "platform_callback"
    __table_args__ = (
        Index("ix_platform_callback_due", "status", "next_attempt_at"),
        Index("ix_platform_callback_client", "platform_client_id", "sandbox", "created_at"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(40), unique=True)
    platform_client_id: Mapped[int] = mapped_column(ForeignKey("platform_client.id"))
    sandbox: Mapped[bool] = mapped_column(default=False)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("signoff_event.id"), unique=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("platform_upload.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body sent (and signed)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlatformCallbackAttempt(Model):
    """Each delivery attempt of a callback, with what came back."""

    __tablename__ = "platform_callback_attempt"
    __table_args__ = (Index("ix_platform_callback_attempt_callback", "callback_id", "attempt_no"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("platform_callback.id"))
    attempt_no: Mapped[int]
    url: Mapped[str] = mapped_column(String(500))
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int]
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
