"""The signed platform routes' schemas (数据接口): the record upload, batches, delay notices, what is answered, and
the look-ups integrators map their ids with. Every time is RFC 3339 with an offset; a time without one is a 422."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BeforeValidator, Field, StringConstraints, model_validator

from miniback.api.schemas.fields import (
    Code,
    Out,
    Page,
    Paragraphs2000,
    SignatureB64,
    Text32,
    Text50,
    Text200,
    Text500,
)
from miniback.api.schemas.photos import MissingPhotoIn, PhotoB64, PhotoPointIn, PositionCode
from miniback.api.schemas.platforms import PlatformKeyOut
from miniback.api.schemas.records import Hazard, ReplacedPart
from miniback.api.validation import Schema
from miniback.models.records import Category, CoordSystem, DelayCause, ItemResult

# RFC 3339 with an offset (``Z`` or ``±hh:mm``), as the signed timestamp: no epoch numbers, no naive times.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")
PLATFORM_REF_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
MAX_BATCH_ITEMS = 100


def _rfc3339(value: Any) -> Any:
    if not isinstance(value, str) or not RFC3339.match(value):
        raise ValueError("时间须带时区偏移，如 2026-12-03T14:05:00+08:00")
    return value


Rfc3339 = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    Field(description="RFC 3339，须带时区偏移，如 2026-12-03T14:05:00+08:00"),
]
PlatformRef = Annotated[str, StringConstraints(pattern=PLATFORM_REF_PATTERN)]


class ElevatorRef(Schema):
    """The elevator by one of its codes (设备代码 or 注册代码), exactly as registered here."""

    device_code: Code | None = None
    registration_code: Code | None = None

    @model_validator(mode="after")
    def one_code(self) -> ElevatorRef:
        if (self.device_code is None) == (self.registration_code is None):
            raise ValueError("须且只能给出设备代码或注册代码之一")
        return self


class TechnicianRef(Schema):
    certificate_no: Text50 = Field(description="特种设备作业人员证编号（须为该电梯维保单位的在职维保人员）")


class PointUpload(Schema):
    at: Rfc3339
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100000)
    coord_system: CoordSystem


class ResultUpload(Schema):
    code: Text32 = Field(description="TSG T5002-2017 项目编号，如 A-1-01（与小程序相同）")
    result: ItemResult
    note: Text500 | None = Field(None, description="不适用的原因 / 隐患的描述（此两种结果必填）")
    remark: Text500 | None = None


class AddedItemUpload(Schema):
    item: Text200
    requirement: Text500 | None = None
    result: ItemResult
    note: Text500 | None = None
    remark: Text500 | None = None


class PhotoUpload(Schema):
    """A site photo of the record (照片), checked and stored as the mini-program's are."""

    position: PositionCode = Field(description="拍照部位代码（见 docs/platform-api.md 的必拍部位表）")
    image_base64: PhotoB64 = Field(description="照片原件（JPEG 或 PNG）的 Base64")
    captured_at: Rfc3339 = Field(description="设备拍摄时间")
    location: PhotoPointIn | None = Field(None, description="拍摄时的定位")


class RecordUpload(Schema):
    """One maintenance record collected by the platform (RecordUpload)."""

    platform_record_id: PlatformRef = Field(description="平台自己的记录编号（幂等键）：1–64 位 A-Z a-z 0-9 . _ : -")
    elevator: ElevatorRef
    technicians: list[TechnicianRef] = Field(min_length=1, max_length=2, description="1–2 人，第一位为主维保人员")
    category: Category
    check_in: PointUpload
    check_out: PointUpload
    results: list[ResultUpload] = Field(max_length=300, description="该梯型与类别的每一个 TSG 项目各一条")
    added_items: list[AddedItemUpload] = Field(default_factory=list, max_length=50)
    replaced_parts: list[ReplacedPart] = Field(default_factory=list, max_length=50)
    hazards: list[Hazard] = Field(default_factory=list, max_length=50)
    remarks: Paragraphs2000 | None = None
    signature_png: SignatureB64
    completed_at: Rfc3339 = Field(description="维保人员在设备上完成记录的时间")
    photos: list[PhotoUpload] = Field(
        default_factory=list, max_length=24, description="现场照片（每个必拍部位至少一张）"
    )
    missing_photos: list[MissingPhotoIn] = Field(
        default_factory=list, max_length=50, description="未拍摄的必拍部位及原因（将被标记）"
    )


