"""Photo evidence schemas (issue 19): a photo upload, a draft's and a record's photos, a missing photo's reason,
a unit's own required position."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from flask import current_app
from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from miniback.api.schemas.fields import Out, Text50, Text200
from miniback.api.validation import Schema
from miniback.config import photo_base64_length
from miniback.models.elevators import ElevatorType
from miniback.models.records import Category, CoordSystem
from miniback.records.onsite import Point
from miniback.records.photos import photo_too_large

DATA_URL_PREFIXES = ("data:image/jpeg;base64,", "data:image/png;base64,")
PositionCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]


def _check_photo_text(value: str) -> str:
    """Refuse, before decoding, a base64 photo too long to be within ``PHOTO_MAX_BYTES`` once decoded."""
    for prefix in DATA_URL_PREFIXES:
        value = value.removeprefix(prefix)
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if len(value) > photo_base64_length(limit):
        raise ValueError(photo_too_large(limit))
    return value


PhotoB64 = Annotated[str, StringConstraints(min_length=1), AfterValidator(_check_photo_text)]


class PhotoPointIn(Schema):
    """Where the photo was taken (``wx.getLocation`` at the shot), when the device had a fix."""

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100000)
    coord_system: CoordSystem


class PhotoIn(Schema):
    position: PositionCode = Field(description="拍照部位代码（见草稿的 photo_positions）")
    image_base64: PhotoB64 = Field(description="照片原件（JPEG 或 PNG）的 Base64，可带 data:image/…;base64, 前缀")
    captured_at: AwareDatetime = Field(description="设备拍摄时间")
    location: PhotoPointIn | None = Field(None, description="拍摄时的定位（无定位时为 null）")

    def point(self) -> Point | None:
        if self.location is None:
            return None
        where = self.location
        accuracy = Decimal(f"{where.accuracy_m:.1f}") if where.accuracy_m is not None else None
        return Point(
            Decimal(f"{where.lat:.7f}"), Decimal(f"{where.lng:.7f}"), accuracy, where.coord_system, self.captured_at
        )


class MissingPhotoIn(Schema):
    position: PositionCode
    reason: Text200 = Field(description="未拍摄该部位照片的原因（将被标记）")


class PhotoPositionOut(Out):
    code: str
    label: str


class PhotoOut(Out):
    id: int
    position: str
    label: str = Field(description="拍照部位名称")
    sha256: str
    phash: str
    format: str
    width: int
    height: int
    size_bytes: int
    captured_at: datetime
    received_at: datetime
    lat: Decimal | None
    lng: Decimal | None
    accuracy_m: Decimal | None
    coord_system: str | None
    url: str = Field(description="加水印的照片（JPEG；水印在显示时绘制，原件不变）")


class MissingPhotoOut(Out):
    position: str
    label: str
    reason: str


class UnitPhotoPositionIn(Schema):
    elevator_type: ElevatorType
    category: Category = Field(description="自此类别起需要（季度包含半月，依此类推）")
    code: PositionCode
    label: Text50


class UnitPhotoPositionOut(Out):
    id: int
    elevator_type: str
    category: str
    code: str
    label: str
    active: bool


class UnitPhotoPositionsOut(Out):
    items: list[UnitPhotoPositionOut]
