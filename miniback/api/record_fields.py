"""Request/response schemas shared by the record endpoints (points, items, parts, hazards)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from miniback.api.fields import Out, text
from miniback.api.validation import Schema
from miniback.models import CATEGORIES, COORD_SYSTEMS, DELAY_CAUSES, ITEM_RESULTS
from miniback.records.onsite import Point

Category = Literal[CATEGORIES]  # type: ignore[valid-type]
CoordSystem = Literal[COORD_SYSTEMS]  # type: ignore[valid-type]
ItemResult = Literal[ITEM_RESULTS]  # type: ignore[valid-type]
DelayCause = Literal[DELAY_CAUSES]  # type: ignore[valid-type]


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
    name: text(100)  # type: ignore[valid-type]
    model: text(100) | None = None  # type: ignore[valid-type]
    quantity: int = Field(1, ge=1, le=1000)
    note: text(200) | None = None  # type: ignore[valid-type]


class Hazard(Schema):
    description: text(500)  # type: ignore[valid-type]
    action: text(200) | None = None  # type: ignore[valid-type]


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
