"""Drafts: start a record for an elevator and category (snapshotting the checklist), fill it item by item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert

from miniback.errors import Conflict, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import (
    Account,
    DraftPhoto,
    Elevator,
    MaintenanceRecord,
    RecordDraft,
    RecordDraftItem,
    RecordItem,
    utcnow,
)
from miniback.records.onsite import require_open
from miniback.records.photos import PHOTO_POSITIONS_VERSION, required_positions
from miniback.records.templates import Template

# Results whose note is required: 不适用 needs the reason, 有隐患 the description of the hazard.
NOTE_REQUIRED = {"not_applicable": "不适用时必须填写原因", "hazard": "有隐患时必须描述隐患"}
ADDED_CODE_PREFIX = "X-"


def second_technician_for(actor: Account, account_id: int | None) -> int | None:
    """The named second technician must be an active technician of the same unit, not the actor."""
    if account_id is None:
        return None
    other = db.session.get(Account, account_id)
    if (
        other is None
        or other.role != "technician"
        or not other.active
        or other.maintenance_unit_id != actor.maintenance_unit_id
    ):
        raise NotFound("找不到该维保人员", fields={"second_technician_id": "不是本单位的在职维保人员"})
    if other.id == actor.id:
        raise ValidationFailed(fields={"second_technician_id": "第二维保人员不能是本人"})
    return other.id


def start_draft(
    actor: Account,
    elevator: Elevator,
    template: Template,
    *,
    second_technician_id: int | None = None,
    supersedes: MaintenanceRecord | None = None,
    results: list[dict[str, Any]] | None = None,
) -> RecordDraft:
    """A new draft owned by ``actor`` holding a snapshot of ``template`` (the caller checked ``actor`` may work
    on ``elevator``). A correction (``supersedes``) starts from the superseded record's results.

    ``results`` (as ``save_results`` takes them, checked the same way) fills the items as they are written: a
    platform uploading a finished job has them all at once, and one insert costs less than an update per item."""
    assert actor.maintenance_unit_id is not None
    filled = _checked_results({item.code for item in template.items}, results or [])
    now = utcnow()
    draft = RecordDraft(
        elevator_id=elevator.id,
        maintenance_unit_id=actor.maintenance_unit_id,
        technician_id=actor.id,
        second_technician_id=second_technician_for(actor, second_technician_id),
        category=template.category,
        template_version=template.version,
        supersedes_id=supersedes.id if supersedes else None,
        replaced_parts=list(supersedes.replaced_parts) if supersedes else [],
        hazards=list(supersedes.hazards) if supersedes else [],
        remarks=supersedes.remarks if supersedes else None,
        photo_positions=[
            position.as_json()
            for position in required_positions(actor.maintenance_unit_id, elevator.elevator_type, template.category)
        ],
        photo_positions_version=PHOTO_POSITIONS_VERSION,
    )
    db.session.add(draft)
    db.session.flush()
    previous: dict[str, RecordItem] = {}
    if supersedes is not None:
        superseded = db.session.execute(db.select(RecordItem).where(RecordItem.record_id == supersedes.id)).scalars()
        previous = {row.code: row for row in superseded}
    rows: list[dict[str, Any]] = []
    for seq, item in enumerate(template.items, start=1):
        before = previous.pop(item.code, None)
        row = filled.get(item.code)
        source: Any = row if row is not None else before
        rows.append(
            {
                "draft_id": draft.id,
                "seq": seq,
                "code": item.code,
                "item": item.item,
                "requirement": item.requirement,
                "added": False,
                "result": _value(source, "result"),
                "note": _value(source, "note"),
                "remark": _value(source, "remark"),
                "recorded_at": now if row is not None else None,
            }
        )
    for seq, added in enumerate(sorted(previous.values(), key=lambda r: r.seq), start=len(template.items) + 1):
        if added.added:
            rows.append(
                {
                    "draft_id": draft.id,
                    "seq": seq,
                    "code": added.code,
                    "item": added.item,
                    "requirement": added.requirement,
                    "added": True,
                    "result": added.result,
                    "note": added.note,
                    "remark": added.remark,
                    "recorded_at": None,
                }
            )
    # One multi-row INSERT (Core: the items are read back with ``draft_items`` when needed, so the unit of work
    # need not track them, and the ORM would insert them one row at a time to learn each id).
    if rows:
        db.session.connection().execute(insert(RecordDraftItem.__table__), rows)
    return draft


def draft_items(draft: RecordDraft) -> list[RecordDraftItem]:
    return list(
        db.session.execute(
            db.select(RecordDraftItem).where(RecordDraftItem.draft_id == draft.id).order_by(RecordDraftItem.seq)
        ).scalars()
    )


def _check_result(result: str | None, note: str | None, field: str) -> None:
    if result in NOTE_REQUIRED and not note:
        raise ValidationFailed(NOTE_REQUIRED[result], fields={field: NOTE_REQUIRED[result]})


def _value(source: Any, name: str) -> Any:
    """A field of a result row (dict) or of a superseded record's item, None without either."""
    if source is None:
        return None
    return source.get(name) if isinstance(source, dict) else getattr(source, name)


