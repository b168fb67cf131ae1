"""Drafts (technician's own), submission, submitted records (role-scoped, real-time), corrections."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Blueprint, Response
from pydantic import AwareDatetime, Field, StringConstraints
from sqlalchemy import or_, true
from sqlalchemy.exc import IntegrityError

from jobs.enqueue import after_record_submitted
from miniback.access import (
    get_draft_or_404,
    get_elevator_or_404,
    get_record_or_404,
    record_scope,
    require_maintainer,
    signoff_scope,
)
from miniback.api.fields import Code, District, Out, Page, SignatureB64, text
from miniback.api.pagination import paginate
from miniback.api.record_fields import Category, Hazard, ItemOut, ItemResult, PointIn, ReplacedPart, point_out
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.errors import Conflict, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import (
    SIGNOFF_STATES,
    Account,
    Elevator,
    MaintenanceRecord,
    OrgNode,
    RecordDraft,
    RecordItem,
    RecordTechnician,
    SignatureImage,
    SignoffState,
)
from miniback.records.drafts import add_item, discard_draft, draft_items, save_results, start_draft, update_draft
from miniback.records.onsite import check_in, check_out
from miniback.records.signature import decode_signature
from miniback.records.submit import Submission, record_for_draft, submit_record, superseded_by
from miniback.records.templates import get_unit_template_for, tsg_template, unit_template
from miniback.registry.staff import subtree_node_ids

bp = Blueprint("records", __name__)

Cursor = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}\.\d{1,12}$")]


class DraftIn(Schema):
    elevator_id: int
    category: Category
    unit_template_id: int | None = None
    second_technician_id: int | None = None


class CorrectionIn(Schema):
    second_technician_id: int | None = None


class ResultIn(Schema):
    code: text(32)  # type: ignore[valid-type]
    result: ItemResult
    note: text(500) | None = None  # type: ignore[valid-type]
    remark: text(500) | None = None  # type: ignore[valid-type]


class ResultsIn(Schema):
    results: list[ResultIn] = Field(min_length=1, max_length=300)


class AddedItemIn(Schema):
    item: text(200)  # type: ignore[valid-type]
    requirement: text(500) | None = None  # type: ignore[valid-type]
    result: ItemResult | None = None
    note: text(500) | None = None  # type: ignore[valid-type]
    remark: text(500) | None = None  # type: ignore[valid-type]


class DraftUpdate(Schema):
    remarks: text(2000) | None = None  # type: ignore[valid-type]
    replaced_parts: list[ReplacedPart] | None = Field(None, max_length=50)
    hazards: list[Hazard] | None = Field(None, max_length=50)
    second_technician_id: int | None = None


class SubmitIn(Schema):
    signature_png: SignatureB64
    device_submitted_at: AwareDatetime | None = None


class DraftOut(Out):
    id: int
    elevator_id: int
    maintenance_unit_id: int
    technician_id: int
    second_technician_id: int | None
    category: str
    template_version: str
    supersedes_id: int | None
    status: str
    check_in: dict[str, Any] | None
    check_out: dict[str, Any] | None
    remarks: str | None
    replaced_parts: list[Any]
    hazards: list[Any]
    items: list[ItemOut]
    record_id: int | None
    created_at: datetime
    updated_at: datetime


class RecordOut(Out):
    id: int
    elevator_id: int
    elevator_type: str
    maintenance_unit_id: int
    use_unit_id: int | None
    district: str
    technician_id: int
    org_node_id: int | None
    category: str
    template_version: str
    maintenance_day: date
    check_in_at: datetime
    check_out_at: datetime
    duration_seconds: int
    check_in_distance_m: Decimal | None
    check_out_distance_m: Decimal | None
    received_at: datetime
    late_upload: bool
    flagged: bool
    flag_distance: bool
    flag_duration: bool
    flag_overlap: bool
    supersedes_id: int | None
    source: str
    signature_sha256: str
    content_hash: str


class RecordSignoffOut(Out):
    """The record's current sign-off (``/signoff/records/<id>`` has its events)."""

    state: str
    deadline_at: datetime
    pushed_at: datetime | None
    decided_at: datetime | None
    signed_by_id: int | None
    objection_open: bool
    objection_reason: str | None


