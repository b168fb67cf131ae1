"""The signed machine routes platforms carry records in with (数据接口): the connection test, record uploads (one or a
batch), read-back, delay notices, and the look-ups integrators map their ids with (units, elevators, staff).

Every route is signed (``@platform_required``); a platform sees only what the units that authorised it own, and
reads back only its own uploads, in its own mode (sandbox or production). Anything else is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, g, request
from sqlalchemy import exists, func, or_

from jobs.enqueue import after_record_submitted
from miniback.api.pagination import paginate
from miniback.api.platform_auth import current_caller, platform_required, signed_path
from miniback.api.schemas.fields import Page
from miniback.api.schemas.platform import (
    MAX_BATCH_ITEMS,
    PLATFORM_REF_PATTERN,
    BatchOut,
    DelayNoticeResultOut,
    DelayNoticeUpload,
    PlatformDelayNoticeOut,
    PlatformElevatorOut,
    PlatformElevatorQuery,
    PlatformMeOut,
    PlatformRecordOut,
    PlatformStaffOut,
    PlatformStaffQuery,
    PlatformUnitOut,
    RecordBatch,
    RecordResultOut,
    RecordUpload,
)
from miniback.api.schemas.platforms import key_out
from miniback.api.validation import documented, parse, query_args
from miniback.database.conflicts import redo_on_conflict
from miniback.errors import ApiError, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, Elevator, ElevatorLocation, MaintenanceUnit, SignoffState
from miniback.models.platform import PlatformClient, PlatformUpload
from miniback.platform.authorisations import authorised_unit_count, authorised_unit_ids, is_authorised
from miniback.platform.callbacks import sandbox_signoff
from miniback.platform.clients import keys_of
from miniback.platform.signing import Caller
from miniback.platform.uploads import (
    Received,
    find_upload,
    keep_request,
    prior_uploads,
    receive_delay_notice,
    receive_record,
    replay,
    uploads_of,
)
from miniback.records.onsite import REFERENCE_KINDS
from qr.urls import public_url
from signoff.ledger.origins import item_sha256

bp = Blueprint("platform", __name__)

# A batch of 100 complete records with their signature images fits; a larger body is a 413 before it is read.
BATCH_MAX_BYTES = 8 * 1024 * 1024
SIGNED = "签名请求（MINIBACK-SIG-V1，见 docs/platform-api.md）。"


def _ref_of(raw: Any, name: str) -> str | None:
    """The platform's id in a raw item, if it is one (an item that fails validation may still name a known id)."""
    ref = raw.get(name) if isinstance(raw, dict) else None
    return ref if isinstance(ref, str) and re.fullmatch(PLATFORM_REF_PATTERN, ref) else None


def _json_object() -> dict[str, Any]:
    """The request's JSON object (the envelope): anything else fails the whole request."""
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, dict):
        raise ValidationFailed("请求体须为 JSON 对象（Content-Type: application/json）", code="malformed_json")
    return data


def _evidence(caller: Caller) -> tuple[int, datetime]:
    """Commit the signed request first, before any item: each upload row names it, and a crash mid-batch leaves the
    evidence of what was sent. Returns its id and our receive time (the same-day rule's)."""
    kept = keep_request(
        caller.client,
        key_id=caller.key.key_id,
        sandbox=caller.sandbox,
        method=request.method,
        path=signed_path(),
        signed_timestamp=caller.timestamp,
        nonce=caller.nonce,
        signature=caller.signature,
        body=request.get_data(cache=True),
    )
    request_id, received_at = kept.id, kept.received_at
    db.session.commit()
    return request_id, received_at


def _refusal(error: ValidationFailed) -> ValidationFailed:
    """A schema refusal of an upload: an unknown category has its own code, the rest is ``validation_error``."""
    if error.fields and set(error.fields) == {"category"}:
        error.code = "category_invalid"
        error.message = "维保类别不正确（half_month、quarter、half_year、year 之一）"
    return error


