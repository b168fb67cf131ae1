"""Photo evidence (issue 19): the required positions, a photo's checks as it arrives, its storage and its display.

- Positions: the shipped positions per elevator type and category (``miniback/data/photo_positions.csv``, versioned
  like the TSG items, cumulative by category) plus a unit's own (``unit_photo_position``). A draft keeps the list
  it was started with.
- Upload: only JPEG and PNG, recognised by decoding the whole image, within the configured bytes, sides and pixels;
  a decompression bomb, a PNG declaring a huge size, a truncated file, an animated image or an invalid EXIF
  orientation is refused before anything is stored. The near-duplicate signatures (the perceptual hash, the
  difference hash and the colour signature, docs/signals.md) are computed here, once, never at submission.
- Storage: the original bytes, unaltered, under ``photos/<sha256[:2]>/<sha256>`` in the photo store (``PHOTO_DIR``)
  and in the archive store (local directory or S3: the second copy, like the records' 数据双备份).
- Display: the photo upright with a watermark drawn on a copy (elevator code, position, capture time, point).
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import imagehash
from flask import current_app
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from miniback.errors import Conflict, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import CATEGORIES, Account, DraftPhoto, RecordDraft, UnitPhotoPosition, utcnow
from miniback.records.onsite import Point, check_device_time, require_open
from signoff.archive.local import LocalArchive
from signoff.archive.photos import photo_name, put_photo
from signoff.archive.settings import store_from_config
from signoff.archive.store import ArchiveError, ArchiveStore
from signoff.ledger.hashing import sha256_hex

# Bump the suffix whenever the CSV changes: every draft and record keeps the version its positions came from.
PHOTO_POSITIONS_VERSION = "PHOTO-POSITIONS/1"
POSITIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "photo_positions.csv"
JPEG_MAGIC, PNG_MAGIC = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"
# Pillow's names for what the bytes decode as; MPO is a JPEG with extra pictures (some phone cameras), kept as JPEG.
FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png"}
MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}
EXIF_ORIENTATION = 0x0112
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Position:
    code: str
    label: str
    hint: str = ""

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label}


@lru_cache(maxsize=1)
def _shipped_positions() -> tuple[tuple[str, str, Position], ...]:
    with POSITIONS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (row["elevator_type"], int(row["seq"])))
    return tuple(
        (row["elevator_type"], row["category"], Position(row["code"], row["label"], row["hint"])) for row in rows
    )


@lru_cache(maxsize=1)
def _shipped_labels() -> dict[str, str]:
    return {position.code: position.label for _, _, position in _shipped_positions()}


def position_label(code: str) -> str:
    """The Chinese name of a shipped position (机房 for machine_room); a unit's own position keeps its code."""
    return _shipped_labels().get(code, code)


def shipped_positions(elevator_type: str, category: str) -> list[Position]:
    """The shipped required positions of an elevator type for a category (a category includes the lower ones)."""
    rank = CATEGORIES.index(category)
    return [
        position
        for kind, since, position in _shipped_positions()
        if kind == elevator_type and CATEGORIES.index(since) <= rank
    ]


def required_positions(maintenance_unit_id: int, elevator_type: str, category: str) -> list[Position]:
    """The shipped positions, then the unit's own for this elevator type and category (a unit may require more)."""
    positions = shipped_positions(elevator_type, category)
    known = {position.code for position in positions}
    rank = CATEGORIES.index(category)
    extra = db.session.execute(
        db.select(UnitPhotoPosition.code, UnitPhotoPosition.label, UnitPhotoPosition.category)
        .where(
            UnitPhotoPosition.maintenance_unit_id == maintenance_unit_id,
            UnitPhotoPosition.elevator_type == elevator_type,
            UnitPhotoPosition.active.is_(True),
        )
        .order_by(UnitPhotoPosition.id)
    ).all()
    for code, label, since in extra:
        if code not in known and CATEGORIES.index(since) <= rank:
            positions.append(Position(code, label))
            known.add(code)
    return positions