def _checked_results(codes: set[str], results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The results by item code, after the checks every way of entering them shares: known codes, and the note
    that 不适用 and 有隐患 need."""
    unknown = {
        f"results.{index}.code": "该草稿中没有此项目" for index, row in enumerate(results) if row["code"] not in codes
    }
    if unknown:
        raise ValidationFailed(fields=unknown)
    for index, row in enumerate(results):
        _check_result(row.get("result"), row.get("note"), f"results.{index}.note")
    return {row["code"]: row for row in results}


def save_results(draft: RecordDraft, results: list[dict[str, Any]]) -> None:
    """Set results (正常/调整/更换/不适用 + reason/有隐患 + description) and remarks of existing items."""
    require_open(draft)
    by_code = {item.code: item for item in draft_items(draft)}
    _checked_results(set(by_code), results)
    now = utcnow()
    for row in results:
        item = by_code[row["code"]]
        item.result = row.get("result")
        item.note = row.get("note")
        item.remark = row.get("remark")
        item.recorded_at = now
    db.session.flush()


def add_item(draft: RecordDraft, data: dict[str, Any]) -> RecordDraftItem:
    """An item of the technician's own, beyond the template (e.g. a fault the owner reported)."""
    require_open(draft)
    _check_result(data.get("result"), data.get("note"), "note")
    items = draft_items(draft)
    added_count = sum(1 for item in items if item.added)
    item = RecordDraftItem(
        draft_id=draft.id,
        seq=(items[-1].seq if items else 0) + 1,
        code=f"{ADDED_CODE_PREFIX}{added_count + 1:02d}",
        item=data["item"],
        requirement=data.get("requirement") or "",
        added=True,
        result=data.get("result"),
        note=data.get("note"),
        remark=data.get("remark"),
        recorded_at=utcnow() if data.get("result") else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def update_draft(actor: Account, draft: RecordDraft, changes: dict[str, Any]) -> None:
    """Remarks, replaced parts, hazards found, second technician (written by the next flush, with any other changes
    to the draft: a job's walk through its operations updates the draft row once)."""
    require_open(draft)
    if "second_technician_id" in changes:
        draft.second_technician_id = second_technician_for(actor, changes["second_technician_id"])
    for name in ("remarks", "replaced_parts", "hazards"):
        if name in changes:
            setattr(draft, name, changes[name])


def discard_draft(draft: RecordDraft) -> None:
    """Cancel an unsubmitted draft: it, its items and its photos are deleted (the stored photo bytes stay). A
    submitted draft stays, and so does its record (a submitted record is corrected by a new record, never
    withdrawn)."""
    if draft.status != "open":
        raise Conflict("该维保记录已提交，不能删除；如需更正请提交更正记录", code="already_submitted")
    db.session.execute(delete(RecordDraftItem).where(RecordDraftItem.draft_id == draft.id))
    db.session.execute(delete(DraftPhoto).where(DraftPhoto.draft_id == draft.id))
    db.session.delete(draft)
    db.session.flush()