def _sandbox_signoff(upload: PlatformUpload) -> dict[str, Any]:
    """A sandbox upload's sign-off: after its latest simulated event (``POST /platform/sandbox/records/…/events``),
    else pending until the deadline it would have had."""
    simulated = sandbox_signoff(upload)
    if simulated is not None:
        return simulated
    summary = upload.summary or {}
    return {
        "state": "pending",
        "deadline_at": summary.get("deadline_at"),
        "decided_at": None,
        "objection_open": False,
        "objection_reason": None,
    }


def _signoff_of(record_id: int) -> dict[str, Any] | None:
    state = db.session.get(SignoffState, record_id)
    if state is None:
        return None
    return {
        "state": state.state,
        "deadline_at": state.deadline_at,
        "decided_at": state.decided_at,
        "objection_open": state.objection_open,
        "objection_reason": state.objection_reason,
    }


def record_out(upload: PlatformUpload, *, fresh: Received | None = None) -> dict[str, Any]:
    """PlatformRecordOut of an upload; ``fresh``: just created here, so its sign-off is the pending one it opened."""
    summary = upload.summary or {}
    if upload.sandbox or upload.record_id is None:
        signoff: dict[str, Any] | None = _sandbox_signoff(upload)
        url = None
    else:
        if fresh is not None and fresh.signoff_deadline is not None:
            signoff = {"state": "pending", "deadline_at": fresh.signoff_deadline, "decided_at": None}
            signoff |= {"objection_open": False, "objection_reason": None}
        else:
            signoff = _signoff_of(upload.record_id)
        url = public_url(current_app.config["PUBLIC_BASE_URL"], summary["public_code"])
    out = PlatformRecordOut.model_validate(
        {
            "platform_record_id": upload.platform_ref,
            "record_id": upload.record_id,
            "sandbox": upload.sandbox,
            "content_hash": upload.content_hash,
            "elevator_id": summary["elevator_id"],
            "category": summary["category"],
            "maintenance_day": summary["maintenance_day"],
            "received_at": summary["received_at"],
            "late_upload": summary["late_upload"],
            "flags": summary["flags"],
            "signoff": signoff,
            "public_url": url,
        }
    )
    return out.model_dump(mode="json")


def notice_out(upload: PlatformUpload) -> dict[str, Any]:
    summary = upload.summary or {}
    out = PlatformDelayNoticeOut(
        platform_notice_id=upload.platform_ref,
        delay_notice_id=upload.delay_notice_id,
        sandbox=upload.sandbox,
        content_hash=upload.content_hash,
        maintenance_unit_id=summary["maintenance_unit_id"],
        elevator_ids=summary["elevator_ids"],
        cause=summary["cause"],
        starts_on=summary["starts_on"],
        ends_on=summary["ends_on"],
        received_at=upload.created_at,
    )
    return out.model_dump(mode="json")


@dataclass(frozen=True)
class ItemOutcome:
    """What became of one uploaded item, committed (created, duplicate) or rolled back (conflict, invalid)."""

    result: str
    platform_ref: str | None
    out: dict[str, Any] | None = None
    error: ApiError | None = None
    record_id: int | None = None
    signoff_deadline: datetime | None = None

    def call_result(self) -> dict[str, Any]:
        return {"result": self.result, "code": self.error.code if self.error is not None else None}

    def batch_entry(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "platform_record_id": self.platform_ref,
            "result": self.result,
            "record": self.out,
            "error": self.error.to_dict()["error"] if self.error is not None else None,
        }


