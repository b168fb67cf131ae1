"""Request and response schemas of ``/api/v1/stats/*`` (STATS.md), which also generate their OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from miniback.api.validation import Schema

IndicatorCode = Annotated[str, StringConstraints(min_length=1, max_length=80)]
GroupBy = Literal["district", "maintenance_unit", "use_unit", "platform", "day", "month", "none"]
RankBy = Literal["maintenance_unit", "district", "use_unit", "platform"]


class StatsFilterQuery(Schema):
    """The common query parameters: the period (Asia/Shanghai days, inclusive) and the dimensions."""

    from_: date | None = Field(None, alias="from", description="起始日（含，北京时间），默认本月 1 日")
    to: date | None = Field(None, description="结束日（含，北京时间），默认今天；不能晚于今天")
    district: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = Field(
        None, description="辖区（广州市的区名）"
    )
    maintenance_unit_id: int | None = None
    use_unit_id: int | None = None
    platform: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        None, description="平台代码，或 miniprogram（小程序）"
    )


class TableQuery(StatsFilterQuery):
    indicators: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="指标代码，逗号分隔"
    )
    group_by: GroupBy = "none"
    limit: int = Field(100, ge=1, le=1000)
    cursor: Annotated[str, StringConstraints(max_length=32)] | None = None


class SeriesQuery(StatsFilterQuery):
    indicator: IndicatorCode
    granularity: Literal["day", "month"] = "month"


class RankingQuery(StatsFilterQuery):
    indicator: IndicatorCode
    by: RankBy = "maintenance_unit"
    order: Literal["desc", "asc"] = "desc"
    limit: int = Field(20, ge=1, le=100)


class DrillQuery(StatsFilterQuery):
    indicator: IndicatorCode
    part: Literal["numerator", "denominator"] = "numerator"
    limit: int = Field(50, ge=1, le=500)
    cursor: Annotated[str, StringConstraints(max_length=64)] | None = None


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class IndicatorOut(Out):
    code: str
    name: str
    kind: Literal["count", "rate", "median", "ratio"]
    unit: str
    definition: str
    drill: Literal["elevators", "records", "maintenance_units"] | None


class IndicatorsOut(Out):
    items: list[IndicatorOut]


class FigureOut(Out):
    value: float | None = Field(description="比率以百分数给出（保留两位小数）；中位数为分钟；计数为台数/条数")
    numerator: int | None
    denominator: int | None


class ScopeOut(Out):
    district: str | None
    maintenance_unit_id: int | None
    use_unit_id: int | None
    platform: str | None


class TableRowOut(Out):
    key: str
    label: str
    values: dict[str, FigureOut]


class TotalOut(Out):
    values: dict[str, FigureOut]


class TableOut(Out):
    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy
    scope: ScopeOut
    rows: list[TableRowOut]
    total: TotalOut
    next_cursor: str | None


class PointOut(Out):
    period: str
    starts_on: date
    ends_on: date
    value: float | None
    numerator: int | None
    denominator: int | None


class SeriesOut(Out):
    indicator: str
    granularity: Literal["day", "month"]
    points: list[PointOut]


class RankingRowOut(Out):
    rank: int
    key: str
    label: str
    value: float | None
    numerator: int | None
    denominator: int | None


class RankingOut(Out):
    indicator: str
    by: RankBy
    order: Literal["desc", "asc"]
    rows: list[RankingRowOut]


class DrillElevatorOut(Out):
    id: int
    device_code: str | None
    public_code: str
    address: str
    district: str
    maintenance_unit_id: int | None
    use_unit_id: int | None
    status: str
    elevator_type: str


class DrillRecordOut(Out):
    id: int
    elevator_id: int
    maintenance_day: date
    category: str
    maintenance_unit_id: int
    use_unit_id: int | None
    district: str
    source: str
    late_upload: bool


class DrillUnitOut(Out):
    id: int
    name: str


class DrillTechnicianOut(Out):
    id: int
    name: str
    maintenance_unit_id: int | None


class DrillOut(Out):
    kind: Literal["elevators", "records", "maintenance_units", "technicians"]
    items: list[DrillElevatorOut | DrillRecordOut | DrillUnitOut | DrillTechnicianOut]
    total: int
    next_cursor: str | None
