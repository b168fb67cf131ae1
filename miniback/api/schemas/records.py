"""The record schemas: points, items, parts and hazards (shared with the on-site, due and sign-off endpoints),
drafts, records and the records query."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from miniback.api.schemas.fields import Code, Out, Paragraphs2000, SignatureB64, Text32, Text100, Text200, Text500
from miniback.api.schemas.photos import MissingPhotoIn, MissingPhotoOut, PhotoOut, PhotoPositionOut
from miniback.api.validation import Schema
from miniback.models.flags import SignalKind
from miniback.models.records import Category, CoordSystem, ItemResult
from miniback.models.signoff import SignoffStateName
from miniback.records.onsite import Point
from miniback.registry.districts import District


class PointIn(Schema):
    """A location fix from ``wx.getLocation``: WGS-84 unless the mini-program asked for GCJ-02."""

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100000)
    coord_system: CoordSystem
    captured_at: AwareDatetime

    def point(self) -> Point:
        accuracy = Decimal(f"{self.accuracy_m:.1f}") if self.accuracy_m is not None else None
        return Point(
            Decimal(f"{self.lat:.7f}"), Decimal(f"{self.lng:.7f}"), accuracy, self.coord_system, self.captured_at
        )


class ReplacedPart(Schema):
    name: Text100
    model: Text100 | None = None
    quantity: int = Field(1, ge=1, le=1000)
    note: Text200 | None = None


class Hazard(Schema):
    description: Text500
    action: Text200 | None = None


class PointOut(Out):
    lat: Decimal | None
    lng: Decimal | None
    accuracy_m: Decimal | None
    coord_system: str | None
    at: datetime | None
    distance_m: Decimal | None


def point_out(obj: Any, prefix: str) -> dict[str, Any] | None:
    if getattr(obj, f"{prefix}_at") is None:
        return None
    return PointOut(
        lat=getattr(obj, f"{prefix}_lat"),
        lng=getattr(obj, f"{prefix}_lng"),
        accuracy_m=getattr(obj, f"{prefix}_accuracy_m"),
        coord_system=getattr(obj, f"{prefix}_coord_system"),
        at=getattr(obj, f"{prefix}_at"),
        distance_m=getattr(obj, f"{prefix}_distance_m"),
    ).model_dump(mode="json")


class ItemOut(Out):
    seq: int
    code: str
    item: str
    requirement: str
    added: bool
    result: str | None
    note: str | None
    remark: str | None


class DayRange(Schema):
    date_from: date | None = None
    date_to: date | None = None


Cursor = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}\.\d{1,12}$")]


class DraftIn(Schema):
    elevator_id: int
    category: Category
    unit_template_id: int | None = None
    second_technician_id: int | None = None


class CorrectionIn(Schema):
    second_technician_id: int | None = None


class ResultIn(Schema):
    code: Text32
    result: ItemResult
    note: Text500 | None = None
    remark: Text500 | None = None


class ResultsIn(Schema):
    results: list[ResultIn] = Field(min_length=1, max_length=300)


class AddedItemIn(Schema):
    item: Text200
    requirement: Text500 | None = None
    result: ItemResult | None = None
    note: Text500 | None = None
    remark: Text500 | None = None


class DraftUpdate(Schema):
    remarks: Paragraphs2000 | None = None
    replaced_parts: list[ReplacedPart] | None = Field(None, max_length=50)
    hazards: list[Hazard] | None = Field(None, max_length=50)
    second_technician_id: int | None = None


class SubmitIn(Schema):
    signature_png: SignatureB64
    device_submitted_at: AwareDatetime | None = None
    missing_photos: list[MissingPhotoIn] = Field(
        default_factory=list, max_length=50, description="未拍摄的必拍部位及原因（每个缺少照片的部位一条）"
    )

    def missing_photo_reasons(self) -> dict[str, str]:
        return {row.position: row.reason for row in self.missing_photos}


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
    photo_positions: list[PhotoPositionOut] = Field(description="必拍部位（开始草稿时确定）")
    photos: list[PhotoOut]
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
    photos_required: int | None = Field(None, description="必拍部位数（照片功能之前的记录为 null）")
    photos_present: int | None = Field(None, description="其中已拍摄的部位数")
    signature_sha256: str
    content_hash: str
    signal_kinds: list[SignalKind] | None = Field(
        None,
        description="真实性信号（record_flag，含事后发现的）的种类；维保人员不可见（null，提交的应答也是）",
    )


class RecordSignoffOut(Out):
    """The record's current sign-off (``/signoff/records/<id>`` has its events)."""

    state: str
    deadline_at: datetime
    pushed_at: datetime | None
    decided_at: datetime | None
    signed_by_id: int | None
    objection_open: bool
    objection_reason: str | None