def _one_record(
    caller: Caller,
    raw: Any,
    request_id: int,
    index: int,
    received_at: datetime,
    prior: Mapping[str, PlatformUpload] | None,
) -> ItemOutcome:
    """One record item in its own transaction (committed here, or rolled back with nothing written). ``prior``: the
    batch's uploads already known by id (``prior_uploads``), or None to look this one up."""
    ref = _ref_of(raw, "platform_record_id")
    sha = item_sha256(raw)
    client = caller.client
    try:
        try:
            data = parse(RecordUpload, raw)
        except ValidationFailed as error:
            # Stripe's order: a known id is answered as such, whatever its body now is.
            known = None
            if ref is not None:
                known = prior.get(ref) if prior is not None else find_upload(client.id, caller.sandbox, "record", ref)
            if known is None:
                raise _refusal(error) from None
            received = replay(known, sha)
        else:
            received = receive_record(
                client,
                sandbox=caller.sandbox,
                platform_ref=data.platform_record_id,
                sha=sha,
                data=data.model_dump(),
                request_id=request_id,
                index=index,
                received_at=received_at,
                prior=prior,
            )
        # Built before the commit, from memory: the commit expires what the session holds.
        out = record_out(received.upload, fresh=received if received.created else None)
        record_id = received.upload.record_id
        db.session.commit()
    except ApiError as error:
        db.session.rollback()
        return ItemOutcome("conflict" if error.code == "idempotency_conflict" else "invalid", ref, error=error)
    if not received.created:
        return ItemOutcome("duplicate", ref, out)
    return ItemOutcome("created", ref, out, record_id=record_id, signoff_deadline=received.signoff_deadline)


def _record_item(
    caller: Caller,
    raw: Any,
    request_id: int,
    index: int,
    received_at: datetime,
    prior: Mapping[str, PlatformUpload] | None = None,
) -> ItemOutcome:
    """``_one_record``, redone when the database rolled it back whole (a deadlock with a concurrent upload, a
    Galera certification conflict at its commit)."""
    attempts = 0

    def attempt() -> ItemOutcome:
        nonlocal attempts
        attempts += 1
        # A redo looks its id up again: the rolled-back attempt's view of ``prior`` may be stale.
        return _one_record(caller, raw, request_id, index, received_at, prior if attempts == 1 else None)

    return redo_on_conflict(attempt, what=f"platform upload item {index}")


@contextmanager
def _held_loaded(client: PlatformClient) -> Iterator[None]:
    """Keep ``client`` loaded through a batch: each item's commit would expire it, and the next item would read it
    again. It is read once, held outside the session (only its columns are used), and put back at the end."""
    db.session.refresh(client)
    db.session.expunge(client)
    try:
        yield
    finally:
        db.session.add(client)


def _after_commit(outcome: ItemOutcome) -> None:
    """A new production record is pushed and its deadline scheduled, as a mini-program submission is."""
    if outcome.record_id is not None and outcome.signoff_deadline is not None:
        after_record_submitted(outcome.record_id, outcome.signoff_deadline)


@bp.get("/platform/me")
@documented(SIGNED + "平台自身信息（对接连通性测试）", response=PlatformMeOut)
@platform_required(operation="me")
def me() -> Any:
    caller = current_caller()
    client = caller.client
    out = PlatformMeOut(
        code=client.code,
        name=client.name,
        status=client.status,
        sandbox=caller.sandbox,
        keys=[key_out(key) for key in keys_of(client)],
        callback_url=client.callback_url,
        authorised_units=authorised_unit_count(client.id),
    )
    return out.model_dump(mode="json")


@bp.post("/platform/records")
@documented(
    SIGNED + "上传一条维保记录（与小程序提交同一流程）。同一 platform_record_id 再次提交相同内容返回 200 与原记录；"
    "内容不同返回 409 idempotency_conflict（error.details 给出已有记录编号与内容哈希）",
    body=RecordUpload,
    response=RecordResultOut,
    status=201,
    responses={200: "该编号已上传过相同内容：返回原记录（result=duplicate）"},
)
@platform_required(operation="record", max_body=BATCH_MAX_BYTES)  # a record with its photos
def upload_record() -> Any:
    caller = current_caller()
    raw = _json_object()
    request_id, received_at = _evidence(caller)
    outcome = _record_item(caller, raw, request_id, 0, received_at)
    g.platform_results = [outcome.call_result()]
    if outcome.error is not None:
        raise outcome.error
    _after_commit(outcome)
    created = outcome.result == "created"
    return {"result": outcome.result, "record": outcome.out}, (201 if created else 200)


