"""Use-unit sign-off: managers list what awaits them, read a record, sign it, object; subscriptions for pushes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app
from pydantic import Field, model_validator

from jobs.enqueue import after_signoff_reopened, enqueue_callback_dispatch
from miniback.access import get_signoff_or_404, record_scope, signoff_scope
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import Out, Page, Paragraphs500, SignatureB64, Text64
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.database.conflicts import redone_on_conflict
from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import (
    ROLES,
    WECHAT_ROLES,
    Account,
    MaintenanceRecord,
    SignoffEvent,
    SignoffState,
    utcnow,
)
from miniback.models.signoff import SignoffStateName
from miniback.records.signature import check_signature_png, decode_base64
from signoff.operations import Signature, object_to, resolve_objection, sign
from signoff.push import (
    PushStatus,
    PushStatusName,
    RecipientOutcomeName,
    grant_subscriptions,
    push_statuses,
    unreached,
)

bp = Blueprint("signoff", __name__)


class ElevatorBrief(Out):
    id: int
    public_code: str
    device_code: str | None
    registration_code: str | None
    address: str
    position: str | None


class PushRecipientOut(Out):
    account_id: int
    name: str
    outcome: RecipientOutcomeName
    label: str
    at: datetime | None


class SignoffOut(Out):
    record_id: int
    elevator_id: int
    use_unit_id: int | None
    maintenance_unit_id: int
    maintenance_day: date
    submitted_at: datetime
    deadline_at: datetime
    state: str
    round_no: int
    reopened_at: datetime | None
    pushed_at: datetime | None
    decided_at: datetime | None
    signed_by_id: int | None
    signature_hash: str | None
    objection_open: bool
    objection_reason: str | None
    elevator: ElevatorBrief
    # Whether the sign-off request reached a manager, so nobody mistakes silence for a record nobody needs to see.
    push_outcome: PushStatusName
    push_outcome_label: str
    push_recipients: list[PushRecipientOut]

    @model_validator(mode="before")
    @classmethod
    def _with_push_status(cls, value: Any) -> Any:
        if isinstance(value, SignoffState):
            return _with_push(value, push_statuses([value])[value.record_id])
        return value


_STATE_FIELDS = [name for name in SignoffOut.model_fields if not name.startswith("push_")]


def _with_push(state: SignoffState, status: PushStatus) -> dict[str, Any]:
    data = {name: getattr(state, name) for name in _STATE_FIELDS}
    data.update(push_outcome=status.outcome, push_outcome_label=status.label, push_recipients=status.recipients)
    return data


def _with_push_statuses(states: Sequence[SignoffState]) -> list[dict[str, Any]]:
    """A page of sign-offs with their push statuses, loaded for the whole page at once."""
    statuses = push_statuses(states)
    return [_with_push(state, statuses[state.record_id]) for state in states]


class EventOut(Out):
    id: int
    kind: str
    actor_id: int | None
    actor_name: str | None = Field(None, description="操作人姓名（签名、异议、异议处理的人；系统事件为 null）")
    occurred_at: datetime
    deadline_at: datetime | None
    pushed_at: datetime | None
    signature_hash: str | None
    reason: str | None
    consent_id: int | None = Field(None, description="默认签名确认所依据的使用单位同意书（四(三)）")


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
    state: SignoffStateName | None = Field(
        None,
        description="签名确认状态；pending 只列仍可签名（未过截止时间）的记录。"
        "state 与 objection_open 都不给时为 pending（安全管理人员的待签名列表）",
    )
    objection_open: bool | None = Field(None, description="true：有未处理异议的记录（含截止前异议与默认确认后的异议）")


class SignIn(Schema):
    signature_png: SignatureB64


class ObjectionIn(Schema):
    reason: Paragraphs500


class ResolveIn(Schema):
    note: Paragraphs500


class SubscriptionsIn(Schema):
    template_ids: list[Text64] = Field(min_length=1, max_length=10)


class QuotaOut(Out):
    template_id: str
    remaining: int


class SubscriptionsOut(Out):
    quotas: list[QuotaOut] = Field(description="上报的每个模板此后剩余的可推送次数")


def _signature(encoded: str) -> Signature:
    encoded = encoded.removeprefix("data:image/png;base64,")
    png = decode_base64(encoded, "signature_png")
    width, height = check_signature_png(png, "signature_png")
    return Signature(png=png, width=width, height=height)


def _out(state: SignoffState) -> dict[str, Any]:
    return SignoffOut.model_validate(state).model_dump(mode="json")


def _detail(state: SignoffState) -> dict[str, Any]:
    record = db.session.get(MaintenanceRecord, state.record_id)
    events = list(
        db.session.execute(
            db.select(SignoffEvent).where(SignoffEvent.record_id == state.record_id).order_by(SignoffEvent.id)
        ).scalars()
    )
    # Who acted (signer, objector, resolver), by name, in one query for the record's few events.
    actor_ids = {event.actor_id for event in events if event.actor_id is not None}
    names = dict(
        db.session.execute(db.select(Account.id, Account.name).where(Account.id.in_(actor_ids))).tuples().all()
    )
    data = _out(state)
    data["record"] = RecordBrief.model_validate(record).model_dump(mode="json")
    data["events"] = [
        EventOut.model_validate(event).model_dump(mode="json") | {"actor_name": names.get(event.actor_id or 0)}
        for event in events
    ]
    return data


@bp.get("/signoff/records")
@documented(
    "按权限范围列出维保记录的签名确认（默认：待签名，按截止时间排序；可按状态、未处理异议筛选）",
    query=SignoffQuery,
    response=SignoffOut,
    list_response=True,
)
@login_required(*ROLES)
def list_signoffs() -> Any:
    return signoff_page(current_account(), query_args(SignoffQuery))


def signoff_page(actor: Account, args: SignoffQuery) -> dict[str, Any]:
    """The sign-offs of the records in the actor's scope; with no filter, the ones still awaiting a signature."""
    query = db.select(SignoffState).where(signoff_scope(actor))
    state = args.state if args.state is not None or args.objection_open is not None else "pending"
    if state is not None:
        query = query.where(SignoffState.state == state)
    if state == "pending":
        # Past its deadline a record can no longer be signed, even if the job has not confirmed it yet.
        query = query.where(SignoffState.deadline_at > utcnow())
    if args.objection_open is not None:
        query = query.where(SignoffState.objection_open == args.objection_open)
    query = query.order_by(SignoffState.deadline_at, SignoffState.record_id)
    return paginate(query, args.page, args.per_page, SignoffOut, prepare=_with_push_statuses)