# Columns, not the entity: loading ``SignoffState`` would also load its elevator.
_SIGNOFF_COLUMNS = [SignoffState.record_id, *(getattr(SignoffState, name) for name in RecordSignoffOut.model_fields)]


class RecordListItemOut(RecordOut):
    signoff: RecordSignoffOut | None = Field(description="签名确认状态（无则为 null）")


class TechnicianOut(Out):
    account_id: int
    name: str
    certificate_no: str | None
    role: str


class RecordDetailOut(RecordListItemOut):
    check_in: dict[str, Any]
    check_out: dict[str, Any]
    device_submitted_at: datetime | None
    remarks: str | None
    replaced_parts: list[Any]
    hazards: list[Any]
    signature_url: str
    technicians: list[TechnicianOut]
    items: list[ItemOut]
    superseded_by: list[int]
    canonical_content: str


class RecordQuery(Schema):
    elevator_id: int | None = None
    device_code: Code | None = None
    maintenance_unit_id: int | None = None
    org_node_id: int | None = None
    use_unit_id: int | None = None
    technician_id: int | None = None
    district: District | None = None
    date_from: date | None = None
    date_to: date | None = None
    category: Category | None = None
    flagged: bool | None = None
    flag: Literal["distance", "duration", "overlap"] | None = None
    late_upload: bool | None = None
    signoff_state: Literal[SIGNOFF_STATES] | None = Field(None, description="按签名确认状态筛选")  # type: ignore[valid-type]
    cursor: Cursor | None = Field(None, description="上一页返回的 next_cursor")
    per_page: int = Field(20, ge=1, le=100)


class RecordPageOut(Out):
    items: list[RecordListItemOut]
    next_cursor: str | None


def _draft_out(draft: RecordDraft) -> dict[str, Any]:
    record = record_for_draft(draft.id) if draft.status == "submitted" else None
    out = DraftOut(
        id=draft.id,
        elevator_id=draft.elevator_id,
        maintenance_unit_id=draft.maintenance_unit_id,
        technician_id=draft.technician_id,
        second_technician_id=draft.second_technician_id,
        category=draft.category,
        template_version=draft.template_version,
        supersedes_id=draft.supersedes_id,
        status=draft.status,
        check_in=point_out(draft, "check_in"),
        check_out=point_out(draft, "check_out"),
        remarks=draft.remarks,
        replaced_parts=draft.replaced_parts,
        hazards=draft.hazards,
        items=[ItemOut.model_validate(item) for item in draft_items(draft)],
        record_id=record.id if record else None,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
    )
    return out.model_dump(mode="json")


def _record_detail(record: MaintenanceRecord) -> dict[str, Any]:
    items = db.session.execute(
        db.select(RecordItem).where(RecordItem.record_id == record.id).order_by(RecordItem.seq)
    ).scalars()
    technicians = db.session.execute(
        db.select(RecordTechnician, Account)
        .join(Account, Account.id == RecordTechnician.account_id)
        .where(RecordTechnician.record_id == record.id)
        .order_by(RecordTechnician.id)
    ).all()
    base = RecordOut.model_validate(record).model_dump()
    out = RecordDetailOut(
        **base,
        signoff=_signoffs_of([record.id]).get(record.id),
        check_in=point_out(record, "check_in") or {},
        check_out=point_out(record, "check_out") or {},
        device_submitted_at=record.device_submitted_at,
        remarks=record.remarks,
        replaced_parts=record.replaced_parts,
        hazards=record.hazards,
        signature_url=f"/api/v1/records/{record.id}/signature.png",
        technicians=[
            TechnicianOut(
                account_id=tech.account_id, name=account.name, certificate_no=account.certificate_no, role=tech.role
            )
            for tech, account in technicians
        ],
        items=[ItemOut.model_validate(item) for item in items],
        superseded_by=superseded_by(record),
        canonical_content=record.canonical_content,
    )
    return out.model_dump(mode="json")


