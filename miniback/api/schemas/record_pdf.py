"""The inspector's bundle request."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from miniback.api.validation import Schema


class BundleQuery(Schema):
    elevator_id: int | None = Field(None, description="一部电梯的全部记录（与 maintenance_unit_id 二者选一）")
    maintenance_unit_id: int | None = Field(None, description="一个维保单位的全部记录（与 elevator_id 二者选一）")
    date_from: date = Field(description="维保日期起（含）")
    date_to: date = Field(description="维保日期止（含）；不早于 date_from")
