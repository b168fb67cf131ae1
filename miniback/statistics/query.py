"""Reading figures: every indicator of ``definitions`` for a period, filters and a grouping, from the rollups
(never a scan of ``maintenance_record``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select, true

from miniback.extensions import db
from miniback.models import (
    Elevator,
    MaintenanceUnit,
    PlatformClient,
    StatsActivity,
    StatsOverdueSegment,
    StatsRollup,
    StatsRollupExtra,
    UseUnit,
)
from miniback.models.statistics import GRAIN_DAY, GRAIN_MONTH, LEVEL_DISTRICT, LEVEL_UNIT, LEVEL_USE_UNIT
from miniback.records.calendar import SHANGHAI, add_days
from miniback.registry.districts import GUANGZHOU_DISTRICTS
from miniback.statistics.definitions import COVERAGE_WINDOW_DAYS, BadInput, Indicator
from miniback.statistics.rollup import NO_BUCKET, counter_column, month_end
from miniback.statistics.scope import MINIPROGRAM, PLATFORM_PREFIX, Filters

GroupBy = Literal["district", "maintenance_unit", "use_unit", "platform", "day", "month", "none"]
PERIOD_GROUPS = ("day", "month")
MAX_DAY_RANGE_DAYS = 3 * 366  # "over 3 years at day granularity" → range_too_long
MAX_RANGE_DAYS = 10 * 366
TOTAL = ""


@dataclass(frozen=True)
class Figure:
    value: float | None
    numerator: int | None
    denominator: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}


@dataclass(frozen=True)
class Period:
    key: str
    starts_on: date
    ends_on: date


def periods(start: date, end: date, granularity: str) -> list[Period]:
    """The days or calendar months of ``[start, end]`` (the first and last month cut to the range)."""
    out = []
    cursor = start
    while cursor <= end:
        if granularity == "day":
            out.append(Period(cursor.isoformat(), cursor, cursor))
            cursor = add_days(cursor, 1)
        else:
            last = min(month_end(cursor), end)
            out.append(Period(f"{cursor:%Y-%m}", cursor, last))
            cursor = add_days(last, 1)
    return out


def check_range(start: date, end: date, today: date, *, by_day: bool) -> None:
    if start > end:
        raise BadInput("起始日期晚于结束日期", fields={"from": "起始日期不能晚于结束日期"}, code="range_reversed")
    if end > today:
        raise BadInput(
            "统计区间不能包含未来的日期", fields={"to": f"结束日期不能晚于今天（{today}）"}, code="range_in_future"
        )
    span = (end - start).days + 1
    if by_day and span > MAX_DAY_RANGE_DAYS:
        raise BadInput(
            "按日统计的区间不能超过 3 年",
            fields={"from": "按日统计的区间不能超过 3 年，请缩短区间或按月统计"},
            code="range_too_long",
        )
    if span > MAX_RANGE_DAYS:
        raise BadInput("统计区间不能超过 10 年", fields={"from": "统计区间不能超过 10 年"}, code="range_too_long")


def check_dimensions(indicators: Iterable[Indicator], filters: Filters, group_by: str) -> None:
    """An indicator can only be filtered and grouped by the dimensions it has (registry figures have no
    platform)."""
    used = {
        name
        for name, value in (
            ("district", filters.district),
            ("maintenance_unit", filters.maintenance_unit_id),
            ("use_unit", filters.use_unit_id),
            ("platform", filters.source),
        )
        if value is not None
    }
    for indicator in indicators:
        if group_by not in (*PERIOD_GROUPS, "none") and group_by not in indicator.dims:
            raise BadInput(
                "该指标不能按此维度分组", fields={"group_by": f"指标 {indicator.code} 不能按 {group_by} 分组"}
            )
        if "platform" in used and "platform" not in indicator.dims:
            raise BadInput("该指标不能按平台筛选", fields={"platform": f"指标 {indicator.code} 不能按平台筛选"})


def _start_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(UTC)


def _percent(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


# --- record rollups ------------------------------------------------------------------------------------------


def _level(filters: Filters, group_by: str) -> int:
    if filters.use_unit_id is not None or group_by == "use_unit":
        return LEVEL_USE_UNIT
    if filters.maintenance_unit_id is not None or group_by == "maintenance_unit":
        return LEVEL_UNIT
    return LEVEL_DISTRICT


def _period_clause(model: Any, start: date, end: date, by_day: bool) -> Any:
    """Whole months from the month rows, the cut months at either end from the day rows."""
    if by_day:
        return and_(model.grain == GRAIN_DAY, model.period_start.between(start, end))
    parts = []
    months = []
    cursor = start
    while cursor <= end:
        last = month_end(cursor)
        if cursor.day == 1 and last <= end:
            months.append(cursor)
        else:
            parts.append(and_(model.grain == GRAIN_DAY, model.period_start.between(cursor, min(last, end))))
        cursor = add_days(last, 1)
    if months:
        parts.append(and_(model.grain == GRAIN_MONTH, model.period_start.in_(months)))
    return or_(*parts)


_GROUP_COLUMNS = {
    "district": "district",
    "maintenance_unit": "maintenance_unit_id",
    "use_unit": "use_unit_id",
    "platform": "source",
}


def _group_key(group_by: str, raw: Any) -> str:
    if group_by == "day":
        return str(raw.isoformat())
    if group_by == "month":
        return f"{raw:%Y-%m}"
    return str(raw)


def rollup_counts(
    metrics: set[str], start: date, end: date, filters: Filters, group_by: str, *, ignore_source: bool = False
) -> dict[str, Counter[tuple[str, int]]]:
    """Per group key, the summed (metric, bucket) counters of the effective records of ``[start, end]``: the
    fixed counters from ``stats_rollup`` (one row per key), flags and histograms from ``stats_rollup_extra``."""
    out: dict[str, Counter[tuple[str, int]]] = defaultdict(Counter)
    wide: dict[str, str] = {}
    for metric in metrics:
        column = counter_column(metric)
        if column is not None:
            wide[metric] = column
    shares = {metric for metric in metrics if metric.startswith("source:")}
    extra = metrics - set(wide) - shares
    model: Any
    for model in (StatsRollup, StatsRollupExtra):
        if model is StatsRollup and not (wide or shares):
            continue
        if model is StatsRollupExtra and not extra:
            continue
        conditions = [model.level == _level(filters, group_by), _period_clause(model, start, end, group_by == "day")]
        if filters.district is not None:
            conditions.append(model.district == filters.district)
        if filters.maintenance_unit_id is not None:
            conditions.append(model.maintenance_unit_id == filters.maintenance_unit_id)
        if filters.use_unit_id is not None:
            conditions.append(model.use_unit_id == filters.use_unit_id)
        if filters.source is not None and not ignore_source:
            conditions.append(model.source == filters.source)
        groups: list[Any] = []
        if group_by in PERIOD_GROUPS:
            groups.append(model.period_start)
        elif group_by != "none":
            groups.append(getattr(model, _GROUP_COLUMNS[group_by]))
        if model is StatsRollup:
            names = [*wide, *sorted(shares)]
            sums = [func.sum(getattr(model, column)) for column in wide.values()]
            sums += [
                func.sum(case((model.source == metric.removeprefix("source:"), model.records), else_=0))
                for metric in sorted(shares)
            ]
            statement = select(*groups, *sums).where(*conditions)
            if groups:
                statement = statement.group_by(*groups)
            for row in db.session.execute(statement):
                key = _group_key(group_by, row[0]) if groups else TOTAL
                values = row[1:] if groups else row
                for name, n in zip(names, values, strict=True):
                    if n:
                        out[key][(name, NO_BUCKET)] += int(n)
        else:
            conditions.append(model.metric.in_(sorted(extra)))
            columns = [*groups, model.metric, model.bucket]
            statement = select(*columns, func.sum(model.n)).where(*conditions).group_by(*columns)
            for row in db.session.execute(statement):
                key = _group_key(group_by, row[0]) if groups else TOTAL
                metric, bucket, n = row[-3:]
                out[key][(metric, bucket)] += int(n)
    return out


def lower_median(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    wanted = (total - 1) // 2 + 1
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= wanted:
            return float(bucket)
    raise AssertionError("unreachable")


def rollup_figure(indicator: Indicator, counts: Counter[tuple[str, int]], totals: Counter[tuple[str, int]]) -> Figure:
    if indicator.family == "sum":
        n = counts[(indicator.numerator or "", NO_BUCKET)]
        return Figure(float(n), n, None)
    if indicator.family == "median":
        histogram = {bucket: n for (metric, bucket), n in counts.items() if metric == indicator.numerator}
        return Figure(lower_median(histogram), None, sum(histogram.values()))
    numerator = counts[(indicator.numerator or "", NO_BUCKET)]
    denominator = totals[(indicator.denominator or "", NO_BUCKET)]
    return Figure(_percent(numerator, denominator), numerator, denominator)


def rollup_metrics(indicator: Indicator) -> set[str]:
    return {metric for metric in (indicator.numerator, indicator.denominator) if metric}


# --- registry, overdue, coverage, workload -------------------------------------------------------------------

_ELEVATOR_GROUP = {
    "district": Elevator.district,
    "maintenance_unit": Elevator.maintenance_unit_id,
    "use_unit": Elevator.use_unit_id,
}
_ACTIVITY_GROUP = {
    "district": StatsActivity.district,
    "maintenance_unit": StatsActivity.maintenance_unit_id,
    "use_unit": StatsActivity.use_unit_id,
}


def in_use() -> Any:
    return and_(Elevator.status == "in_service", Elevator.maintenance_unit_id.is_not(None))


def elevator_conditions(filters: Filters, as_of: date) -> list[Any]:
    conditions = [Elevator.created_at < _start_utc(add_days(as_of, 1))]
    if filters.district is not None:
        conditions.append(Elevator.district == filters.district)
    if filters.maintenance_unit_id is not None:
        conditions.append(Elevator.maintenance_unit_id == filters.maintenance_unit_id)
    if filters.use_unit_id is not None:
        conditions.append(Elevator.use_unit_id == filters.use_unit_id)
    return conditions


def activity_conditions(kind: str, filters: Filters, as_of: date) -> list[Any]:
    conditions = [
        StatsActivity.kind == kind,
        StatsActivity.day.between(add_days(as_of, 1 - COVERAGE_WINDOW_DAYS), as_of),
    ]
    if filters.district is not None:
        conditions.append(StatsActivity.district == filters.district)
    if filters.maintenance_unit_id is not None:
        conditions.append(StatsActivity.maintenance_unit_id == filters.maintenance_unit_id)
    if filters.use_unit_id is not None:
        conditions.append(StatsActivity.use_unit_id == filters.use_unit_id)
    return conditions


def _key(value: Any) -> str:
    """A group key from a grouped column's value (no unit, NULL, is key ``"0"`` as in the rollups)."""
    return "0" if value is None else str(value)