def add_unit_position(actor: Account, data: dict[str, Any]) -> UnitPhotoPosition:
    """A position the actor's unit requires beyond the shipped ones (from ``category`` on, for ``elevator_type``)."""
    assert actor.maintenance_unit_id is not None
    shipped = {p.code for kind, _, p in _shipped_positions() if kind == data["elevator_type"]}
    taken = db.session.execute(
        db.select(UnitPhotoPosition.id).where(
            UnitPhotoPosition.maintenance_unit_id == actor.maintenance_unit_id,
            UnitPhotoPosition.elevator_type == data["elevator_type"],
            UnitPhotoPosition.code == data["code"],
        )
    ).first()
    if data["code"] in shipped or taken is not None:
        raise Conflict("该拍照部位代码已存在", code="position_exists", fields={"code": "已存在"})
    position = UnitPhotoPosition(
        maintenance_unit_id=actor.maintenance_unit_id,
        elevator_type=data["elevator_type"],
        category=data["category"],
        code=data["code"],
        label=data["label"],
        created_by_id=actor.id,
    )
    db.session.add(position)
    db.session.flush()
    return position


# --- checking an upload --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    sha256: str
    phash: str
    dhash: str
    colour: str
    format: str
    width: int
    height: int


def photo_too_large(limit: int) -> str:
    return f"照片不能超过 {limit // 1024} KB，请压缩后重新上传"


def check_photo(data: bytes, field: str = "image_base64") -> CheckedPhoto:
    """Refuse anything but a whole JPEG/PNG within the configured limits; returns its hashes and size.

    The declared size is judged before any pixel is decoded (a PNG may declare 100 000 × 100 000 in a few hundred
    bytes), Pillow's own decompression-bomb guard is kept as a second line, then the image is decoded in full
    (a truncated file fails here) and its EXIF orientation must be one of the eight the standard defines.
    """
    config = current_app.config
    limit = config["PHOTO_MAX_BYTES"]
    if not data:
        raise ValidationFailed(fields={field: "照片为空"})
    if len(data) > limit:
        raise ValidationFailed(photo_too_large(limit), fields={field: photo_too_large(limit)})
    if not data.startswith((JPEG_MAGIC, PNG_MAGIC)):
        raise ValidationFailed("照片必须是 JPEG 或 PNG 格式", fields={field: "照片必须是 JPEG 或 PNG 格式"})
    broken = "照片已损坏或无法识别"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = FORMATS.get(image.format or "")
                if kind is None:
                    raise ValidationFailed(fields={field: "照片必须是 JPEG 或 PNG 格式"})
                _check_dimensions(image.size, field)
                if getattr(image, "n_frames", 1) > 1 and kind == "png":
                    raise ValidationFailed(fields={field: "不支持动图"})
                orientation = image.getexif().get(EXIF_ORIENTATION)
                if orientation is not None and orientation not in range(1, 9):
                    raise ValidationFailed(fields={field: "照片的 EXIF 方向信息无效"})
                image.load()
                upright = ImageOps.exif_transpose(image)
                phash, dhash, colour = near_duplicate_signatures(upright)
                width, height = image.size
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        bomb = "照片像素过多（疑似解压炸弹），请压缩后重新上传"
        raise ValidationFailed(bomb, fields={field: bomb}) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        raise ValidationFailed(broken, fields={field: broken}) from None
    return CheckedPhoto(data, sha256_hex(data), phash, dhash, colour, kind, width, height)


# The colour signature: the upright photo's mean colour over a COLOUR_GRID × COLOUR_GRID grid, R, G, B per cell,
# as hex (48 bytes, 96 digits).
COLOUR_GRID = 4


def near_duplicate_signatures(upright: Image.Image) -> tuple[str, str, str]:
    """The photo's perceptual hash (``imagehash.phash``: the low frequencies of its brightness), difference hash
    (``imagehash.dhash``: which way the brightness steps between neighbouring pixels) and colour signature (the
    mean colour of each cell of a 4 × 4 grid). Three views of the picture, compared in docs/signals.md's rule."""
    rgb = upright.convert("RGB")
    cells = rgb.resize((COLOUR_GRID, COLOUR_GRID), Image.Resampling.BOX)
    return str(imagehash.phash(rgb)), str(imagehash.dhash(rgb)), cells.tobytes().hex()


def _check_dimensions(size: tuple[int, int], field: str) -> None:
    config = current_app.config
    width, height = size
    low, high = config["PHOTO_MIN_SIDE"], config["PHOTO_MAX_SIDE"]
    if not (low <= width <= high and low <= height <= high):
        raise ValidationFailed(fields={field: f"照片边长应在 {low}–{high} 像素之间"})
    if width * height > config["PHOTO_MAX_PIXELS"]:
        raise ValidationFailed(fields={field: f"照片像素不能超过 {config['PHOTO_MAX_PIXELS']}"})


# --- storage -------------------------------------------------------------------------------------------------------