def _signoffs_of(record_ids: list[int]) -> dict[int, RecordSignoffOut]:
    """The current sign-off of each record, in one primary-key lookup."""
    if not record_ids:
        return {}
    rows = db.session.execute(db.select(*_SIGNOFF_COLUMNS).where(SignoffState.record_id.in_(record_ids)))
    return {row.record_id: RecordSignoffOut.model_validate(row) for row in rows}


def _template_for(actor: Account, elevator: Elevator, category: str, unit_template_id: int | None) -> Any:
    if unit_template_id is not None:
        return unit_template(get_unit_template_for(actor, unit_template_id, elevator.elevator_type), category)
    return tsg_template(elevator.elevator_type, category)


@bp.post("/drafts")
@documented("开始一条维保记录（按电梯与类别生成项目快照）", body=DraftIn, response=DraftOut, status=201)
@login_required("technician")
def add_draft() -> Any:
    actor = current_account()
    data = json_body(DraftIn)
    try:
        elevator = get_elevator_or_404(data.elevator_id, actor)
    except NotFound:
        raise NotFound("找不到该电梯，或该电梯不由本单位维保", fields={"elevator_id": "不存在"}) from None
    require_maintainer(actor, elevator)
    template = _template_for(actor, elevator, data.category, data.unit_template_id)
    draft = start_draft(actor, elevator, template, second_technician_id=data.second_technician_id)
    db.session.commit()
    return _draft_out(draft), 201


@bp.get("/drafts")
@documented("本人未提交的维保记录草稿（最新的在前）", query=Page, response=DraftOut, list_response=True)
@login_required("technician")
def list_drafts() -> Any:
    args = query_args(Page)
    actor = current_account()
    query = (
        db.select(RecordDraft)
        .where(RecordDraft.technician_id == actor.id, RecordDraft.status == "open")
        .order_by(RecordDraft.id.desc())
    )
    return paginate(query, args.page, args.per_page, serialize=_draft_out)


@bp.get("/drafts/<int:draft_id>")
@documented("草稿详情", response=DraftOut)
@login_required("technician")
def get_draft(draft_id: int) -> Any:
    return _draft_out(get_draft_or_404(draft_id, current_account()))


@bp.delete("/drafts/<int:draft_id>")
@documented("取消（删除）本人未提交的草稿；已提交的记录不受影响", status=204)
@login_required("technician")
def delete_draft(draft_id: int) -> Any:
    discard_draft(get_draft_or_404(draft_id, current_account(), for_update=True))
    db.session.commit()
    return Response(status=204)


@bp.put("/drafts/<int:draft_id>/results")
@documented("逐项保存维保结果", body=ResultsIn, response=DraftOut)
@login_required("technician")
def save_draft_results(draft_id: int) -> Any:
    draft = get_draft_or_404(draft_id, current_account(), for_update=True)
    data = json_body(ResultsIn)
    save_results(draft, [row.model_dump() for row in data.results])
    db.session.commit()
    return _draft_out(draft)


@bp.post("/drafts/<int:draft_id>/items")
@documented("增加自定义维保项目", body=AddedItemIn, response=DraftOut, status=201)
@login_required("technician")
def add_draft_item(draft_id: int) -> Any:
    draft = get_draft_or_404(draft_id, current_account(), for_update=True)
    add_item(draft, json_body(AddedItemIn).model_dump())
    db.session.commit()
    return _draft_out(draft), 201


@bp.patch("/drafts/<int:draft_id>")
@documented("修改草稿：备注、更换配件、发现隐患、第二维保人员", body=DraftUpdate, response=DraftOut)
@login_required("technician")
def change_draft(draft_id: int) -> Any:
    actor = current_account()
    draft = get_draft_or_404(draft_id, actor, for_update=True)
    data = json_body(DraftUpdate)
    changes = data.model_dump(exclude_unset=True)
    # Parts and hazards are stored without empty keys, so equal content always hashes the same.
    for name in ("replaced_parts", "hazards"):
        if name in changes:
            changes[name] = [entry.model_dump(exclude_none=True) for entry in getattr(data, name) or []]
    update_draft(actor, draft, changes)
    db.session.commit()
    return _draft_out(draft)