def registry_counts(filters: Filters, as_of: date, group_by: str) -> dict[str, Counter[str]]:
    """Per group: ``registered``, ``in_use`` and ``type:<type>`` elevator counts as of ``as_of``."""
    group = _ELEVATOR_GROUP.get(group_by)
    columns = [Elevator.status, Elevator.maintenance_unit_id.is_not(None), Elevator.elevator_type]
    selected = [group, *columns] if group is not None else columns
    rows = db.session.execute(
        select(*selected, func.count()).where(*elevator_conditions(filters, as_of)).group_by(*selected)
    )
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        key, (status, maintained, elevator_type, n) = (row[0], row[1:]) if group is not None else (None, row)
        counter = out[_key(key) if group is not None else TOTAL]
        counter["registered"] += n
        counter[f"type:{elevator_type}"] += n
        if status == "in_service" and maintained:
            counter["in_use"] += n
    return out


def overdue_sets(filters: Filters, start: date, end: date, group_by: str) -> dict[str, dict[str, set[int]]]:
    """Per group, the in-use elevators overdue on ``end`` (``now``), on any day of the period (``any``) and on
    some day of it not covered by a delay notice (``unexcused``)."""
    group = _ELEVATOR_GROUP.get(group_by)
    rows = db.session.execute(
        select(
            group if group is not None else true(),
            StatsOverdueSegment.elevator_id,
            StatsOverdueSegment.starts_on,
            StatsOverdueSegment.ends_on,
            StatsOverdueSegment.excused,
        )
        .join(Elevator, Elevator.id == StatsOverdueSegment.elevator_id)
        .where(
            StatsOverdueSegment.ends_on >= start,
            StatsOverdueSegment.starts_on <= end,
            in_use(),
            *elevator_conditions(filters, end),
        )
    )
    out: dict[str, dict[str, set[int]]] = defaultdict(lambda: {"now": set(), "any": set(), "unexcused": set()})
    for key, elevator_id, starts_on, ends_on, excused in rows:
        sets = out[_key(key) if group is not None else TOTAL]
        sets["any"].add(elevator_id)
        if not excused:
            sets["unexcused"].add(elevator_id)
        if starts_on <= end <= ends_on:
            sets["now"].add(elevator_id)
    return out