@bp.get("/signoff/records/<int:record_id>")
@documented("维保记录签名确认详情（含签名确认事件）；可查看该记录的人都可查看", response=SignoffDetailOut)
@login_required(*ROLES)
def get_signoff(record_id: int) -> Any:
    return _detail(get_signoff_or_404(record_id, current_account()))


@bp.post("/signoff/records/<int:record_id>/sign")
@documented(
    "签名确认（截止时间前；重复签名不改变结果）",
    body=SignIn,
    response=SignoffOut,
    status=201,
    responses={200: "已签名过：结果不变"},
)
@login_required("uu_manager")
@redone_on_conflict
def sign_record(record_id: int) -> Any:
    actor = current_account()
    state = get_signoff_or_404(record_id, actor)
    signature = _signature(json_body(SignIn).signature_png)
    state, signed_now = sign(state.record_id, actor, signature, now=utcnow())
    db.session.commit()
    if signed_now:
        enqueue_callback_dispatch(record_ids=[state.record_id])  # an uploading platform is told (never raises)
    return _out(state), (201 if signed_now else 200)


@bp.post("/signoff/records/<int:record_id>/objection")
@documented(
    "提出异议：截止前代替签名，或默认签名确认后的异议期内",
    body=ObjectionIn,
    response=SignoffOut,
    status=201,
)
@login_required("uu_manager")
@redone_on_conflict
def object_to_record(record_id: int) -> Any:
    actor = current_account()
    state = get_signoff_or_404(record_id, actor)
    reason = json_body(ObjectionIn).reason
    period = timedelta(days=current_app.config["SIGNOFF_OBJECTION_DAYS"])
    state = object_to(state.record_id, actor, reason, now=utcnow(), objection_period=period)
    db.session.commit()
    enqueue_callback_dispatch(record_ids=[state.record_id])
    return _out(state), 201


@bp.post("/signoff/records/<int:record_id>/objection/resolve")
@documented(
    "异议处理完毕（维保单位处理后登记，或安全管理人员撤回）；截止前提出的异议处理后重新开放签名确认（新的截止时间）",
    body=ResolveIn,
    response=SignoffOut,
)
@login_required("uu_manager", "mu_admin", "mu_supervisor")
@redone_on_conflict
def resolve_record_objection(record_id: int) -> Any:
    actor = current_account()
    state = get_signoff_or_404(record_id, actor)
    note = json_body(ResolveIn).note
    window = timedelta(seconds=current_app.config["SIGNOFF_MIN_WINDOW_SECONDS"])
    state = resolve_objection(state.record_id, actor, note, now=utcnow(), min_window=window)
    db.session.commit()
    if state.state == "pending":
        after_signoff_reopened(state.record_id, state.round_no, state.deadline_at)
    return _out(state)


@bp.post("/wechat/subscriptions")
@documented(
    "小程序上报 wx.requestSubscribeMessage 中用户同意（accept）的模板，每次同意计一次可推送额度",
    body=SubscriptionsIn,
    response=SubscriptionsOut,
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


class UnreachedQuery(Page):
    state: SignoffStateName = "pending"


UNREACHED_ROLES = ("mu_admin", "mu_supervisor", "uu_admin")


@bp.get("/signoff/unreached")
@documented(
    "推送未送达任何人的维保记录（没有已绑定微信的安全管理人员、订阅次数用完或推送失败），默认列出待签名的，"
    "按截止时间排序：请电话联系使用单位在截止前签名",
    query=UnreachedQuery,
    response=SignoffOut,
    list_response=True,
)
@login_required(*UNREACHED_ROLES)
def list_unreached_signoffs() -> Any:
    args = query_args(UnreachedQuery)
    query = (
        db.select(SignoffState)
        .join(MaintenanceRecord, MaintenanceRecord.id == SignoffState.record_id)
        .where(record_scope(current_account()), SignoffState.state == args.state, unreached())
        .order_by(SignoffState.deadline_at, SignoffState.record_id)
    )
    return paginate(query, args.page, args.per_page, SignoffOut, prepare=_with_push_statuses)