@bp.post("/drafts/<int:draft_id>/check-in")
@documented("现场签到（时间与位置）", body=PointIn, response=DraftOut)
@login_required("technician")
def check_in_view(draft_id: int) -> Any:
    draft = get_draft_or_404(draft_id, current_account(), for_update=True)
    check_in(draft, json_body(PointIn).point())
    db.session.commit()
    return _draft_out(draft)


@bp.post("/drafts/<int:draft_id>/check-out")
@documented("现场签退（时间与位置）", body=PointIn, response=DraftOut)
@login_required("technician")
def check_out_view(draft_id: int) -> Any:
    draft = get_draft_or_404(draft_id, current_account(), for_update=True)
    check_out(draft, json_body(PointIn).point())
    db.session.commit()
    return _draft_out(draft)


@bp.post("/drafts/<int:draft_id>/submit")
@documented(
    "签名并提交：记录即被冻结（内容哈希），提交后不可修改；重复提交返回同一条记录（201 新建 / 200 已存在）",
    body=SubmitIn,
    response=RecordOut,
    status=201,
    responses={200: "该草稿已提交过：返回同一条记录"},
)
@login_required("technician")
def submit_draft(draft_id: int) -> Any:
    actor = current_account()
    data = json_body(SubmitIn)
    signature = decode_signature(data.signature_png, "signature_png")
    # Locking the draft serialises retried submissions: the second one finds it submitted.
    draft = get_draft_or_404(draft_id, actor, for_update=True)
    try:
        submission = submit_record(actor, draft, signature, device_submitted_at=data.device_submitted_at)
        # Serialised before the commit, from memory: no reloading queries on the hot path (the commit expires
        # the session's objects, so even ``record.id`` would reload the whole record afterwards).
        record_id, created = submission.record.id, submission.created
        out = RecordOut.model_validate(submission.record).model_dump(mode="json")
        db.session.commit()
    except IntegrityError:
        # Two submissions raced past the lock (e.g. SQLite): the unique draft_id kept one record.
        db.session.rollback()
        existing = record_for_draft(draft_id)
        if existing is None:
            raise
        submission = Submission(existing, created=False)
        created, out = False, RecordOut.model_validate(existing).model_dump(mode="json")
    # Post-commit side effects of a new record: push to the use unit and schedule its sign-off deadline.
    if submission.signoff_deadline is not None:
        after_record_submitted(record_id, submission.signoff_deadline)
    return out, (201 if created else 200)


def _apply_filters(query: Any, args: RecordQuery) -> Any:
    if args.elevator_id is not None:
        query = query.where(MaintenanceRecord.elevator_id == args.elevator_id)
    if args.device_code:
        elevator_ids = db.select(Elevator.id).where(
            or_(Elevator.device_code == args.device_code, Elevator.registration_code == args.device_code)
        )
        query = query.where(MaintenanceRecord.elevator_id.in_(elevator_ids))
    if args.maintenance_unit_id is not None:
        query = query.where(MaintenanceRecord.maintenance_unit_id == args.maintenance_unit_id)
    if args.org_node_id is not None:
        node = db.session.get(OrgNode, args.org_node_id)
        if node is None:
            raise NotFound("找不到该组织节点", fields={"org_node_id": "不存在"})
        query = query.where(MaintenanceRecord.org_node_id.in_(subtree_node_ids(node)))
    if args.use_unit_id is not None:
        query = query.where(MaintenanceRecord.use_unit_id == args.use_unit_id)
    if args.technician_id is not None:
        query = query.where(
            MaintenanceRecord.id.in_(
                db.select(RecordTechnician.record_id).where(RecordTechnician.account_id == args.technician_id)
            )
        )
    if args.district:
        query = query.where(MaintenanceRecord.district == args.district)
    if args.date_from:
        query = query.where(MaintenanceRecord.maintenance_day >= args.date_from)
    if args.date_to:
        query = query.where(MaintenanceRecord.maintenance_day <= args.date_to)
    if args.category:
        query = query.where(MaintenanceRecord.category == args.category)
    if args.flagged is not None:
        # "= value", not "IS TRUE": MariaDB uses an index only for the former.
        query = query.where(MaintenanceRecord.flagged == args.flagged)
    if args.flag:
        query = query.where(getattr(MaintenanceRecord, f"flag_{args.flag}") == true())
    if args.late_upload is not None:
        query = query.where(MaintenanceRecord.late_upload == args.late_upload)
    if args.signoff_state:
        # A join on the primary key: the list still walks its scope index in (day, id) order.
        query = query.join(SignoffState, SignoffState.record_id == MaintenanceRecord.id).where(
            SignoffState.state == args.signoff_state
        )
    return query


