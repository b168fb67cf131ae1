"""Photo evidence (issue 19): photos uploaded to the technician's own draft, their watermarked display for the
draft's technician and the record's authorised readers, and a unit's own required positions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from miniback.access import get_draft_or_404, get_record_or_404
from miniback.api.schemas.photos import (
    PhotoIn,
    PhotoOut,
    UnitPhotoPositionIn,
    UnitPhotoPositionOut,
    UnitPhotoPositionsOut,
)
from miniback.api.validation import documented, json_body
from miniback.auth.current import current_account, login_required
from miniback.errors import NotFound
from miniback.extensions import db
from miniback.models import DraftPhoto, Elevator, MaintenanceRecord, RecordDraft, RecordPhoto, UnitPhotoPosition
from miniback.records.photos import (
    add_draft_photo,
    add_unit_position,
    load_photo,
    remove_draft_photo,
    watermark_lines,
    watermarked,
)
from miniback.records.signature import decode_base64

bp = Blueprint("photos", __name__)


def draft_photo_out(photo: DraftPhoto, draft: RecordDraft | None) -> PhotoOut:
    url = f"/api/v1/drafts/{photo.draft_id}/photos/{photo.id}.jpg"
    return PhotoOut.model_validate({**_columns(photo), "label": _label(draft, photo.position), "url": url})


def record_photo_out(photo: RecordPhoto, draft: RecordDraft | None) -> PhotoOut:
    """``draft``: the record's draft, whose positions name the photo's (the record's content holds the codes)."""
    url = f"/api/v1/records/{photo.record_id}/photos/{photo.id}.jpg"
    return PhotoOut.model_validate({**_columns(photo), "label": _label(draft, photo.position), "url": url})


def _columns(photo: DraftPhoto | RecordPhoto) -> dict[str, Any]:
    return {name: getattr(photo, name) for name in PhotoOut.model_fields if name not in ("url", "label")}


def _label(draft: RecordDraft | None, code: str) -> str:
    for position in (draft.photo_positions if draft else None) or []:
        if position["code"] == code:
            return str(position["label"])
    return code


def _shown(draft: RecordDraft | None, elevator_id: int, photo: DraftPhoto | RecordPhoto) -> Response:
    elevator = db.session.get(Elevator, elevator_id)
    assert elevator is not None
    code = elevator.device_code or elevator.registration_code or elevator.public_code
    lines = watermark_lines(
        code, _label(draft, photo.position), photo.captured_at, photo.lat, photo.lng, photo.coord_system
    )
    image = watermarked(load_photo(photo.sha256), lines)
    return Response(image, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.post("/drafts/<int:draft_id>/photos")
@documented(
    "上传现场照片到本人的草稿（JPEG/PNG，服务器解码校验；原件按 SHA-256 存储并双备份）",
    body=PhotoIn,
    response=PhotoOut,
    status=201,
)
@login_required("technician")
def upload_draft_photo(draft_id: int) -> Any:
    actor = current_account()
    data = json_body(PhotoIn)
    image = decode_base64(data.image_base64, "image_base64")
    draft = get_draft_or_404(draft_id, actor, for_update=True)
    photo = add_draft_photo(actor, draft, data.position, image, data.captured_at, data.point())
    out = draft_photo_out(photo, draft).model_dump(mode="json")
    db.session.commit()
    return out, 201


@bp.delete("/drafts/<int:draft_id>/photos/<int:photo_id>")
@documented("删除草稿中的一张照片（提交前）", status=204)
@login_required("technician")
def delete_draft_photo(draft_id: int, photo_id: int) -> Any:
    remove_draft_photo(get_draft_or_404(draft_id, current_account(), for_update=True), photo_id)
    db.session.commit()
    return Response(status=204)


@bp.get("/drafts/<int:draft_id>/photos/<int:photo_id>.jpg")
@documented("草稿中的照片（显示时加水印：电梯编号、部位、拍摄时间、位置）", media_type="image/jpeg")
@login_required("technician")
def draft_photo_image(draft_id: int, photo_id: int) -> Any:
    draft = get_draft_or_404(draft_id, current_account())
    photo = db.session.get(DraftPhoto, photo_id)
    if photo is None or photo.draft_id != draft.id:
        raise NotFound("找不到该照片")
    return _shown(draft, draft.elevator_id, photo)


@bp.get("/records/<int:record_id>/photos/<int:photo_id>.jpg")
@documented("维保记录的照片（显示时加水印：电梯编号、部位、拍摄时间、位置；原件不变）", media_type="image/jpeg")
@login_required()
def record_photo_image(record_id: int, photo_id: int) -> Any:
    record: MaintenanceRecord = get_record_or_404(record_id, current_account())
    photo = db.session.get(RecordPhoto, photo_id)
    if photo is None or photo.record_id != record.id:
        raise NotFound("找不到该照片")
    return _shown(db.session.get(RecordDraft, record.draft_id), record.elevator_id, photo)


@bp.post("/units/photo-positions")
@documented("本单位增加必拍部位（在规定部位之外；自所选类别起对新草稿生效）", body=UnitPhotoPositionIn,
            response=UnitPhotoPositionOut, status=201)  # fmt: skip
@login_required("mu_admin")
def add_photo_position() -> Any:
    position = add_unit_position(current_account(), json_body(UnitPhotoPositionIn).model_dump())
    out = UnitPhotoPositionOut.of(position)
    db.session.commit()
    return out, 201


@bp.get("/units/photo-positions")
@documented("本单位自行增加的必拍部位", response=UnitPhotoPositionsOut)
@login_required("mu_admin", "mu_supervisor", "technician")
def list_photo_positions() -> Any:
    actor = current_account()
    rows = db.session.execute(
        db.select(UnitPhotoPosition)
        .where(UnitPhotoPosition.maintenance_unit_id == actor.maintenance_unit_id)
        .order_by(UnitPhotoPosition.id)
    ).scalars()
    return {"items": [UnitPhotoPositionOut.of(row) for row in rows]}
