"""Drafts (technician's own), submission, submitted records (role-scoped, real-time), corrections."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy.exc import IntegrityError

from jobs.enqueue import after_record_submitted
from miniback.access import (
    get_draft_or_404,
    get_elevator_or_404,
    get_record_or_404,
    require_maintainer,
)
from miniback.api.pagination import paginate
from miniback.api.photos import draft_photo_out, record_photo_out
from miniback.api.schemas.fields import Page
from miniback.api.schemas.photos import MissingPhotoOut
from miniback.api.schemas.records import (
    AddedItemIn,
    CorrectionIn,
    DraftIn,
    DraftOut,
    DraftUpdate,
    ElevatorBrief,
    FlagOut,
    ItemOut,
    PointIn,
    RecordDetailOut,
    RecordOut,
    RecordPageOut,
    RecordQuery,
    RecordSignoffOut,
    ResultsIn,
    SubmitIn,
    TechnicianOut,
    point_out,
)
from miniback.api.validation import documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.database.conflicts import redone_on_conflict
from miniback.errors import Conflict, Forbidden, NotFound
from miniback.extensions import db
from miniback.models import (
    Account,
    Elevator,
    MaintenanceRecord,
    MaintenanceUnit,
    PlatformClient,
    RecordDraft,
    RecordItem,
    RecordPhoto,
    RecordPhotoMissing,
    RecordTechnician,
    SignatureImage,
    SignoffState,
    UseUnit,
)
from miniback.platform.uploads import SOURCE_PREFIX
from miniback.records.drafts import add_item, discard_draft, draft_items, save_results, start_draft, update_draft
from miniback.records.onsite import check_in, check_out
from miniback.records.photos import draft_photos
from miniback.records.queries import COLUMN_FLAGS, RecordFilters, record_rows
from miniback.records.signals import KIND_LABELS, flags_of
from miniback.records.signature import decode_signature
from miniback.records.submit import Submission, record_for_draft, submit_record, superseded_by
from miniback.records.templates import correction_template, template_for

bp = Blueprint("records", __name__)

# Columns, not the entity: loading ``SignoffState`` would also load its elevator.
_SIGNOFF_COLUMNS = [SignoffState.record_id, *(getattr(SignoffState, name) for name in RecordSignoffOut.model_fields)]
_ELEVATOR_COLUMNS = [getattr(Elevator, name) for name in ElevatorBrief.model_fields]


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
        photo_positions=draft.photo_positions or [],
        photos=[draft_photo_out(photo, draft) for photo in draft_photos(draft.id)],
        record_id=record.id if record else None,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
    )
    return out.model_dump(mode="json")


def sees_signals(actor: Account) -> bool:
    """Authenticity signals are for those who check the work (supervisors, admins, use units, authorities), not
    for the technician whose records they question."""
    return actor.role != "technician"


def _flag_out(flag: Any) -> FlagOut:
    return FlagOut(
        id=flag.id,
        kind=flag.kind,
        label=KIND_LABELS[flag.kind],
        rule=flag.rule,
        evidence=flag.evidence,
        explanation=flag.explanation,
        raised_by=flag.raised_by,
        raised_by_record_id=flag.raised_by_record_id,
        raised_at=flag.raised_at,
    )


def _record_detail(record: MaintenanceRecord, actor: Account) -> dict[str, Any]:
    items = db.session.execute(
        db.select(RecordItem).where(RecordItem.record_id == record.id).order_by(RecordItem.seq)
    ).scalars()
    technicians = db.session.execute(
        db.select(RecordTechnician, Account)
        .join(Account, Account.id == RecordTechnician.account_id)
        .where(RecordTechnician.record_id == record.id)
        .order_by(RecordTechnician.id)
    ).all()
    photos = db.session.execute(
        db.select(RecordPhoto).where(RecordPhoto.record_id == record.id).order_by(RecordPhoto.seq)
    ).scalars()
    missing = db.session.execute(
        db.select(RecordPhotoMissing).where(RecordPhotoMissing.record_id == record.id).order_by(RecordPhotoMissing.seq)
    ).scalars()
    base = RecordOut.model_validate(record).model_dump()
    signals = [_flag_out(flag) for flag in flags_of([record.id])[record.id]] if sees_signals(actor) else None
    if signals is not None:
        base["signal_kinds"] = sorted({flag.kind for flag in signals})
    out = RecordDetailOut(
        **base,
        **_names_of([record])[record.id],
        signoff=_signoffs_of([record.id]).get(record.id),
        check_in=point_out(record, "check_in") or {},
        check_out=point_out(record, "check_out") or {},
        device_submitted_at=record.device_submitted_at,
        remarks=record.remarks,
        replaced_parts=record.replaced_parts,
        hazards=record.hazards,
        photos=[record_photo_out(photo, db.session.get(RecordDraft, record.draft_id)) for photo in photos],
        photos_missing=[MissingPhotoOut.model_validate(row) for row in missing],
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
        signals=signals,
    )
    return out.model_dump(mode="json")


def _signoffs_of(record_ids: list[int]) -> dict[int, RecordSignoffOut]:
    """The current sign-off of each record, in one primary-key lookup."""
    if not record_ids:
        return {}
    rows = db.session.execute(db.select(*_SIGNOFF_COLUMNS).where(SignoffState.record_id.in_(record_ids)))
    return {row.record_id: RecordSignoffOut.model_validate(row) for row in rows}


def _names_of(records: list[MaintenanceRecord]) -> dict[int, dict[str, Any]]:
    """Each record's elevator, unit names and first technician's name: one primary-key lookup per table."""
    if not records:
        return {}

    def by_id(columns: list[Any], ids: set[int | None]) -> dict[int, Any]:
        rows = db.session.execute(db.select(*columns).where(columns[0].in_(ids - {None})))
        return {row[0]: row for row in rows}

    elevators = by_id(_ELEVATOR_COLUMNS, {record.elevator_id for record in records})
    mus = by_id([MaintenanceUnit.id, MaintenanceUnit.name], {record.maintenance_unit_id for record in records})
    uus = by_id([UseUnit.id, UseUnit.name], {record.use_unit_id for record in records})
    people = by_id([Account.id, Account.name], {record.technician_id for record in records})
    codes = {record.source.removeprefix(SOURCE_PREFIX) for record in records if record.source.startswith(SOURCE_PREFIX)}
    platforms: dict[str, str] = {}
    if codes:
        rows = db.session.execute(
            db.select(PlatformClient.code, PlatformClient.name).where(PlatformClient.code.in_(codes))
        )
        platforms = {row.code: row.name for row in rows}
    return {
        record.id: {
            "elevator": ElevatorBrief.model_validate(elevators[record.elevator_id]),
            "maintenance_unit_name": mus[record.maintenance_unit_id].name,
            "use_unit_name": uus[record.use_unit_id].name if record.use_unit_id in uus else None,
            "technician_name": people[record.technician_id].name,
            "source_name": platforms.get(record.source.removeprefix(SOURCE_PREFIX)),  # None for the mini-program
        }
        for record in records
    }


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
    template = template_for(actor, elevator, data.category, data.unit_template_id)
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
@redone_on_conflict
def submit_draft(draft_id: int) -> Any:
    actor = current_account()
    data = json_body(SubmitIn)
    signature = decode_signature(data.signature_png, "signature_png")
    # Locking the draft serialises retried submissions: the second one finds it submitted.
    draft = get_draft_or_404(draft_id, actor, for_update=True)
    try:
        submission = submit_record(
            actor,
            draft,
            signature,
            device_submitted_at=data.device_submitted_at,
            missing_photos=data.missing_photo_reasons(),
        )
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


def _names_json(names: dict[str, Any]) -> dict[str, Any]:
    return {**names, "elevator": names["elevator"].model_dump(mode="json")}


def record_page(actor: Account, args: RecordQuery) -> dict[str, Any]:
    """One page of the records list, each with its current sign-off (see ``records.queries.record_rows``)."""
    if args.flag and args.flag not in COLUMN_FLAGS and not sees_signals(actor):
        raise Forbidden("真实性信号仅主管、管理人员和监管人员可查", fields={"flag": "无权按此筛选"})
    page = record_rows(actor, RecordFilters(**args.model_dump()))
    signoffs = _signoffs_of([row.id for row in page.rows])
    names = _names_of(page.rows)
    signals = flags_of([row.id for row in page.rows]) if sees_signals(actor) else {}
    items = []
    for row in page.rows:
        item = RecordOut.model_validate(row).model_dump(mode="json")
        signoff = signoffs.get(row.id)
        item["signoff"] = signoff.model_dump(mode="json") if signoff is not None else None
        item.update(_names_json(names[row.id]))
        if row.id in signals:
            item["signal_kinds"] = sorted({flag.kind for flag in signals[row.id]})
        items.append(item)
    return {
        "items": items,
        "next_cursor": page.next_cursor,
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
    actor = current_account()
    return _record_detail(get_record_or_404(record_id, actor), actor)


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
    template = correction_template(actor, elevator, record)
    draft = start_draft(actor, elevator, template, second_technician_id=data.second_technician_id, supersedes=record)
    db.session.commit()
    return _draft_out(draft), 201
