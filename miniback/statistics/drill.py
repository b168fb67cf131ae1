"""Drill-downs: the elevators, records, units or technicians behind a figure, computed by the very code that
computes the figure, so the numerator's list has exactly as many lines as the numerator ("37 overdue" opens those
37)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from miniback.extensions import db
from miniback.models import Account, Elevator, MaintenanceRecord, MaintenanceUnit
from miniback.records.calendar import add_days
from miniback.statistics.definitions import BadInput, Indicator
from miniback.statistics.query import (
    TOTAL,
    active_technicians,
    covered_elevators,
    elevator_conditions,
    in_use,
    overdue_sets,
    unit_sets,
)
from miniback.statistics.rollup import day_facts, record_metrics
from miniback.statistics.scope import Filters


def _no_part(indicator: Indicator, part: str) -> BadInput:
    return BadInput(
        "该指标没有这一部分可下钻",
        fields={"part": f"指标 {indicator.code} 没有{'分母' if part == 'denominator' else '分子'}清单"},
    )


def record_conditions(filters: Filters) -> list[Any]:
    conditions = []
    if filters.district is not None:
        conditions.append(MaintenanceRecord.district == filters.district)
    if filters.maintenance_unit_id is not None:
        conditions.append(MaintenanceRecord.maintenance_unit_id == filters.maintenance_unit_id)
    if filters.use_unit_id is not None:
        conditions.append(MaintenanceRecord.use_unit_id == filters.use_unit_id)
    if filters.source is not None:
        conditions.append(MaintenanceRecord.source == filters.source)
    return conditions


def _record_metric(indicator: Indicator, part: str) -> str:
    if indicator.family == "median":
        # The records a median is taken over (its denominator); it has no numerator.
        if part == "numerator":
            raise _no_part(indicator, part)
        return indicator.numerator or ""
    if indicator.family == "sum":
        if part == "denominator":
            raise _no_part(indicator, part)
        return indicator.numerator or ""
    return (indicator.numerator if part == "numerator" else indicator.denominator) or ""


def _records(
    indicator: Indicator, part: str, start: date, end: date, filters: Filters, limit: int, cursor: str | None
) -> dict[str, Any]:
    metric = _record_metric(indicator, part)
    after_day, after_id = start, 0
    if cursor:
        try:
            day_text, id_text = cursor.split(":")
            after_day, after_id = date.fromisoformat(day_text), int(id_text)
        except ValueError:
            raise BadInput("翻页游标无效", fields={"cursor": "翻页游标无效，请从第一页重新开始"}) from None
    items: list[dict[str, Any]] = []
    total = 0
    next_cursor = None
    day = start
    while day <= end:
        facts, _ = day_facts(day, *record_conditions(filters))
        for fact in facts:
            if not any(name == metric and n > 0 for name, _, n in record_metrics(fact)):
                continue
            total += 1
            row = fact.row
            if (day, row.id) <= (after_day, after_id) and cursor:
                continue
            if len(items) < limit:
                items.append(
                    {
                        "id": row.id,
                        "elevator_id": row.elevator_id,
                        "maintenance_day": row.maintenance_day,
                        "category": row.category,
                        "maintenance_unit_id": row.maintenance_unit_id,
                        "use_unit_id": row.use_unit_id,
                        "district": row.district,
                        "source": row.source,
                        "late_upload": row.late_upload,
                    }
                )
            elif next_cursor is None:
                last = items[-1]
                next_cursor = f"{last['maintenance_day'].isoformat()}:{last['id']}"
        day = add_days(day, 1)
    return {"kind": "records", "items": items, "total": total, "next_cursor": next_cursor}


def _page_of_ids(ids: set[int], limit: int, cursor: str | None) -> tuple[list[int], str | None]:
    after = 0
    if cursor:
        if not cursor.isdigit() or len(cursor) > 19:
            raise BadInput("翻页游标无效", fields={"cursor": "翻页游标无效，请从第一页重新开始"})
        after = int(cursor)
    ordered = sorted(i for i in ids if i > after)
    page = ordered[:limit]
    return page, (str(page[-1]) if len(ordered) > limit else None)


def _elevators(ids: set[int], limit: int, cursor: str | None) -> dict[str, Any]:
    page, next_cursor = _page_of_ids(ids, limit, cursor)
    rows: Any = (
        db.session.execute(select(Elevator).where(Elevator.id.in_(page)).order_by(Elevator.id)).scalars()
        if page
        else []
    )
    items = [
        {
            "id": e.id,
            "device_code": e.device_code,
            "public_code": e.public_code,
            "address": e.address,
            "district": e.district,
            "maintenance_unit_id": e.maintenance_unit_id,
            "use_unit_id": e.use_unit_id,
            "status": e.status,
            "elevator_type": e.elevator_type,
        }
        for e in rows
    ]
    return {"kind": "elevators", "items": items, "total": len(ids), "next_cursor": next_cursor}


def _elevator_ids(filters: Filters, as_of: date, *conditions: Any) -> set[int]:
    return set(
        db.session.execute(select(Elevator.id).where(*elevator_conditions(filters, as_of), *conditions)).scalars()
    )


def drill(
    indicator: Indicator, part: str, start: date, end: date, filters: Filters, *, limit: int, cursor: str | None
) -> dict[str, Any]:
    family = indicator.family
    if family in ("rate", "sum", "median"):
        return _records(indicator, part, start, end, filters, limit, cursor)
    if family == "registry":
        if part == "denominator":
            raise _no_part(indicator, part)
        selector = indicator.numerator or ""
        conditions: list[Any] = []
        if selector == "in_use":
            conditions.append(in_use())
        elif selector.startswith("type:"):
            conditions.append(Elevator.elevator_type == selector.removeprefix("type:"))
        return _elevators(_elevator_ids(filters, end, *conditions), limit, cursor)
    if family == "overdue" or (family == "coverage" and indicator.numerator == "elevators"):
        if part == "denominator":
            if indicator.kind != "rate":
                raise _no_part(indicator, part)
            return _elevators(_elevator_ids(filters, end, in_use()), limit, cursor)
        if family == "coverage":
            return _elevators(covered_elevators(filters, end, "none").get(TOTAL, set()), limit, cursor)
        sets = overdue_sets(filters, start, end, "none").get(TOTAL) or {"now": set(), "any": set(), "unexcused": set()}
        selector = indicator.numerator or "any"
        ids = sets["any"] - sets["unexcused"] if selector == "excused" else sets[selector]
        return _elevators(ids, limit, cursor)
    if family == "coverage":
        active, registered = unit_sets(filters, end, "none")
        ids = (active if part == "numerator" else registered).get(TOTAL, set())
        page, next_cursor = _page_of_ids(ids, limit, cursor)
        rows: Any = (
            db.session.execute(
                select(MaintenanceUnit.id, MaintenanceUnit.name)
                .where(MaintenanceUnit.id.in_(page))
                .order_by(MaintenanceUnit.id)
            )
            if page
            else []
        )
        items = [{"id": unit_id, "name": name} for unit_id, name in rows]
        return {"kind": "maintenance_units", "items": items, "total": len(ids), "next_cursor": next_cursor}
    # workload: elevators in use ÷ active technicians
    if part == "numerator":
        return _elevators(_elevator_ids(filters, end, in_use()), limit, cursor)
    ids = active_technicians(filters, end, "none").get(TOTAL, set())
    page, next_cursor = _page_of_ids(ids, limit, cursor)
    accounts: Any = (
        db.session.execute(
            select(Account.id, Account.name, Account.maintenance_unit_id)
            .where(Account.id.in_(page))
            .order_by(Account.id)
        )
        if page
        else []
    )
    items = [{"id": i, "name": n, "maintenance_unit_id": u} for i, n, u in accounts]
    return {"kind": "technicians", "items": items, "total": len(ids), "next_cursor": next_cursor}
