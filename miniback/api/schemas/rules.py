"""Request and response schemas of issue 18's rules: consent, paperless approval, regulator notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from miniback.api.schemas.fields import Out, Page, Paragraphs500, Paragraphs2000
from miniback.api.validation import Schema


def _plausible_deadline(value: datetime) -> datetime:
    """A deadline a person could mean (also keeps the conversion to UTC from overflowing at year 9999)."""
    if not 2000 <= value.year <= 2100:
        raise ValueError("期限不合理（须在 2000 至 2100 年之间）")
    return value


Deadline = Annotated[AwareDatetime, AfterValidator(_plausible_deadline)]


class RulesOut(Out):
    version: int
    published_at: datetime
    deadline_rule: str
    min_window_minutes: int
    objection_period_days: int
    body: str = Field(description="规则全文（同意时记录其 SHA-256）")
    text_sha256: str


class ConsentIn(Schema):
    version: int = Field(ge=1, le=100000, description="所同意的规则版本（必须是现行版本）")
    text_sha256: str | None = Field(
        None, min_length=64, max_length=64, description="客户端展示的规则文本的 SHA-256（可选，不一致则拒绝）"
    )


class ConsentOut(Out):
    id: int
    use_unit_id: int
    rule_version: int
    text_sha256: str
    accepted_by_id: int
    accepted_by_name: str | None = None
    accepted_at: datetime


class UnitConsentOut(Out):
    use_unit_id: int
    current_version: int
    consented: bool = Field(description="是否已同意现行版本")
    consent: ConsentOut | None = Field(description="最近一次同意（可能是旧版本）")
    history: list[ConsentOut]
    renewed_record_ids: list[int] = Field(
        default_factory=list, description="本次首次同意时重新开放签名确认的超期未签名记录"
    )


class AwaitingConsentOut(Out):
    record_id: int
    elevator_id: int
    use_unit_id: int | None
    use_unit_name: str | None
    maintenance_unit_id: int
    maintenance_day: date
    district: str | None
    deadline_at: datetime


class AwaitingConsentQuery(Page):
    use_unit_id: int | None = Field(None, ge=1, le=2**31 - 1)


class PaperlessFiguresOut(Out):
    """The unit's own figures over a period, read from ``miniback.statistics`` (rates in percent, 0–100)."""

    period_start: date
    period_end: date
    same_day_upload_days: int = Field(description="当日上传天数：期间内有维保记录、且当天记录全部当日上传的天数")
    same_day_upload_rate: float | None = Field(description="当日上传率（%）")
    on_time_rate: float | None = Field(description="按时维保率（%）")
    default_confirmed_share: float | None = Field(description="默认签名确认占比（%）")
    records: int = Field(description="期间内有效维保记录数")


class PaperlessApplyIn(Schema):
    statement: Paragraphs500 | None = Field(None, description="申请说明")


class PaperlessDecisionIn(Schema):
    reason: Paragraphs500 = Field(description="理由（必填）")


class PaperlessEventOut(Out):
    id: int
    kind: str
    actor_id: int
    actor_name: str | None = None
    reason: str | None
    occurred_at: datetime


class PaperlessApplicationOut(Out):
    id: int
    maintenance_unit_id: int
    maintenance_unit_name: str | None = None
    status: str
    status_label: str
    statement: str | None
    figures: dict[str, Any] | None = Field(description="申请时本单位的指标（当日上传天数、按期率、默认确认占比）")
    applied_by_id: int
    applied_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    reason: str | None
    events: list[PaperlessEventOut] = Field(default_factory=list)


class PaperlessStatusOut(Out):
    maintenance_unit_id: int
    paperless: bool = Field(description="是否已获准停止使用纸质维保记录")
    label: str | None = Field(description="已停止使用纸质维保记录（获准时）")
    approval: PaperlessApplicationOut | None
    figures: PaperlessFiguresOut = Field(description="本单位当前指标（最近 90 天）")
    applications: list[PaperlessApplicationOut]


class PaperlessListQuery(Page):
    status: Literal["pending", "approved", "rejected", "withdrawn"] | None = None


class NoticeIn(Schema):
    maintenance_unit_id: int = Field(ge=1, le=2**31 - 1)
    kind: Literal["rectification", "suspension"]
    findings: Paragraphs2000
    deadline_at: Deadline = Field(description="整改期限（须晚于现在，带时区偏移）")
    record_ids: list[int] = Field(default_factory=list, max_length=200)
    elevator_ids: list[int] = Field(default_factory=list, max_length=200)


class NoticeReplyIn(Schema):
    text: Paragraphs2000
    record_ids: list[int] = Field(default_factory=list, max_length=200)


class NoticeCloseIn(Schema):
    text: Paragraphs2000


class NoticeEscalateIn(Schema):
    findings: Paragraphs2000
    deadline_at: Deadline = Field(description="中止意见的整改期限（须晚于现在，带时区偏移）")


class NoticeEventOut(Out):
    id: int
    kind: str
    actor_id: int
    actor_name: str | None = None
    text: str | None
    record_ids: list[int] | None
    occurred_at: datetime


class NoticeOut(Out):
    id: int
    kind: str
    kind_label: str
    maintenance_unit_id: int
    maintenance_unit_name: str | None = None
    district: str | None
    findings: str
    deadline_at: datetime
    status: str
    status_label: str
    in_force: bool = Field(description="中止意见是否正在生效（该单位暂停提交与上传）")
    issued_by_id: int
    issued_at: datetime
    escalated_to_id: int | None
    subject_record_ids: list[int] = Field(default_factory=list)
    subject_elevator_ids: list[int] = Field(default_factory=list)
    events: list[NoticeEventOut] = Field(default_factory=list)


class NoticeListQuery(Page):
    status: Literal["issued", "acknowledged", "replied", "closed", "escalated"] | None = None
    maintenance_unit_id: int | None = Field(None, ge=1, le=2**31 - 1)