class RecordBatch(Schema):
    # Each element is validated on its own (one bad item never fails the others): only the envelope is checked here.
    records: list[Any] = Field(
        min_length=1, max_length=MAX_BATCH_ITEMS, description="1–100 条 RecordUpload，逐条独立处理"
    )


class DelayNoticeUpload(Schema):
    platform_notice_id: PlatformRef = Field(description="平台自己的延期说明编号（幂等键）")
    elevators: list[ElevatorRef] = Field(min_length=1, max_length=500)
    cause: DelayCause
    starts_on: date
    ends_on: date
    explanation: Paragraphs2000


class FlagsOut(Out):
    distance: bool
    duration: bool
    overlap: bool


class PlatformSignoffOut(Out):
    state: str
    deadline_at: datetime | None
    decided_at: datetime | None
    objection_open: bool
    objection_reason: str | None


class PlatformRecordOut(Out):
    platform_record_id: str
    record_id: int | None = Field(description="本平台的记录编号；沙箱中为 null")
    sandbox: bool
    content_hash: str | None
    elevator_id: int
    category: str
    maintenance_day: date
    received_at: datetime
    late_upload: bool
    flags: FlagsOut
    signoff: PlatformSignoffOut | None
    public_url: str | None = Field(description="电梯公开页面（居民扫码所见）；沙箱中为 null")


class RecordResultOut(Out):
    result: Literal["created", "duplicate"]
    record: PlatformRecordOut


class ItemErrorOut(Out):
    code: str
    message: str
    fields: dict[str, str] | None = None
    details: dict[str, Any] | None = None


class BatchItemOut(Out):
    index: int
    platform_record_id: str | None
    result: Literal["created", "duplicate", "conflict", "invalid"]
    record: PlatformRecordOut | None
    error: ItemErrorOut | None


class BatchCountsOut(Out):
    created: int
    duplicate: int
    conflict: int
    invalid: int


class BatchOut(Out):
    results: list[BatchItemOut]
    counts: BatchCountsOut


class PlatformDelayNoticeOut(Out):
    platform_notice_id: str
    delay_notice_id: int | None = Field(description="本平台的延期说明编号；沙箱中为 null")
    sandbox: bool
    content_hash: str | None
    maintenance_unit_id: int
    elevator_ids: list[int]
    cause: str
    starts_on: date
    ends_on: date
    received_at: datetime


class DelayNoticeResultOut(Out):
    result: Literal["created", "duplicate"]
    delay_notice: PlatformDelayNoticeOut


class PlatformMeOut(Out):
    code: str
    name: str
    status: str
    sandbox: bool
    keys: list[PlatformKeyOut]
    callback_url: str | None
    authorised_units: int = Field(description="授权本平台的维保单位数")


class PlatformUnitOut(Out):
    id: int
    name: str
    credit_code: str


class PlatformElevatorQuery(Page):
    device_code: Code | None = None
    registration_code: Code | None = None
    maintenance_unit_id: int | None = None


class PlatformElevatorOut(Out):
    id: int
    device_code: str | None
    registration_code: str | None
    use_certificate_no: str | None
    address: str
    position: str | None
    elevator_type: str
    maintenance_unit_id: int | None
    status: str
    has_location: bool


class PlatformStaffQuery(Page):
    maintenance_unit_id: int | None = None
    certificate_no: Text50 | None = None


class PlatformStaffOut(Out):
    name: str
    certificate_no: str | None
    role: str
    maintenance_unit_id: int | None
