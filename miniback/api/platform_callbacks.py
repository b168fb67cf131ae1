"""Callbacks: the secret a platform verifies them with, the sandbox's simulated sign-off outcomes (signed routes),
and the operator's log of the deliveries to a platform."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any, Literal

from flask import Blueprint, current_app
from pydantic import Field
from redis.exceptions import RedisError

from jobs.enqueue import enqueue_delivery
from miniback.api.pagination import paginate
from miniback.api.platform_auth import current_caller, platform_required
from miniback.api.schemas.fields import Out, Page
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import login_required
from miniback.errors import Conflict, Forbidden, NotFound
from miniback.extensions import db
from miniback.models import PlatformCallback, PlatformCallbackAttempt, PlatformClient, PlatformUpload, utcnow
from miniback.platform.callbacks import CallbackEvent, simulate_event, webhook_secret

bp = Blueprint("platform_callbacks", __name__)
log = logging.getLogger("miniback.api")


class CallbackSecretOut(Out):
    secret: str = Field(description="Standard Webhooks 密钥（whsec_ 开头），用于校验我方回调的 webhook-signature")
    version: int = Field(description="密钥版本；轮换后版本加一，旧密钥随即失效")


@bp.get("/platform/callback-secret")
@documented("回调签名密钥（Standard Webhooks）：校验我方回调请求的 webhook-signature", response=CallbackSecretOut)
@platform_required(operation="callback_secret")
def callback_secret() -> Any:
    client = current_caller().client
    return {
        "secret": webhook_secret(client, current_app.config["SECRET_KEY"]),
        "version": client.webhook_secret_version,
    }


class SandboxEventIn(Schema):
    event: CallbackEvent = Field(
        description="模拟的签名确认结果：signed 签名确认、default_confirmed 默认签名确认、objected 异议"
    )


class CallbackSignoffOut(Out):
    state: str
    deadline_at: datetime | None
    decided_at: datetime | None
    objection_open: bool
    objection_reason: str | None


class SandboxEventOut(Out):
    webhook_id: str = Field(description="回调请求的 webhook-id（各次重试相同）")
    type: str = Field(description="回调类型：record.signed / record.default_confirmed / record.objected")
    status: Literal["pending", "delivered", "failed"]
    signoff: CallbackSignoffOut = Field(description="模拟之后的签名确认状态（按记录回读也是它）")


def _sandbox_upload(platform_record_id: str) -> PlatformUpload:
    caller = current_caller()
    if not caller.sandbox:
        raise Forbidden("仅沙箱（对接测试中的平台）可以模拟签名确认结果", code="not_in_sandbox")
    upload: PlatformUpload | None = db.session.execute(
        db.select(PlatformUpload).where(
            PlatformUpload.platform_client_id == caller.client.id,
            PlatformUpload.sandbox.is_(True),
            PlatformUpload.kind == "record",
            PlatformUpload.platform_ref == platform_record_id,
        )
    ).scalar_one_or_none()
    if upload is None:
        raise NotFound("沙箱中没有该平台记录编号的上传")
    return upload


@bp.post("/platform/sandbox/records/<platform_ref>/events")
@documented(
    "沙箱：模拟一条沙箱上传记录的签名确认结果，我方随即向回调地址发送对应回调（与正式环境相同的格式、签名与重试）",
    body=SandboxEventIn,
    response=SandboxEventOut,
    status=202,
)
@platform_required(operation="sandbox_event")
def simulate_sandbox_event(platform_ref: str) -> Any:
    upload = _sandbox_upload(platform_ref)
    event = json_body(SandboxEventIn).event
    if not current_caller().client.callback_url:
        raise Conflict("平台尚未登记回调地址，请联系平台运营方登记后再试", code="callback_url_missing")
    window = timedelta(seconds=current_app.config["SIGNOFF_MIN_WINDOW_SECONDS"])
    callback = simulate_event(upload, event, now=utcnow(), min_window=window)
    db.session.commit()
    try:
        enqueue_delivery(callback.id, 1)
    except RedisError:
        log.exception("沙箱回调 %s 未能入队；由巡检补发", callback.webhook_id)
    signoff = SandboxEventOut.model_validate(
        {
            "webhook_id": callback.webhook_id,
            "type": callback.event_type,
            "status": callback.status,
            "signoff": _payload_signoff(callback),
        }
    )
    return signoff.model_dump(mode="json"), 202


def _payload_signoff(callback: PlatformCallback) -> dict[str, Any]:
    signoff: dict[str, Any] = json.loads(callback.payload)["data"]["signoff"]
    return signoff


class AttemptOut(Out):
    attempt_no: int
    url: str
    status_code: int | None
    error: str | None
    duration_ms: int
    attempted_at: datetime


class CallbackOut(Out):
    id: int
    webhook_id: str
    event_type: str
    sandbox: bool
    status: str
    attempts: int = Field(description="已尝试投递的次数")
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    platform_record_id: str
    record_id: int | None
    attempt_log: list[AttemptOut] = Field(description="每次投递尝试：回调地址、HTTP 状态或错误、耗时")


class CallbacksQuery(Page):
    status: Literal["pending", "delivered", "failed"] | None = None
    sandbox: bool | None = None


def _with_attempts(callbacks: Any) -> list[dict[str, Any]]:
    """A page of callbacks with their uploads' ids and every attempt, loaded for the page at once."""
    ids = [callback.id for callback in callbacks]
    uploads = {
        upload_id: (ref, record_id)
        for upload_id, ref, record_id in db.session.execute(
            db.select(PlatformUpload.id, PlatformUpload.platform_ref, PlatformUpload.record_id).where(
                PlatformUpload.id.in_([callback.upload_id for callback in callbacks])
            )
        ).tuples()
    }
    attempts: dict[int, list[PlatformCallbackAttempt]] = {callback_id: [] for callback_id in ids}
    for attempt in db.session.execute(
        db.select(PlatformCallbackAttempt)
        .where(PlatformCallbackAttempt.callback_id.in_(ids))
        .order_by(PlatformCallbackAttempt.callback_id, PlatformCallbackAttempt.attempt_no)
    ).scalars():
        attempts[attempt.callback_id].append(attempt)
    return [
        {
            name: getattr(callback, name)
            for name in CallbackOut.model_fields
            if name not in ("platform_record_id", "record_id", "attempt_log")
        }
        | {
            "platform_record_id": uploads[callback.upload_id][0],
            "record_id": uploads[callback.upload_id][1],
            "attempt_log": attempts[callback.id],
        }
        for callback in callbacks
    ]


@bp.get("/platforms/<int:platform_id>/callbacks")
@documented(
    "平台回调记录：最近的回调（新的在前）及每次投递尝试；可按状态、是否沙箱筛选",
    query=CallbacksQuery,
    response=CallbackOut,
    list_response=True,
)
@login_required("platform_operator")
def list_platform_callbacks(platform_id: int) -> Any:
    if db.session.get(PlatformClient, platform_id) is None:
        raise NotFound("找不到该平台")
    args = query_args(CallbacksQuery)
    query = db.select(PlatformCallback).where(PlatformCallback.platform_client_id == platform_id)
    if args.status is not None:
        query = query.where(PlatformCallback.status == args.status)
    if args.sandbox is not None:
        query = query.where(PlatformCallback.sandbox.is_(args.sandbox))
    query = query.order_by(PlatformCallback.created_at.desc(), PlatformCallback.id.desc())
    return paginate(query, args.page, args.per_page, CallbackOut, prepare=_with_attempts)