def _keyset_after(cursor: str | None, day_column: Any, id_column: Any) -> Any:
    if not cursor:
        return None
    day_text, id_text = cursor.split(".")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise ValidationFailed(fields={"cursor": "格式不正确"}) from None
    last_id = int(id_text)
    return or_(day_column < day, (day_column == day) & (id_column < last_id))


# States only a small share of records is in at any time (pending lasts a day, objections are exceptions): such a
# filter reads the sign-off's own (state, day, id) indexes. The two outcomes nearly every record ends in are read
# along the record's scope index like any other filter.
SPARSE_SIGNOFF_STATES = ("pending", "objected", "objection_resolved")


def _scoped_queries(actor: Account, args: RecordQuery) -> list[Any]:
    """The page's queries: one for most roles; two, merged by the caller, for a technician.

    A technician's scope (team OR own) is an OR across two tables that no single index serves; as one query
    MariaDB walks the unit's whole range. Team records come from ``ix_record_org_node_day``, own records from
    ``ix_record_technician_account_day`` (ordered by the day copied there), each an index range.
    """
    if args.signoff_state in SPARSE_SIGNOFF_STATES:
        return [_in_sparse_signoff_state(actor, args)]
    if actor.role != "technician" or actor.maintenance_unit_id is None:
        return [_ordered(db.select(MaintenanceRecord).where(record_scope(actor)), args)]
    in_unit = MaintenanceRecord.maintenance_unit_id == actor.maintenance_unit_id
    own = (
        db.select(MaintenanceRecord)
        .join(RecordTechnician, RecordTechnician.record_id == MaintenanceRecord.id)
        .where(RecordTechnician.account_id == actor.id, in_unit)
    )
    own_after = _keyset_after(args.cursor, RecordTechnician.maintenance_day, RecordTechnician.record_id)
    if own_after is not None:
        own = own.where(own_after)
    queries = [
        _apply_filters(own, args).order_by(RecordTechnician.maintenance_day.desc(), RecordTechnician.record_id.desc())
    ]
    if actor.org_node_id is not None:
        team = db.select(MaintenanceRecord).where(in_unit, MaintenanceRecord.org_node_id == actor.org_node_id)
        queries.append(_ordered(team, args))
    return queries


def _in_sparse_signoff_state(actor: Account, args: RecordQuery) -> Any:
    """Records in a rare sign-off state, read through the sign-off rows in that state (same day and id as the
    record's, so the same cursor), the actor's scope checked on the sign-off row's copy of the scope columns."""
    query = (
        db.select(MaintenanceRecord)
        .select_from(SignoffState)
        .join(MaintenanceRecord, MaintenanceRecord.id == SignoffState.record_id)
        .where(SignoffState.state == args.signoff_state, signoff_scope(actor))
    )
    query = _apply_filters(query, args.model_copy(update={"signoff_state": None}))
    after = _keyset_after(args.cursor, SignoffState.maintenance_day, SignoffState.record_id)
    if after is not None:
        query = query.where(after)
    return query.order_by(SignoffState.maintenance_day.desc(), SignoffState.record_id.desc())


