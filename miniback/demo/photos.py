"""Demo site photos: a drawn picture per position (each one different), stored and attached as an upload would.

The demo's jobs lie days in the past, beyond what an upload accepts as a device time, so the checked photo is
stored and its draft row written here directly (the same checks and the same stores as ``add_draft_photo``).
One job leaves the pit without a photo, with a reason; one reuses another job's photo (what the photo_reused
signal is for).
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

from miniback.extensions import db
from miniback.models import Account, DraftPhoto, RecordDraft
from miniback.records.photos import check_photo, store_photo

# Job index → position left without a photo, and its reason.
MISSING = {8: ("pit", "底坑积水，已报物业抽水，未能进入拍摄")}
# Job index → (position, the earlier job whose photo of that position it reuses).
REUSED = {7: ("machine_room", 6)}
_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
_taken: dict[tuple[int, str], bytes] = {}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def demo_photo(seed: int, label: str) -> bytes:
    """An 800 × 600 JPEG: a lit room with machinery-like shapes, different for every seed."""
    rng = random.Random(seed)
    base = tuple(rng.randrange(60, 160) for _ in range(3))
    image = Image.new("RGB", (800, 600), base)
    pen = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(0, 700), rng.randrange(0, 500)
        w, h = rng.randrange(40, 260), rng.randrange(40, 220)
        colour = tuple(rng.randrange(0, 256) for _ in range(3))
        if rng.random() < 0.5:
            pen.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            pen.ellipse((x, y, x + w, y + h), fill=colour)
    pen.text((24, 24), label, font=_font(40), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def attach_demo_photos(index: int, tech: Account, draft: RecordDraft, start: datetime, minutes: int) -> dict[str, str]:
    """A photo for each required position of ``draft`` taken during the job; returns the missing positions' reasons."""
    missing: dict[str, str] = {}
    lat, lng = draft.check_in_lat, draft.check_in_lng
    for seq, position in enumerate(draft.photo_positions or []):
        code = position["code"]
        if MISSING.get(index, ("",))[0] == code:
            missing[code] = MISSING[index][1]
            continue
        reused = REUSED.get(index)
        if reused is not None and reused[0] == code and (reused[1], code) in _taken:
            data = _taken[(reused[1], code)]
        else:
            data = demo_photo(index * 100 + seq, f"{position['label']} · 演示照片")
        _taken[(index, code)] = data
        photo = check_photo(data)
        store_photo(photo)
        at = start + timedelta(minutes=min(minutes - 1, 3 + seq * max(1, minutes // 6)))
        db.session.add(
            DraftPhoto(
                draft_id=draft.id,
                position=code,
                sha256=photo.sha256,
                phash=photo.phash,
                dhash=photo.dhash,
                colour=photo.colour,
                format=photo.format,
                width=photo.width,
                height=photo.height,
                size_bytes=len(data),
                captured_at=at,
                received_at=at + timedelta(seconds=20),
                lat=lat,
                lng=lng,
                accuracy_m=Decimal("9.0"),
                coord_system="gcj02",
                uploaded_by_id=tech.id,
            )
        )
    db.session.flush()
    return missing