def photo_store() -> LocalArchive:
    """Where photos are read from for display: ``PHOTO_DIR`` (default ``<instance>/photos``)."""
    return LocalArchive(current_app.config.get("PHOTO_DIR") or f"{current_app.instance_path}/photos")


def archive_store() -> ArchiveStore:
    return store_from_config(current_app.config, f"{current_app.instance_path}/archive")


def store_photo(photo: CheckedPhoto) -> None:
    """The original bytes in both stores (before the row that refers to them is written)."""
    put_photo(photo_store(), photo.sha256, photo.data)
    put_photo(archive_store(), photo.sha256, photo.data)


def load_photo(sha256: str) -> bytes:
    """A photo's bytes from the photo store, else from the archive; refused if neither copy hashes to ``sha256``."""
    name = photo_name(sha256)
    for store in (photo_store(), archive_store()):
        try:
            data = store.get(name)
        except ArchiveError:
            continue
        if sha256_hex(data) == sha256:
            return data
        current_app.logger.error("照片 %s 的存储副本与其哈希不符（%r）", sha256, store)
    raise Conflict("照片原件缺失或已被篡改，请联系管理员核查备份", code="photo_unavailable")


# --- a draft's photos ----------------------------------------------------------------------------------------------


def draft_photos(draft_id: int) -> list[DraftPhoto]:
    return list(
        db.session.execute(
            db.select(DraftPhoto).where(DraftPhoto.draft_id == draft_id).order_by(DraftPhoto.id)
        ).scalars()
    )


def add_draft_photo(
    actor: Account,
    draft: RecordDraft,
    position: str,
    data: bytes | CheckedPhoto,
    captured_at: datetime,
    point: Point | None,
) -> DraftPhoto:
    """Check and store a photo, then add it to ``draft`` (the caller loaded the actor's own draft for update).
    ``data`` may be a photo the caller has checked already (a platform checks every photo of a record first)."""
    require_open(draft)
    codes = [entry["code"] for entry in draft.photo_positions or []]
    if position not in codes:
        raise ValidationFailed(fields={"position": "该维保记录没有此拍照部位"})
    now = utcnow()
    check_device_time(captured_at, "captured_at", now)
    limit = current_app.config["PHOTO_MAX_PER_DRAFT"]
    if len(draft_photos(draft.id)) >= limit:
        raise Conflict(f"每条维保记录最多上传 {limit} 张照片", code="too_many_photos")
    photo = data if isinstance(data, CheckedPhoto) else check_photo(data)
    store_photo(photo)
    row = DraftPhoto(
        draft_id=draft.id,
        position=position,
        sha256=photo.sha256,
        phash=photo.phash,
        dhash=photo.dhash,
        colour=photo.colour,
        format=photo.format,
        width=photo.width,
        height=photo.height,
        size_bytes=len(photo.data),
        captured_at=captured_at,
        received_at=now,
        lat=point.lat if point else None,
        lng=point.lng if point else None,
        accuracy_m=point.accuracy_m if point else None,
        coord_system=point.coord_system if point else None,
        uploaded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def remove_draft_photo(draft: RecordDraft, photo_id: int) -> None:
    """Take a photo off an open draft (its stored bytes stay: they are content-addressed and write-once)."""
    require_open(draft)
    photo = db.session.get(DraftPhoto, photo_id)
    if photo is None or photo.draft_id != draft.id:
        raise NotFound("找不到该照片")
    db.session.delete(photo)
    db.session.flush()


# --- display -------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in current_app.config.get("PHOTO_WATERMARK_FONTS", ()):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def watermark_lines(
    elevator_code: str, position_label: str, captured_at: datetime, lat: Any, lng: Any, coord_system: str | None
) -> list[str]:
    moment = captured_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    where = f"{lat}, {lng}（{(coord_system or '').upper()}）" if lat is not None and lng is not None else "无定位"
    return [f"电梯 {elevator_code} · {position_label}", f"拍摄 {moment}", f"位置 {where}"]


def watermarked(data: bytes, lines: list[str]) -> bytes:
    """A JPEG of the photo upright with ``lines`` drawn on a dark band at the bottom (the original is untouched)."""
    with Image.open(io.BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    width, height = image.size
    size = max(14, width // 40)
    font = _font(size)
    band = (size + size // 2) * len(lines) + size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, height - band, width, height), fill=(0, 0, 0, 140))
    y = height - band + size // 2
    for line in lines:
        draw.text((size // 2, y), line, font=font, fill=(255, 255, 255, 235))
        y += size + size // 2
    composed = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    composed.save(out, "JPEG", quality=85)
    return out.getvalue()