def _ordered(query: Any, args: RecordQuery) -> Any:
    """Filters, the keyset cursor and the newest-first order on the record's own (day, id)."""
    query = _apply_filters(query, args)
    after = _keyset_after(args.cursor, MaintenanceRecord.maintenance_day, MaintenanceRecord.id)
    if after is not None:
        query = query.where(after)
    return query.order_by(MaintenanceRecord.maintenance_day.desc(), MaintenanceRecord.id.desc())


def record_page(actor: Account, args: RecordQuery) -> dict[str, Any]:
    """Newest first by maintenance day, then id; keyset pagination (``cursor``) so page 1000 costs what page 1
    costs on 25 million rows — no OFFSET, no COUNT."""
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise ValidationFailed(fields={"date_to": "结束日期不能早于开始日期"})
    found: dict[int, MaintenanceRecord] = {}
    for query in _scoped_queries(actor, args):
        for row in db.session.execute(query.limit(args.per_page + 1)).scalars():
            found[row.id] = row
    rows = sorted(found.values(), key=lambda row: (row.maintenance_day, row.id), reverse=True)
    more = len(rows) > args.per_page
    rows = rows[: args.per_page]
    next_cursor = f"{rows[-1].maintenance_day.isoformat()}.{rows[-1].id}" if more and rows else None
    signoffs = _signoffs_of([row.id for row in rows])
    items = []
    for row in rows:
        item = RecordOut.model_validate(row).model_dump(mode="json")
        signoff = signoffs.get(row.id)
        item["signoff"] = signoff.model_dump(mode="json") if signoff is not None else None
        items.append(item)
    return {
        "items": items,
        "next_cursor": next_cursor,
    }


@bp.get("/records")
@documented("维保记录查询（按权限范围，实时；含签名确认状态，可按其筛选）", query=RecordQuery, response=RecordPageOut)
@login_required()
def list_records() -> Any:
    return record_page(current_account(), query_args(RecordQuery))


@bp.get("/records/<int:record_id>")
@documented("维保记录详情（含项目、签名、内容哈希）", response=RecordDetailOut)
@login_required()
def get_record(record_id: int) -> Any:
    return _record_detail(get_record_or_404(record_id, current_account()))


@bp.get("/records/<int:record_id>/signature.png")
@documented("维保记录的维保人员签名图片（PNG）", media_type="image/png")
@login_required()
def record_signature(record_id: int) -> Any:
    record = get_record_or_404(record_id, current_account())
    image = db.session.get(SignatureImage, record.signature_sha256)
    assert image is not None
    return Response(image.content, mimetype="image/png", headers={"ETag": image.sha256})


@bp.post("/records/<int:record_id>/corrections")
@documented(
    "更正：以原记录为底稿新建草稿，提交后成为引用原记录的新记录（原记录保持不变、仍可查）",
    body=CorrectionIn,
    response=DraftOut,
    status=201,
)
@login_required("technician")
def correct_record(record_id: int) -> Any:
    actor = current_account()
    record = get_record_or_404(record_id, actor)
    elevator = db.session.get(Elevator, record.elevator_id)
    assert elevator is not None
    require_maintainer(actor, elevator)
    if record.maintenance_unit_id != actor.maintenance_unit_id:
        raise Conflict("只能更正本单位的维保记录", code="not_own_unit")
    data = json_body(CorrectionIn)
    template = _correction_template(actor, elevator, record)
    draft = start_draft(actor, elevator, template, second_technician_id=data.second_technician_id, supersedes=record)
    db.session.commit()
    return _draft_out(draft), 201


def _correction_template(actor: Account, elevator: Elevator, record: MaintenanceRecord) -> Any:
    """The correction is filled against the same checklist version as the record it corrects."""
    if record.template_version.startswith("UNIT-"):
        template_id = int(record.template_version.removeprefix("UNIT-").split("/")[0])
        return unit_template(get_unit_template_for(actor, template_id, elevator.elevator_type), record.category)
    template = tsg_template(elevator.elevator_type, record.category)
    if template.version != record.template_version:
        raise Conflict("原记录所用模板版本已停用，请新建维保记录", code="template_retired")
    return template