def covered_elevators(filters: Filters, as_of: date, group_by: str) -> dict[str, set[int]]:
    group = _ELEVATOR_GROUP.get(group_by)
    rows = db.session.execute(
        select(group if group is not None else true(), Elevator.id)
        .join(StatsActivity, StatsActivity.entity_id == Elevator.id)
        .where(*activity_conditions("e", Filters(), as_of), in_use(), *elevator_conditions(filters, as_of))
        .distinct()
    )
    out: dict[str, set[int]] = defaultdict(set)
    for key, elevator_id in rows:
        out[_key(key) if group is not None else TOTAL].add(elevator_id)
    return out


def unit_sets(filters: Filters, as_of: date, group_by: str) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Per group, the active units maintaining an in-use elevator there (denominator) and those of them with an
    effective record there in the 30 days ending ``as_of`` (numerator)."""
    group = _ELEVATOR_GROUP.get(group_by)
    registered: dict[str, set[int]] = defaultdict(set)
    for key, unit_id in db.session.execute(
        select(group if group is not None else true(), Elevator.maintenance_unit_id)
        .join(MaintenanceUnit, MaintenanceUnit.id == Elevator.maintenance_unit_id)
        .where(in_use(), MaintenanceUnit.status == "active", *elevator_conditions(filters, as_of))
        .distinct()
    ):
        registered[_key(key) if group is not None else TOTAL].add(unit_id)
    agroup = _ACTIVITY_GROUP.get(group_by)
    active: dict[str, set[int]] = defaultdict(set)
    for key, unit_id in db.session.execute(
        select(agroup if agroup is not None else true(), StatsActivity.maintenance_unit_id)
        .where(*activity_conditions("e", filters, as_of))
        .distinct()
    ):
        group_key = _key(key) if agroup is not None else TOTAL
        if unit_id in registered.get(group_key, set()):
            active[group_key].add(unit_id)
    return active, registered


def active_technicians(filters: Filters, as_of: date, group_by: str) -> dict[str, set[int]]:
    agroup = _ACTIVITY_GROUP.get(group_by)
    out: dict[str, set[int]] = defaultdict(set)
    for key, account_id in db.session.execute(
        select(agroup if agroup is not None else true(), StatsActivity.entity_id)
        .where(*activity_conditions("t", filters, as_of))
        .distinct()
    ):
        out[_key(key) if agroup is not None else TOTAL].add(account_id)
    return out


def _grouped_counts(group: Any, counts: list[Any], query: Any) -> dict[str, list[int]]:
    """Run ``query`` (already filtered) selecting ``group`` (or nothing) and ``counts``, grouped."""
    columns = [group, *counts] if group is not None else counts
    statement = query.with_only_columns(*columns)
    if group is not None:
        statement = statement.group_by(group)
    out: dict[str, list[int]] = {}
    for row in db.session.execute(statement):
        if group is not None:
            out[_key(row[0])] = [int(n or 0) for n in row[1:]]
        else:
            out[TOTAL] = [int(n or 0) for n in row]
    return out


def overdue_counts(filters: Filters, start: date, end: date, group_by: str) -> dict[str, dict[str, int]]:
    """``overdue_sets`` counted by the database: the number of elevators overdue on ``end``, on any day of the
    period, and on some day of it without a delay notice."""
    segment = StatsOverdueSegment
    query = (
        select(segment.elevator_id)
        .join(Elevator, Elevator.id == segment.elevator_id)
        .where(segment.ends_on >= start, segment.starts_on <= end, in_use(), *elevator_conditions(filters, end))
    )
    counts = [
        func.count(func.distinct(case((and_(segment.starts_on <= end, segment.ends_on >= end), segment.elevator_id)))),
        func.count(func.distinct(segment.elevator_id)),
        func.count(func.distinct(case((segment.excused.is_(False), segment.elevator_id)))),
    ]
    found = _grouped_counts(_ELEVATOR_GROUP.get(group_by), counts, query)
    return {key: {"now": now, "any": any_, "unexcused": unexcused} for key, (now, any_, unexcused) in found.items()}


def covered_counts(filters: Filters, as_of: date, group_by: str) -> dict[str, int]:
    query = (
        select(Elevator.id)
        .join(StatsActivity, StatsActivity.entity_id == Elevator.id)
        .where(*activity_conditions("e", Filters(), as_of), in_use(), *elevator_conditions(filters, as_of))
    )
    found = _grouped_counts(_ELEVATOR_GROUP.get(group_by), [func.count(func.distinct(Elevator.id))], query)
    return {key: values[0] for key, values in found.items()}


def technician_counts(filters: Filters, as_of: date, group_by: str) -> dict[str, int]:
    query = select(StatsActivity.entity_id).where(*activity_conditions("t", filters, as_of))
    found = _grouped_counts(_ACTIVITY_GROUP.get(group_by), [func.count(func.distinct(StatsActivity.entity_id))], query)
    return {key: values[0] for key, values in found.items()}


# --- everything together -------------------------------------------------------------------------------------


def _figures_for(
    indicators: list[Indicator], start: date, end: date, filters: Filters, group_by: str
) -> dict[str, dict[str, Figure]]:
    """``group_by`` is a dimension or ``none`` here (periods are handled by ``figures``)."""
    out: dict[str, dict[str, Figure]] = defaultdict(dict)
    families = {indicator.family for indicator in indicators}
    record_ones = [i for i in indicators if i.family in ("rate", "sum", "median")]
    if record_ones:
        metrics = set().union(*(rollup_metrics(i) for i in record_ones))
        counts = rollup_counts(metrics, start, end, filters, group_by)
        shares = [i for i in record_ones if (i.numerator or "").startswith("source:")]
        totals = counts
        if shares and filters.source is not None:
            totals = rollup_counts({"records"}, start, end, filters, group_by, ignore_source=True)
        for key in set(counts) | set(totals):
            for indicator in record_ones:
                out[key][indicator.code] = rollup_figure(indicator, counts[key], totals[key])
    registry: dict[str, Counter[str]] = {}
    if families & {"registry", "overdue", "coverage", "workload"}:
        registry = registry_counts(filters, end, group_by)
    overdue = overdue_counts(filters, start, end, group_by) if "overdue" in families else {}
    covered: dict[str, int] = {}
    units: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})
    technicians: dict[str, int] = {}
    if any(i.family == "coverage" and i.numerator == "elevators" for i in indicators):
        covered = covered_counts(filters, end, group_by)
    if any(i.family == "coverage" and i.numerator == "units" for i in indicators):
        units = unit_sets(filters, end, group_by)
    if "workload" in families:
        technicians = technician_counts(filters, end, group_by)
    keys = set(registry) | set(overdue) | set(covered) | set(units[1]) | set(technicians)
    for key in keys:
        counter = registry.get(key, Counter())
        for indicator in indicators:
            if indicator.family == "registry":
                n = counter[indicator.numerator or ""]
                out[key][indicator.code] = Figure(float(n), n, None)
            elif indicator.family == "overdue":
                counted = overdue.get(key) or {"now": 0, "any": 0, "unexcused": 0}
                selector = indicator.numerator
                n = counted["any"] - counted["unexcused"] if selector == "excused" else counted[selector or "any"]
                if indicator.kind == "rate":
                    out[key][indicator.code] = Figure(_percent(n, counter["in_use"]), n, counter["in_use"])
                else:
                    out[key][indicator.code] = Figure(float(n), n, None)
            elif indicator.family == "coverage" and indicator.numerator == "elevators":
                n = covered.get(key, 0)
                out[key][indicator.code] = Figure(_percent(n, counter["in_use"]), n, counter["in_use"])
            elif indicator.family == "coverage":
                n, d = len(units[0].get(key, ())), len(units[1].get(key, ()))
                out[key][indicator.code] = Figure(_percent(n, d), n, d)
            elif indicator.family == "workload":
                n, d = counter["in_use"], technicians.get(key, 0)
                out[key][indicator.code] = Figure(round(n / d, 2) if d else None, n, d)
    return out


def empty_figure(indicator: Indicator) -> Figure:
    if indicator.family in ("registry", "sum") or (indicator.family == "overdue" and indicator.kind == "count"):
        return Figure(0.0, 0, None)
    if indicator.family == "median":
        return Figure(None, None, 0)
    return Figure(None, 0, 0)


def figures(
    indicators: list[Indicator], start: date, end: date, filters: Filters, group_by: str
) -> dict[str, dict[str, Figure]]:
    """Per group key (a district, a unit id, a source, a period …; ``""`` for ``none``), each indicator's figure.

    Periods (``day``/``month``): record figures in one query grouped by period; as-of figures (registry, overdue,
    coverage, workload) once per period, as of its last day."""
    if group_by not in PERIOD_GROUPS:
        found = _figures_for(indicators, start, end, filters, group_by)
    else:
        record_ones = [i for i in indicators if i.family in ("rate", "sum", "median")]
        others = [i for i in indicators if i not in record_ones]
        found = defaultdict(dict)
        if record_ones:
            found.update(_figures_for(record_ones, start, end, filters, group_by))
        if others:
            for period in periods(start, end, group_by):
                for values in _figures_for(others, period.starts_on, period.ends_on, filters, "none").values():
                    found[period.key].update(values)
    for values in found.values():
        for indicator in indicators:
            values.setdefault(indicator.code, empty_figure(indicator))
    return found


def labels(group_by: str, keys: Iterable[str]) -> dict[str, str]:
    """Chinese names of group keys."""
    keys = list(keys)
    if group_by == "maintenance_unit" or group_by == "use_unit":
        model = MaintenanceUnit if group_by == "maintenance_unit" else UseUnit
        ids = [int(key) for key in keys if key.isdigit() and key != "0"]
        names: dict[int, str] = {}
        if ids:
            names = {
                row[0]: row[1] for row in db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))
            }
        return {
            key: names.get(
                int(key), ("（无使用单位）" if group_by == "use_unit" else "（无维保单位）") if key == "0" else key
            )
            for key in keys
        }
    if group_by == "platform":
        codes = [key.removeprefix(PLATFORM_PREFIX) for key in keys if key.startswith(PLATFORM_PREFIX)]
        found = db.session.execute(
            select(PlatformClient.code, PlatformClient.name).where(PlatformClient.code.in_(codes))
        )
        platform_names: dict[str, str] = {row[0]: row[1] for row in found}
        return {
            key: "小程序" if key == MINIPROGRAM else platform_names.get(key.removeprefix(PLATFORM_PREFIX), key)
            for key in keys
        }
    if group_by == "month":
        return {key: f"{key[:4]}年{int(key[5:7])}月" for key in keys}
    if group_by == "none":
        return {key: "合计" for key in keys}
    return {key: key for key in keys}


def default_keys(group_by: str, filters: Filters, start: date, end: date) -> list[str]:
    """Groups listed even when they have nothing (a district with no record is a 0, shown as one)."""
    if group_by == "district":
        return [filters.district] if filters.district else list(GUANGZHOU_DISTRICTS)
    if group_by in PERIOD_GROUPS:
        return [period.key for period in periods(start, end, group_by)]
    if group_by == "none":
        return [TOTAL]
    return []


def total_figures(indicators: list[Indicator], start: date, end: date, filters: Filters) -> dict[str, Figure]:
    return figures(indicators, start, end, filters, "none").get(TOTAL) or {
        indicator.code: empty_figure(indicator) for indicator in indicators
    }
