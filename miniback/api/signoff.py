"""Use-unit sign-off: managers list what awaits them, read a record, sign it, object; subscriptions for pushes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from flask import current_app
from pydantic import Field

from miniback.api import bp
from miniback.api.fields import Out, Page, text
from miniback.api.pagination import paginate
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.errors import NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import (
    SIGNOFF_STATES,
    WECHAT_ROLES,
    Account,
    MaintenanceRecord,
    SignoffEvent,
    SignoffState,
    utcnow,
)
from miniback.records.signature import check_signature_png, decode_base64
from signoff.operations import Signature, object_to, resolve_objection, sign
from signoff.push import grant_subscriptions

SIGNATURE_MAX_BYTES = 2 * 1024 * 1024  # the configured SIGNATURE_MAX_BYTES is checked after decoding
SignoffStateName = Literal[SIGNOFF_STATES]  # type: ignore[valid-type]


class ElevatorBrief(Out):
    id: int
    public_code: str
    device_code: str | None
    registration_code: str | None
    address: str
    position: str | None


class SignoffOut(Out):
    record_id: int
    elevator_id: int
    use_unit_id: int | None
    maintenance_unit_id: int
    maintenance_day: date
    submitted_at: datetime
    deadline_at: datetime
    state: str
    pushed_at: datetime | None
    decided_at: datetime | None
    signed_by_id: int | None
    signature_hash: str | None
    objection_open: bool
    objection_reason: str | None
    elevator: ElevatorBrief


class EventOut(Out):
    id: int
    kind: str
    actor_id: int | None
    occurred_at: datetime
    deadline_at: datetime | None
    pushed_at: datetime | None
    signature_hash: str | None
    reason: str | None


class RecordBrief(Out):
    id: int
    category: str
    maintenance_day: date
    received_at: datetime
    late_upload: bool
    technician_id: int
    check_in_at: datetime
    check_out_at: datetime
    remarks: str | None
    content_hash: str


class SignoffDetailOut(SignoffOut):
    record: RecordBrief
    events: list[EventOut]


class SignoffQuery(Page):
    state: SignoffStateName = "pending"  # type: ignore[valid-type]


class SignIn(Schema):
    signature_png: str = Field(min_length=16, max_length=SIGNATURE_MAX_BYTES * 4 // 3 + 8)


class ObjectionIn(Schema):
    reason: text(500)  # type: ignore[valid-type]


class ResolveIn(Schema):
    note: text(500)  # type: ignore[valid-type]


class SubscriptionsIn(Schema):
    template_ids: list[text(64)] = Field(min_length=1, max_length=10)  # type: ignore[valid-type]


class QuotaOut(Out):
    template_id: str
    remaining: int


class SubscriptionsOut(Out):
    quotas: list[QuotaOut] = Field(description="上报的每个模板此后剩余的可推送次数")


def get_signoff_or_404(record_id: int, actor: Account) -> SignoffState:
    """A record's sign-off as seen by a manager of its use unit, or by its maintenance unit's staff."""
    query = db.select(SignoffState).where(SignoffState.record_id == record_id)
    if actor.use_unit_id is not None:
        query = query.where(SignoffState.use_unit_id == actor.use_unit_id)
    elif actor.maintenance_unit_id is not None:
        query = query.where(SignoffState.maintenance_unit_id == actor.maintenance_unit_id)
    else:
        raise NotFound("找不到该维保记录")
    state = db.session.execute(query).scalar_one_or_none()
    if state is None:
        raise NotFound("找不到该维保记录")
    return state


def _signature(encoded: str) -> Signature:
    encoded = encoded.removeprefix("data:image/png;base64,")
    png = decode_base64(encoded, "signature_png")
    width, height = check_signature_png(png, "signature_png")
    return Signature(png=png, width=width, height=height)


def _out(state: SignoffState) -> dict[str, Any]:
    return SignoffOut.model_validate(state).model_dump(mode="json")


def _detail(state: SignoffState) -> dict[str, Any]:
    record = db.session.get(MaintenanceRecord, state.record_id)
    events = db.session.execute(
        db.select(SignoffEvent).where(SignoffEvent.record_id == state.record_id).order_by(SignoffEvent.id)
    ).scalars()
    data = _out(state)
    data["record"] = RecordBrief.model_validate(record).model_dump(mode="json")
    data["events"] = [EventOut.model_validate(event).model_dump(mode="json") for event in events]
    return data


@bp.get("/signoff/records")
@documented(
    "使用单位安全管理人员：本单位的待签名（或按状态筛选）维保记录，按截止时间排序",
    query=SignoffQuery,
    response=SignoffOut,
    list_response=True,
    roles=("uu_manager",),
)
@login_required("uu_manager")
def list_signoffs() -> Any:
    args = query_args(SignoffQuery)
    actor = current_account()
    query = db.select(SignoffState).where(
        SignoffState.use_unit_id == actor.use_unit_id, SignoffState.state == args.state
    )
    if args.state == "pending":
        # Past its deadline a record can no longer be signed, even if the job has not confirmed it yet.
        query = query.where(SignoffState.deadline_at > utcnow())
    query = query.order_by(SignoffState.deadline_at, SignoffState.record_id)
    return paginate(query, args.page, args.per_page, SignoffOut)


@bp.get("/signoff/records/<int:record_id>")
@documented("维保记录签名确认详情（含签名确认事件）", response=SignoffDetailOut)
@login_required("uu_manager", "mu_admin", "mu_supervisor")
def get_signoff(record_id: int) -> Any:
    return _detail(get_signoff_or_404(record_id, current_account()))


@bp.post("/signoff/records/<int:record_id>/sign")
@documented(
    "签名确认（截止时间前；重复签名不改变结果）",
    body=SignIn,
    response=SignoffOut,
    roles=("uu_manager",),
    status=201,
    responses={200: "已签名过：结果不变"},
)
@login_required("uu_manager")
def sign_record(record_id: int) -> Any:
    actor = current_account()
    state = get_signoff_or_404(record_id, actor)
    signature = _signature(json_body(SignIn).signature_png)
    state, signed_now = sign(state.record_id, actor, signature, now=utcnow())
    db.session.commit()
    return _out(state), (201 if signed_now else 200)


@bp.post("/signoff/records/<int:record_id>/objection")
@documented(
    "提出异议：截止前代替签名，或默认签名确认后的异议期内",
    body=ObjectionIn,
    response=SignoffOut,
    roles=("uu_manager",),
    status=201,
)
@login_required("uu_manager")
def object_to_record(record_id: int) -> Any:
    actor = current_account()
    state = get_signoff_or_404(record_id, actor)
    reason = json_body(ObjectionIn).reason
    period = timedelta(days=current_app.config["SIGNOFF_OBJECTION_DAYS"])
    state = object_to(state.record_id, actor, reason, now=utcnow(), objection_period=period)
    db.session.commit()
    return _out(state), 201


@bp.post("/signoff/records/<int:record_id>/objection/resolve")
@documented(
    "异议处理完毕（维保单位处理后登记，或安全管理人员撤回）",
    body=ResolveIn,
    response=SignoffOut,
    roles=("uu_manager", "mu_admin", "mu_supervisor"),
)
@login_required("uu_manager", "mu_admin", "mu_supervisor")
def resolve_record_objection(record_id: int) -> Any:
    actor = current_account()
    state = get_signoff_or_404(record_id, actor)
    note = json_body(ResolveIn).note
    state = resolve_objection(state.record_id, actor, note, now=utcnow())
    db.session.commit()
    return _out(state)


@bp.post("/wechat/subscriptions")
@documented(
    "小程序上报 wx.requestSubscribeMessage 中用户同意（accept）的模板，每次同意计一次可推送额度",
    body=SubscriptionsIn,
    response=SubscriptionsOut,
    roles=WECHAT_ROLES,
)
@login_required(*WECHAT_ROLES)
def report_subscriptions() -> Any:
    from signoff.push import remaining_quota

    actor = current_account()
    template_ids = json_body(SubscriptionsIn).template_ids
    known = {current_app.config["WECHAT_SIGNOFF_TEMPLATE_ID"]}
    unknown = [template_id for template_id in template_ids if template_id not in known]
    if unknown:
        raise ValidationFailed(fields={"template_ids": f"未知的订阅消息模板：{', '.join(unknown)}"})
    grant_subscriptions(actor, template_ids, now=utcnow())
    db.session.commit()
    quotas = [{"template_id": t, "remaining": remaining_quota(actor.id, t)} for t in sorted(set(template_ids))]
    return {"quotas": quotas}
