"""Submission: freeze a draft into an insert-only record with its canonical content and SHA-256."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Row, bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value

from miniback.access import require_maintainer
from miniback.errors import Conflict, ValidationFailed
from miniback.extensions import db
from miniback.models import (
    Account,
    DraftPhoto,
    Elevator,
    MaintenanceRecord,
    RecordDraft,
    RecordDraftItem,
    RecordItem,
    RecordPhoto,
    RecordPhotoMissing,
    RecordTechnician,
    utcnow,
)
from miniback.projections.public_history import add_public_entry
from miniback.records.calendar import local_day
from miniback.records.drafts import NOTE_REQUIRED
from miniback.records.due import record_maintenance_done
from miniback.records.onsite import check_device_time
from miniback.records.signals import raise_submission_signals
from miniback.records.signature import check_signature_png
from miniback.records.verification import mint_code
from signoff.ledger.chain import append_entry
from signoff.ledger.hashing import content_hash
from signoff.operations import open_signoff
from signoff.signatures import store_signature

# /2: the photo evidence (``photos``, ``photos_missing``, ``photo_positions_version``, ``photos_required``,
# ``photos_present``), issue 19.
CONTENT_SCHEMA = "miniback.maintenance_record/2"
# What a record keeps of each draft item (its content and its record_item row).
ITEM_COLUMNS = ("seq", "code", "item", "requirement", "added", "result", "note", "remark")
ELEVATOR_COLUMNS = (
    Elevator.id,
    Elevator.maintenance_unit_id,
    Elevator.status,
    Elevator.device_code,
    Elevator.registration_code,
    Elevator.elevator_type,
    Elevator.address,
    Elevator.position,
    Elevator.use_unit_id,
    Elevator.district,
)
NO_USE_UNIT = "该电梯尚未登记使用单位，无法提交维保记录，请联系维保单位管理员补充"
# The overlap check looks this far back for another job of the same technician.
OVERLAP_LOOKBACK = timedelta(hours=24)
_INSERT_RECORD, _INSERT_ITEMS = insert(MaintenanceRecord.__table__), insert(RecordItem.__table__)
_INSERT_TECHNICIANS = insert(RecordTechnician.__table__)
# Only the columns a submission uses (the access check and the record's content), as a plain row: the ORM entity,
# its identity map entry and a per-call load option cost more than the read itself.
_ELEVATOR = db.select(*ELEVATOR_COLUMNS).where(Elevator.id == bindparam("elevator_id"))
_DRAFTS = RecordDraft.__table__
_MARK_SUBMITTED = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("draft_id"))
    .values(status="submitted", updated_at=bindparam("now", type_=_DRAFTS.c.updated_at.type))
)


def record_for_draft(draft_id: int) -> MaintenanceRecord | None:
    # A locking read: under REPEATABLE READ a plain read could miss a record committed by a concurrent
    # submission of the same draft after this transaction's snapshot was taken.
    return db.session.execute(
        db.select(MaintenanceRecord).where(MaintenanceRecord.draft_id == draft_id).with_for_update(read=True)
    ).scalar_one_or_none()


_DRAFT_ITEMS = RecordDraftItem.__table__
_ITEMS_TO_FREEZE = (
    db.select(*(_DRAFT_ITEMS.c[name] for name in ITEM_COLUMNS))
    .where(_DRAFT_ITEMS.c.draft_id == bindparam("draft_id"))
    .order_by(_DRAFT_ITEMS.c.seq)
    .with_for_update(read=True)
)


def _items_to_freeze(draft: RecordDraft) -> Sequence[Row[Any]]:
    """The draft's items as plain rows, in order (no ORM objects: they are only read, hashed and copied).

    A locking read, like the draft's own: under REPEATABLE READ a plain read could return items older than the
    locked draft row (a results save that committed while this submission waited for the draft's lock).
    """
    return db.session.connection().execute(_ITEMS_TO_FREEZE, {"draft_id": draft.id}).all()


# The items hashed above, copied by the database itself (no rows sent back and forth). Sound on MySQL/MariaDB only:
# there the copy's SELECT is a locking read of the latest committed rows like ``_ITEMS_TO_FREEZE``, whose shared
# locks keep those rows unchanged until the commit, so both reads see the very same rows.
_COPY_ITEMS = insert(RecordItem.__table__).from_select(
    ["record_id", *ITEM_COLUMNS],
    db.select(
        bindparam("record_id", type_=RecordItem.__table__.c.record_id.type),
        *(_DRAFT_ITEMS.c[name] for name in ITEM_COLUMNS),
    )
    .where(_DRAFT_ITEMS.c.draft_id == bindparam("draft_id"))
    .order_by(_DRAFT_ITEMS.c.seq),
)


def _copy_items(connection: Connection, record_id: int, draft_id: int, item_rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name != "mysql":
        # Elsewhere (the embedded SQLite demo) the items read earlier may not be locked: insert exactly those.
        connection.execute(_INSERT_ITEMS, [{"record_id": record_id, **row} for row in item_rows])
        return
    copied = connection.execute(_COPY_ITEMS, {"record_id": record_id, "draft_id": draft_id}).rowcount
    if copied != len(item_rows):
        raise RuntimeError(f"draft {draft_id}: copied {copied} items, hashed {len(item_rows)}")


# What a record keeps of each draft photo (its content's ``photos`` and its record_photo row): the hashes computed
# at upload, the device's capture time, the server's receive time and the point. No photo is decoded here.
PHOTO_COLUMNS = (
    "position",
    "sha256",
    "phash",
    "dhash",
    "colour",
    "format",
    "width",
    "height",
    "size_bytes",
    "captured_at",
    "received_at",
    "lat",
    "lng",
    "accuracy_m",
    "coord_system",
)
_DRAFT_PHOTOS = DraftPhoto.__table__
_PHOTOS_TO_FREEZE = (
    db.select(*(_DRAFT_PHOTOS.c[name] for name in PHOTO_COLUMNS))
    .where(_DRAFT_PHOTOS.c.draft_id == bindparam("draft_id"))
    .order_by(_DRAFT_PHOTOS.c.id)
    .with_for_update(read=True)
)
_INSERT_PHOTOS, _INSERT_PHOTOS_MISSING = insert(RecordPhoto.__table__), insert(RecordPhotoMissing.__table__)


@dataclass(frozen=True)
class PhotoEvidence:
    photos: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    required: int | None
    present: int | None


def _photo_evidence(draft: RecordDraft, reasons: Mapping[str, str], problems: dict[str, str]) -> PhotoEvidence:
    """The draft's photos (a locking read, like its items) and a reason for each required position without one.

    A required position with neither a photo nor a reason, and a reason for a position the draft does not require
    or that has a photo, are added to ``problems``. A draft started before photos existed requires none."""
    rows = db.session.connection().execute(_PHOTOS_TO_FREEZE, {"draft_id": draft.id}).all()
    photos = [{"seq": seq, **row._asdict()} for seq, row in enumerate(rows, start=1)]
    positions = draft.photo_positions
    if positions is None:
        for code in reasons:
            problems[f"missing_photos.{code}"] = "该维保记录没有此拍照部位"
        return PhotoEvidence(photos, [], None, None)
    taken = {photo["position"] for photo in photos}
    codes = {position["code"] for position in positions}
    for code in reasons:
        if code not in codes:
            problems[f"missing_photos.{code}"] = "该维保记录没有此拍照部位"
        elif code in taken:
            problems[f"missing_photos.{code}"] = "该部位已有照片，无需说明原因"
    missing: list[dict[str, Any]] = []
    for position in positions:
        code, label = position["code"], position["label"]
        if code in taken:
            continue
        reason = (reasons.get(code) or "").strip()
        if reason:
            missing.append({"seq": len(missing) + 1, "position": code, "label": label, "reason": reason})
        else:
            problems[f"photos.{code}"] = f"缺少“{label}”照片：请拍摄，或说明未拍摄的原因"
    return PhotoEvidence(photos, missing, len(positions), len(positions) - len(missing))


def _missing(draft: RecordDraft, items: Sequence[Any]) -> dict[str, str]:
    missing: dict[str, str] = {}
    if draft.check_in_at is None:
        missing["check_in"] = "尚未签到"
    if draft.check_out_at is None:
        missing["check_out"] = "尚未签退"
    for item in items:
        if item.result is None:
            missing[f"items.{item.code}"] = "未填写结果"
        elif item.result in NOTE_REQUIRED and not item.note:
            missing[f"items.{item.code}"] = NOTE_REQUIRED[item.result]
    return missing


_TECHNICIANS, _RECORDS = RecordTechnician.__table__, MaintenanceRecord.__table__
# Built once with bound parameters (it runs in every submission): one of the technicians on another elevator
# at a time overlapping [start, end].
_OVERLAP = (
    db.select(_TECHNICIANS.c.id)
    .join(_RECORDS, _RECORDS.c.id == _TECHNICIANS.c.record_id)
    .where(
        _TECHNICIANS.c.account_id.in_(bindparam("technician_ids", expanding=True)),
        _TECHNICIANS.c.check_in_at < bindparam("end", type_=_TECHNICIANS.c.check_in_at.type),
        _TECHNICIANS.c.check_in_at > bindparam("lookback", type_=_TECHNICIANS.c.check_in_at.type),
        _TECHNICIANS.c.check_out_at > bindparam("start", type_=_TECHNICIANS.c.check_out_at.type),
        _RECORDS.c.elevator_id != bindparam("elevator_id"),
    )
    .limit(1)
)


def _overlaps(technician_ids: list[int], elevator_id: int, start: datetime, end: datetime) -> bool:
    """Whether one of the technicians has a submitted job on another elevator overlapping [start, end]."""
    params = {
        "technician_ids": technician_ids,
        "end": end,
        "lookback": start - OVERLAP_LOOKBACK,
        "start": start,
        "elevator_id": elevator_id,
    }
    return db.session.connection().execute(_OVERLAP, params).first() is not None


def _point(draft: RecordDraft, prefix: str) -> dict[str, Any]:
    return {
        "at": getattr(draft, f"{prefix}_at"),
        "lat": getattr(draft, f"{prefix}_lat"),
        "lng": getattr(draft, f"{prefix}_lng"),
        "accuracy_m": getattr(draft, f"{prefix}_accuracy_m"),
        "coord_system": getattr(draft, f"{prefix}_coord_system"),
        "distance_m": getattr(draft, f"{prefix}_distance_m"),
    }


def _technician(account: Account, role: str) -> dict[str, Any]:
    return {"id": account.id, "name": account.name, "certificate_no": account.certificate_no, "role": role}


@dataclass(frozen=True)
class Submission:
    """What ``submit_record`` did: the record, whether this call created it, and (if so) its sign-off deadline,
    which the caller needs after the commit to schedule the deadline job."""

    record: MaintenanceRecord
    created: bool
    signoff_deadline: datetime | None = None
    # The kinds of the ``record_flag`` rows the submission raised on this record (records/signals.py).
    signal_kinds: tuple[str, ...] = ()


def submit_record(
    actor: Account,
    draft: RecordDraft,
    signature_png: bytes,
    *,
    device_submitted_at: datetime | None = None,
    source: str = "miniprogram",
    received_at: datetime | None = None,
    elevator: Any = None,
    missing_photos: Mapping[str, str] | None = None,
) -> Submission:
    """Freeze ``draft`` into a submitted record.

    Submitting an already-submitted draft returns its record unchanged (``created`` False), so a retried
    request never yields two records. The caller loads the draft with ``for_update`` and commits; a unique
    constraint on ``draft_id`` backs this up if two submissions still race. ``received_at`` is the server's
    receive time; only seeding and imports pass it (the API never does). ``elevator``: the draft's elevator (an
    ``Elevator``, or a row of ``ELEVATOR_COLUMNS``), if the caller has just read it in this transaction (a platform
    upload); else its columns are read here. ``missing_photos`` gives, by position code, the reason a required
    photo was not taken.
    """
    if draft.status == "submitted":
        existing = record_for_draft(draft.id)
        if existing is None:
            raise Conflict("该草稿已提交", code="already_submitted")
        return Submission(existing, created=False)
    db.session.flush()  # the reads below run on the connection, past the session's autoflush
    if elevator is None:
        elevator = db.session.connection().execute(_ELEVATOR, {"elevator_id": draft.elevator_id}).one()
    assert elevator.id == draft.elevator_id
    require_maintainer(actor, elevator)
    if elevator.use_unit_id is None:
        # Nobody could sign it off: it would only be default-confirmed unseen (README, "Elevators without a use unit").
        raise Conflict(NO_USE_UNIT, code="no_use_unit")
    received_at = received_at or utcnow()
    if device_submitted_at is not None:
        check_device_time(device_submitted_at, "device_submitted_at", received_at)
    items = _items_to_freeze(draft)
    missing = _missing(draft, items)
    evidence = _photo_evidence(draft, missing_photos or {}, missing)
    if missing:
        raise ValidationFailed("维保记录尚未填写完整", fields=missing, code="record_incomplete")
    width, height = check_signature_png(signature_png, "signature_png")
    signature_sha256 = store_signature(signature_png, width, height, actor.id)
    assert draft.check_in_at is not None and draft.check_out_at is not None

    technicians = [_technician(actor, "primary")]
    second = db.session.get(Account, draft.second_technician_id) if draft.second_technician_id else None
    if second is not None:
        technicians.append(_technician(second, "second"))
    radius = Decimal(current_app.config["ONSITE_RADIUS_M"])
    distances = [draft.check_in_distance_m, draft.check_out_distance_m]
    duration = int((draft.check_out_at - draft.check_in_at).total_seconds())
    flags = {
        "distance": any(d is not None and d > radius for d in distances),
        "duration": duration < 60 * current_app.config["MIN_DURATION_MINUTES"][draft.category],
        "overlap": _overlaps([t["id"] for t in technicians], elevator.id, draft.check_in_at, draft.check_out_at),
    }
    maintenance_day = local_day(draft.check_out_at)
    item_rows = [item._asdict() for item in items]
    late_upload = local_day(received_at) > maintenance_day

    content = {
        "schema": CONTENT_SCHEMA,
        "draft_id": draft.id,
        "supersedes_id": draft.supersedes_id,
        "elevator": {
            "id": elevator.id,
            "device_code": elevator.device_code,
            "registration_code": elevator.registration_code,
            "elevator_type": elevator.elevator_type,
            "address": elevator.address,
            "position": elevator.position,
        },
        "maintenance_unit_id": draft.maintenance_unit_id,
        "use_unit_id": elevator.use_unit_id,
        "technicians": technicians,
        "category": draft.category,
        "template_version": draft.template_version,
        "maintenance_day": maintenance_day,
        "check_in": _point(draft, "check_in"),
        "check_out": _point(draft, "check_out"),
        "duration_seconds": duration,
        "items": item_rows,
        "remarks": draft.remarks,
        "replaced_parts": draft.replaced_parts,
        "hazards": draft.hazards,
        "signature_sha256": signature_sha256,
        "photo_positions_version": draft.photo_positions_version,
        "photos": evidence.photos,
        "photos_missing": evidence.missing,
        "photos_required": evidence.required,
        "photos_present": evidence.present,
        "device_submitted_at": device_submitted_at,
        "received_at": received_at,
        "late_upload": late_upload,
        "flags": flags,
        "source": source,
    }
    canonical, digest = content_hash(content)
    values: dict[str, Any] = dict(
        draft_id=draft.id,
        supersedes_id=draft.supersedes_id,
        elevator_id=elevator.id,
        elevator_type=elevator.elevator_type,
        maintenance_unit_id=draft.maintenance_unit_id,
        use_unit_id=elevator.use_unit_id,
        district=elevator.district,
        technician_id=actor.id,
        org_node_id=actor.org_node_id,
        category=draft.category,
        template_version=draft.template_version,
        maintenance_day=maintenance_day,
        check_in_at=draft.check_in_at,
        check_in_lat=draft.check_in_lat,
        check_in_lng=draft.check_in_lng,
        check_in_accuracy_m=draft.check_in_accuracy_m,
        check_in_coord_system=draft.check_in_coord_system,
        check_in_distance_m=draft.check_in_distance_m,
        check_out_at=draft.check_out_at,
        check_out_lat=draft.check_out_lat,
        check_out_lng=draft.check_out_lng,
        check_out_accuracy_m=draft.check_out_accuracy_m,
        check_out_coord_system=draft.check_out_coord_system,
        check_out_distance_m=draft.check_out_distance_m,
        duration_seconds=duration,
        device_submitted_at=device_submitted_at,
        received_at=received_at,
        late_upload=late_upload,
        flag_distance=flags["distance"],
        flag_duration=flags["duration"],
        flag_overlap=flags["overlap"],
        flagged=any(flags.values()),
        remarks=draft.remarks,
        replaced_parts=draft.replaced_parts,
        hazards=draft.hazards,
        signature_sha256=signature_sha256,
        source=source,
        photos_required=evidence.required,
        photos_present=evidence.present,
        content_hash=digest,
        canonical_content=canonical,
    )
    # A Core insert (the record is insert-only: nothing for the unit of work to track); the returned record is a
    # plain copy of the row written, which is all the response and the sign-off need.
    inserted = db.session.connection().execute(_INSERT_RECORD, values)
    record = MaintenanceRecord(id=inserted.inserted_primary_key[0], **values)
    # The code of its public verification page (/v/<code>), which the printed record's QR code holds.
    mint_code(db.session.connection(), record.id)
    # Tamper evidence: chained to the elevator's previous ledger entry in this same transaction.
    append_entry(elevator.id, "record", record.id, digest, at=received_at)
    # The use unit's sign-off opens in the same transaction: a submitted record always has its deadline.
    signoff = open_signoff(
        record, now=received_at, min_window=timedelta(seconds=current_app.config["SIGNOFF_MIN_WINDOW_SECONDS"])
    )
    # Core bulk inserts on the session's connection: the unit of work's per-object bookkeeping (and the ORM bulk
    # path's) is the hot spot here.
    connection = db.session.connection()
    _copy_items(connection, record.id, draft.id, item_rows)
    connection.execute(
        _INSERT_TECHNICIANS,
        [
            {
                "record_id": record.id,
                "account_id": tech["id"],
                "role": tech["role"],
                "maintenance_day": maintenance_day,
                "check_in_at": draft.check_in_at,
                "check_out_at": draft.check_out_at,
            }
            for tech in technicians
        ],
    )
    if evidence.photos:
        connection.execute(_INSERT_PHOTOS, [{"record_id": record.id, **photo} for photo in evidence.photos])
    if evidence.missing:
        connection.execute(_INSERT_PHOTOS_MISSING, [{"record_id": record.id, **row} for row in evidence.missing])
    signals = raise_submission_signals(
        values,
        record.id,
        [tech["id"] for tech in technicians],
        photos=evidence.photos,
        photos_missing=evidence.missing,
        draft_started_at=draft.created_at,
    )
    # The resident's page shows it (masked) from this commit on, awaiting the sign-off just opened, with how many
    # kinds of flag it carries.
    flag_count = sum(flags.values()) + len(signals.own_kinds())
    add_public_entry(record, [tech["name"] for tech in technicians], signoff, flag_count)
    # A Core update, the in-memory draft told it is written: the unit of work's flush of one changed attribute
    # costs more than the statement.
    now = utcnow()
    connection.execute(_MARK_SUBMITTED, {"draft_id": draft.id, "now": now})
    set_committed_value(draft, "status", "submitted")
    set_committed_value(draft, "updated_at", now)
    record_maintenance_done(elevator.id, draft.category, maintenance_day)
    db.session.flush()
    return Submission(
        record, created=True, signoff_deadline=signoff.deadline_at, signal_kinds=tuple(signals.own_kinds())
    )


def superseded_by(record: MaintenanceRecord) -> list[int]:
    """Ids of the corrections that supersede ``record`` (both stay visible)."""
    return list(
        db.session.execute(
            db.select(MaintenanceRecord.id)
            .where(MaintenanceRecord.supersedes_id == record.id)
            .order_by(MaintenanceRecord.id)
        ).scalars()
    )