@bp.post("/platform/records/batch")
@documented(
    SIGNED + "批量上传维保记录（最多 100 条，请求体不超过 8 MB）。逐条独立处理、按请求顺序返回结果"
    "（created / duplicate / conflict / invalid）；只有签名、JSON 格式、条数或大小不合格时整个请求失败",
    body=RecordBatch,
    response=BatchOut,
)
@platform_required(operation="batch", max_body=BATCH_MAX_BYTES)
def upload_batch() -> Any:
    caller = current_caller()
    envelope = _json_object()
    records = envelope.get("records")
    if isinstance(records, list) and len(records) > MAX_BATCH_ITEMS:
        raise ValidationFailed(
            f"每批最多 {MAX_BATCH_ITEMS} 条记录",
            code="batch_too_large",
            fields={"records": f"最多 {MAX_BATCH_ITEMS} 条"},
        )
    parse(RecordBatch, envelope)
    assert isinstance(records, list)
    request_id, received_at = _evidence(caller)
    refs = [ref for ref in (_ref_of(raw, "platform_record_id") for raw in records) if ref is not None]
    seen: set[str] = set()
    outcomes: list[ItemOutcome] = []
    with _held_loaded(caller.client):
        prior = prior_uploads(caller.client.id, caller.sandbox, "record", set(refs))
        for index, raw in enumerate(records):
            ref = _ref_of(raw, "platform_record_id")
            if ref is not None and ref in seen:
                again = ValidationFailed(
                    "同一批次中该 platform_record_id 重复出现",
                    code="duplicate_in_batch",
                    fields={"platform_record_id": "重复"},
                )
                outcomes.append(ItemOutcome("invalid", ref, error=again))
                continue
            if ref is not None:
                seen.add(ref)
            outcome = _record_item(caller, raw, request_id, index, received_at, prior)
            _after_commit(outcome)
            outcomes.append(outcome)
    g.platform_results = [outcome.call_result() for outcome in outcomes]
    counts = {name: 0 for name in ("created", "duplicate", "conflict", "invalid")}
    for outcome in outcomes:
        counts[outcome.result] += 1
    return {"results": [outcome.batch_entry(index) for index, outcome in enumerate(outcomes)], "counts": counts}


def _own_upload_or_404(caller: Caller, kind: str, platform_ref: str) -> PlatformUpload:
    """One of this platform's uploads in its mode, while the unit it concerns still authorises the platform."""
    upload = None
    if re.fullmatch(PLATFORM_REF_PATTERN, platform_ref):
        upload = db.session.execute(
            uploads_of(caller.client, caller.sandbox).where(
                PlatformUpload.kind == kind, PlatformUpload.platform_ref == platform_ref
            )
        ).scalar_one_or_none()
    unit_id = (upload.summary or {}).get("maintenance_unit_id") if upload is not None else None
    if upload is None or unit_id is None or not is_authorised(caller.client.id, unit_id):
        raise NotFound("找不到该记录（仅能查询本平台上传、且所属维保单位仍授权本平台的记录）")
    return upload


@bp.get("/platform/records/<platform_record_id>")
@documented(SIGNED + "查询本平台上传的一条记录及其签名确认状态", response=PlatformRecordOut)
@platform_required(operation="record_read")
def read_record(platform_record_id: str) -> Any:
    return record_out(_own_upload_or_404(current_caller(), "record", platform_record_id))


@bp.post("/platform/delay-notices")
@documented(
    SIGNED + "提交维保延期说明（同一 platform_notice_id 幂等：相同内容 200，不同内容 409）",
    body=DelayNoticeUpload,
    response=DelayNoticeResultOut,
    status=201,
    responses={200: "该编号已提交过相同内容：返回原延期说明（result=duplicate）"},
)
@platform_required(operation="delay_notice")
def upload_delay_notice() -> Any:
    caller = current_caller()
    raw = _json_object()
    ref = _ref_of(raw, "platform_notice_id")
    sha = item_sha256(raw)
    request_id, _ = _evidence(caller)

    def receive() -> tuple[Received, dict[str, Any]]:
        try:
            try:
                data = parse(DelayNoticeUpload, raw)
            except ValidationFailed:
                known = find_upload(caller.client.id, caller.sandbox, "delay_notice", ref) if ref is not None else None
                if known is None:
                    raise
                received = replay(known, sha)
            else:
                received = receive_delay_notice(
                    caller.client,
                    sandbox=caller.sandbox,
                    platform_ref=data.platform_notice_id,
                    sha=sha,
                    data=data.model_dump(),
                    request_id=request_id,
                )
            out = notice_out(received.upload)
            db.session.commit()
        except ApiError as error:
            db.session.rollback()
            result = "conflict" if error.code == "idempotency_conflict" else "invalid"
            g.platform_results = [{"result": result, "code": error.code}]
            raise
        return received, out

    received, out = redo_on_conflict(receive, what="platform delay notice")
    result = "created" if received.created else "duplicate"
    g.platform_results = [{"result": result, "code": None}]
    return {"result": result, "delay_notice": out}, (201 if received.created else 200)