class ElevatorBrief(Out):
    id: int
    public_code: str
    device_code: str | None
    registration_code: str | None
    address: str
    position: str | None


class RecordListItemOut(RecordOut):
    signoff: RecordSignoffOut | None = Field(description="签名确认状态（无则为 null）")
    # Names to show beside the ids, so a desk client needs no lookup per row (and none that a transferred
    # elevator's new scope would refuse).
    elevator: ElevatorBrief
    maintenance_unit_name: str
    use_unit_name: str | None
    technician_name: str
    source_name: str | None = Field(
        description="上传来源的名称：数据接口平台上传的记录为该平台的名称，小程序上传为 null"
    )


class FlagOut(Out):
    """One authenticity signal raised on the record (insert-only; a later one is a new row)."""

    id: int
    kind: SignalKind
    label: str = Field(description="种类的中文名称")
    rule: str = Field(description="触发的规则：speed、zero_accuracy、static_point、repeated_point、late、night 等")
    evidence: dict[str, Any] = Field(description="证据：数值、阈值和涉及的其他记录")
    explanation: str = Field(description="给主管看的中文说明")
    raised_by: Literal["submission", "later"] = Field(description="submission：提交时发现；later：之后的记录揭示")
    raised_by_record_id: int | None = Field(description="其提交发现本信号的记录")
    raised_at: datetime


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
    photos: list[PhotoOut]
    photos_missing: list[MissingPhotoOut]
    signature_url: str
    technicians: list[TechnicianOut]
    items: list[ItemOut]
    superseded_by: list[int]
    canonical_content: str
    signals: list[FlagOut] | None = Field(
        None, description="真实性信号及其说明与证据（最早的在前）；维保人员不可见（null）"
    )


class RecordFilterQuery(Schema):
    """The records list's filters: the list pages through them (``RecordQuery``), the export writes them all."""

    elevator_id: int | None = None
    device_code: Code | None = Field(None, description="电梯的设备代码或注册代码（完全一致）")
    maintenance_unit_id: int | None = None
    org_node_id: int | None = None
    use_unit_id: int | None = None
    technician_id: int | None = None
    district: District | None = None
    date_from: date | None = None
    date_to: date | None = None
    category: Category | None = None
    flagged: bool | None = Field(None, description="true：有任一异常标记（位置偏离、时长过短、时间重叠）的记录")
    flag: Literal["distance", "duration", "overlap", SignalKind] | None = Field(
        None,
        description="按一种异常标记筛选：distance 位置偏离、duration 时长过短、overlap 同一人时间重叠；"
        "真实性信号（维保人员不可用）：impossible_travel 行程不可能、suspect_location 疑似虚拟定位、"
        "bulk_upload 集中补传、photo_reused 照片重复使用、photo_not_fresh 照片非现场拍摄、photo_missing 缺少照片",
    )
    late_upload: bool | None = Field(None, description="true：当天结束后才上传的记录")
    signoff_state: SignoffStateName | None = Field(None, description="按签名确认状态筛选")


class RecordQuery(RecordFilterQuery):
    cursor: Cursor | None = Field(None, description="上一页返回的 next_cursor")
    per_page: int = Field(20, ge=1, le=100)


class RecordPageOut(Out):
    items: list[RecordListItemOut]
    next_cursor: str | None
