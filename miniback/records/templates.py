"""Checklist templates: TSG T5002-2017 appendices A–D shipped as versioned data, plus unit-defined templates.

Categories are cumulative: a quarterly job is the half-monthly items plus the quarterly ones, and so on.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from miniback.errors import Conflict, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import CATEGORIES, Account, Elevator, MaintenanceRecord, UnitTemplate, UnitTemplateItem

# Bump the suffix whenever the CSV changes: every record stores the version it was filled against.
TSG_TEMPLATE_VERSION = "TSG-T5002-2017/1"
TSG_CSV = Path(__file__).resolve().parent.parent / "data" / "tsg_t5002_2017_items.csv"

APPENDIX_OF_TYPE = {"traction": "A", "hydraulic": "B", "dumbwaiter": "C", "escalator": "D"}
FREQ_CATEGORY = {"HALF_MONTH": "half_month", "QUARTER": "quarter", "HALF_YEAR": "half_year", "YEAR": "year"}
CATEGORY_LABELS = {"half_month": "半月", "quarter": "季度", "half_year": "半年", "year": "年度"}


@dataclass(frozen=True)
class TemplateItem:
    code: str
    item: str
    requirement: str
    category: str


@dataclass(frozen=True)
class Template:
    version: str
    elevator_type: str
    category: str
    items: tuple[TemplateItem, ...]


def category_rank(category: str) -> int:
    return CATEGORIES.index(category)


@lru_cache(maxsize=1)
def _tsg_items() -> dict[str, tuple[TemplateItem, ...]]:
    by_appendix: dict[str, list[TemplateItem]] = {}
    with TSG_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_appendix.setdefault(row["appendix"], []).append(
                TemplateItem(row["code"], row["item"], row["requirement"], FREQ_CATEGORY[row["freq"]])
            )
    return {appendix: tuple(items) for appendix, items in by_appendix.items()}


def tsg_template(elevator_type: str, category: str) -> Template:
    """The cumulative TSG T5002-2017 checklist for an elevator type and category."""
    if elevator_type not in APPENDIX_OF_TYPE:
        raise ValidationFailed(fields={"elevator_type": "未知的电梯类型"})
    if category not in CATEGORIES:
        raise ValidationFailed(fields={"category": "维保类别不正确"})
    rank = category_rank(category)
    items = tuple(
        item for item in _tsg_items()[APPENDIX_OF_TYPE[elevator_type]] if category_rank(item.category) <= rank
    )
    return Template(TSG_TEMPLATE_VERSION, elevator_type, category, items)


def unit_template_version(template: UnitTemplate) -> str:
    return f"UNIT-{template.id}/{template.version}"


def unit_template_id_of(template_version: str) -> int | None:
    """The unit template's id in a template version ``UNIT-<id>/<version>`` (see ``unit_template_version``);
    ``None`` for a TSG version."""
    if not template_version.startswith("UNIT-"):
        return None
    return int(template_version.removeprefix("UNIT-").split("/")[0])


def unit_template(template: UnitTemplate, category: str) -> Template:
    """A unit-defined checklist, cumulative by category like the TSG one."""
    rank = category_rank(category)
    rows = db.session.execute(
        db.select(UnitTemplateItem).where(UnitTemplateItem.template_id == template.id).order_by(UnitTemplateItem.seq)
    ).scalars()
    items = tuple(
        TemplateItem(row.code, row.item, row.requirement, row.category)
        for row in rows
        if category_rank(row.category) <= rank
    )
    if not items:
        raise ValidationFailed("该自定义模板没有此类别的维保项目", fields={"category": "该模板不适用此类别"})
    return Template(unit_template_version(template), template.elevator_type, category, items)


def create_unit_template(actor: Account, data: dict[str, Any]) -> UnitTemplate:
    """A maintenance unit's own checklist (e.g. firefighter or explosion-proof lifts, from the maker's manual)."""
    assert actor.maintenance_unit_id is not None
    template = UnitTemplate(
        maintenance_unit_id=actor.maintenance_unit_id,
        name=data["name"],
        elevator_type=data["elevator_type"],
        created_by_id=actor.id,
    )
    db.session.add(template)
    db.session.flush()
    for seq, row in enumerate(data["items"], start=1):
        db.session.add(
            UnitTemplateItem(
                template_id=template.id,
                category=row["category"],
                seq=seq,
                code=f"U{template.id}-{seq:02d}",
                item=row["item"],
                requirement=row["requirement"],
            )
        )
    db.session.flush()
    return template


def get_unit_template_for(actor: Account, template_id: int, elevator_type: str) -> UnitTemplate:
    template = db.session.get(UnitTemplate, template_id)
    if template is None or template.maintenance_unit_id != actor.maintenance_unit_id or not template.active:
        raise NotFound("找不到该自定义维保模板", fields={"unit_template_id": "不存在"})
    if template.elevator_type != elevator_type:
        raise ValidationFailed(fields={"unit_template_id": "模板的电梯类型与该电梯不符"})
    return template


def template_for(actor: Account, elevator: Elevator, category: str, unit_template_id: int | None) -> Template:
    """The checklist a new draft is filled against: the unit's own template if one is named, else the TSG one."""
    if unit_template_id is not None:
        return unit_template(get_unit_template_for(actor, unit_template_id, elevator.elevator_type), category)
    return tsg_template(elevator.elevator_type, category)


def correction_template(actor: Account, elevator: Elevator, record: MaintenanceRecord) -> Template:
    """The correction is filled against the same checklist version as the record it corrects."""
    template_id = unit_template_id_of(record.template_version)
    if template_id is not None:
        return unit_template(get_unit_template_for(actor, template_id, elevator.elevator_type), record.category)
    template = tsg_template(elevator.elevator_type, record.category)
    if template.version != record.template_version:
        raise Conflict("原记录所用模板版本已停用，请新建维保记录", code="template_retired")
    return template