@bp.get("/platform/units")
@documented(SIGNED + "授权本平台的维保单位", query=Page, response=PlatformUnitOut, list_response=True)
@platform_required(operation="units")
def list_units() -> Any:
    caller = current_caller()
    args = query_args(Page)
    query = (
        db.select(MaintenanceUnit)
        .where(MaintenanceUnit.id.in_(authorised_unit_ids(caller.client.id)))
        .order_by(MaintenanceUnit.id)
    )
    return paginate(query, args.page, args.per_page, PlatformUnitOut)


def _unit_filter(caller: Caller, unit_id: int | None) -> Any:
    """The units a look-up covers: all authorising ones, or the one asked for if it authorises this platform."""
    if unit_id is None:
        return authorised_unit_ids(caller.client.id)
    if not is_authorised(caller.client.id, unit_id):
        raise NotFound("找不到该维保单位，或该单位未授权本平台", code="unit_not_authorised")
    return [unit_id]


_HAS_LOCATION = (
    exists()
    .where(ElevatorLocation.elevator_id == Elevator.id, ElevatorLocation.kind.in_(REFERENCE_KINDS))
    .label("has_location")
)


@bp.get("/platform/elevators")
@documented(
    SIGNED + "按设备代码 / 注册代码匹配授权单位的电梯（用于对应平台与本系统的编号）",
    query=PlatformElevatorQuery,
    response=PlatformElevatorOut,
    list_response=True,
)
@platform_required(operation="elevators")
def list_elevators() -> Any:
    caller = current_caller()
    args = query_args(PlatformElevatorQuery)
    query = db.select(Elevator, _HAS_LOCATION).where(
        Elevator.maintenance_unit_id.in_(_unit_filter(caller, args.maintenance_unit_id))
    )
    codes = []
    if args.device_code:
        codes.append(Elevator.device_code == args.device_code)
    if args.registration_code:
        codes.append(Elevator.registration_code == args.registration_code)
    if codes:
        query = query.where(or_(*codes))
    query = query.order_by(Elevator.id)
    total = db.session.execute(db.select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(query.limit(args.per_page).offset((args.page - 1) * args.per_page)).all()
    items = [
        PlatformElevatorOut(
            id=elevator.id,
            device_code=elevator.device_code,
            registration_code=elevator.registration_code,
            use_certificate_no=elevator.use_certificate_no,
            address=elevator.address,
            position=elevator.position,
            elevator_type=elevator.elevator_type,
            maintenance_unit_id=elevator.maintenance_unit_id,
            status=elevator.status,
            has_location=bool(has_location),
        ).model_dump(mode="json")
        for elevator, has_location in rows
    ]
    return {"items": items, "page": args.page, "per_page": args.per_page, "total": total}


@bp.get("/platform/staff")
@documented(
    SIGNED + "授权单位的在职维保人员（姓名、作业人员证编号），用于按证书编号对应人员",
    query=PlatformStaffQuery,
    response=PlatformStaffOut,
    list_response=True,
)
@platform_required(operation="staff")
def list_staff() -> Any:
    caller = current_caller()
    args = query_args(PlatformStaffQuery)
    query = db.select(Account).where(
        Account.role == "technician",
        Account.active.is_(True),
        Account.maintenance_unit_id.in_(_unit_filter(caller, args.maintenance_unit_id)),
    )
    if args.certificate_no:
        query = query.where(Account.certificate_no == args.certificate_no)
    return paginate(query.order_by(Account.id), args.page, args.per_page, PlatformStaffOut)
