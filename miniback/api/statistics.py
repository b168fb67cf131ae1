"""``/api/v1/stats/*``: indicator definitions, tables, time series, rankings and drill-downs (STATS.md).

Thin views: parse → scope (``miniback.statistics.scope``) → read the figures (``miniback.statistics.query``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint

from miniback.api.schemas.statistics import (
    DrillOut,
    DrillQuery,
    IndicatorsOut,
    RankingOut,
    RankingQuery,
    SeriesOut,
    SeriesQuery,
    StatsFilterQuery,
    TableOut,
    TableQuery,
)
from miniback.api.validation import documented, query_args
from miniback.auth.current import current_account, login_required
from miniback.models import utcnow
from miniback.records.calendar import local_day
from miniback.statistics.definitions import BadInput, Indicator, all_indicators, indicator
from miniback.statistics.drill import drill
from miniback.statistics.query import (
    TOTAL,
    Figure,
    check_dimensions,
    check_range,
    default_keys,
    empty_figure,
    figures,
    labels,
    periods,
    total_figures,
)
from miniback.statistics.scope import STATS_ROLES, Filters, known_sources, scoped_filters

bp = Blueprint("statistics", __name__)

RANKING_ROLES = ("platform_operator", "regulator")
MAX_TABLE_INDICATORS = 40


def _period(args: StatsFilterQuery, *, by_day: bool) -> tuple[date, date]:
    today = local_day(utcnow())
    end = args.to or today
    start = args.from_ or end.replace(day=1)
    check_range(start, end, today, by_day=by_day)
    return start, end


def _filters(args: StatsFilterQuery) -> Filters:
    return scoped_filters(
        current_account(),
        district=args.district,
        maintenance_unit_id=args.maintenance_unit_id,
        use_unit_id=args.use_unit_id,
        platform=args.platform,
    )


def _scope_out(filters: Filters) -> dict[str, Any]:
    platform = filters.source.removeprefix("platform:") if filters.source else None
    return {
        "district": filters.district,
        "maintenance_unit_id": filters.maintenance_unit_id,
        "use_unit_id": filters.use_unit_id,
        "platform": platform,
    }


def _indicator(code: str) -> Indicator:
    return indicator(code, set(known_sources()))


@bp.get("/stats/indicators")
@documented("统计指标及其定义（分子、分母、口径）", response=IndicatorsOut)
@login_required(*STATS_ROLES)
def list_indicators() -> Any:
    items = [
        {
            "code": item.code,
            "name": item.name,
            "kind": item.kind,
            "unit": item.unit,
            "definition": item.definition,
            "drill": item.drill,
        }
        for item in all_indicators(known_sources())
    ]
    return IndicatorsOut.model_validate({"items": items}).model_dump(mode="json")


def _values(found: dict[str, Figure]) -> dict[str, dict[str, Any]]:
    return {code: figure.as_dict() for code, figure in found.items()}


@bp.get("/stats/table")
@documented("统计表：若干指标按维度或按日/月分组，附合计", query=TableQuery, response=TableOut)
@login_required(*STATS_ROLES)
def stats_table() -> Any:
    args = query_args(TableQuery)
    filters = _filters(args)
    start, end = _period(args, by_day=args.group_by == "day")
    codes = list(dict.fromkeys(code.strip() for code in args.indicators.split(",") if code.strip()))
    if not codes or len(codes) > MAX_TABLE_INDICATORS:
        raise BadInput("指标数量不正确", fields={"indicators": f"请给出 1 至 {MAX_TABLE_INDICATORS} 个指标"})
    chosen = [_indicator(code) for code in codes]
    check_dimensions(chosen, filters, args.group_by)
    found = figures(chosen, start, end, filters, args.group_by)
    keys = list(dict.fromkeys([*default_keys(args.group_by, filters, start, end), *_sorted_keys(args.group_by, found)]))
    offset = _offset(args.cursor)
    page = keys[offset : offset + args.limit]
    names = labels(args.group_by, page)
    rows = [
        {"key": key, "label": names.get(key, key), "values": _values(found.get(key) or _empty(chosen))} for key in page
    ]
    total = found[TOTAL] if args.group_by == "none" and TOTAL in found else total_figures(chosen, start, end, filters)
    next_offset = offset + args.limit
    body = {
        "from": start,
        "to": end,
        "group_by": args.group_by,
        "scope": _scope_out(filters),
        "rows": rows,
        "total": {"values": _values(total)},
        "next_cursor": str(next_offset) if next_offset < len(keys) else None,
    }
    return TableOut.model_validate(body).model_dump(mode="json", by_alias=True)


def _empty(chosen: list[Indicator]) -> dict[str, Figure]:
    return {item.code: empty_figure(item) for item in chosen}


def _sorted_keys(group_by: str, found: dict[str, Any]) -> list[str]:
    keys = [key for key in found if key != TOTAL or group_by == "none"]
    if group_by in ("maintenance_unit", "use_unit"):
        return sorted(keys, key=lambda key: int(key) if key.isdigit() else 0)
    return sorted(keys)


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 9:
        raise BadInput("翻页游标无效", fields={"cursor": "翻页游标无效，请从第一页重新开始"})
    return int(cursor)


@bp.get("/stats/series")
@documented("单个指标的时间序列（按日或按月）", query=SeriesQuery, response=SeriesOut)
@login_required(*STATS_ROLES)
def stats_series() -> Any:
    args = query_args(SeriesQuery)
    filters = _filters(args)
    start, end = _period(args, by_day=args.granularity == "day")
    chosen = _indicator(args.indicator)
    check_dimensions([chosen], filters, args.granularity)
    found = figures([chosen], start, end, filters, args.granularity)
    points = []
    for period in periods(start, end, args.granularity):
        figure = (found.get(period.key) or _empty([chosen]))[chosen.code]
        points.append(
            {"period": period.key, "starts_on": period.starts_on, "ends_on": period.ends_on, **figure.as_dict()}
        )
    body = {"indicator": chosen.code, "granularity": args.granularity, "points": points}
    return SeriesOut.model_validate(body).model_dump(mode="json")


@bp.get("/stats/ranking")
@documented("单个指标的排名（按维保单位、辖区、使用单位或平台）", query=RankingQuery, response=RankingOut)
@login_required(*RANKING_ROLES)
def stats_ranking() -> Any:
    args = query_args(RankingQuery)
    filters = _filters(args)
    start, end = _period(args, by_day=False)
    chosen = _indicator(args.indicator)
    check_dimensions([chosen], filters, args.by)
    found = figures([chosen], start, end, filters, args.by)
    entries = [(key, values[chosen.code]) for key, values in found.items() if key != TOTAL]
    with_value = [entry for entry in entries if entry[1].value is not None]
    with_value.sort(
        key=lambda entry: (-(entry[1].value or 0) if args.order == "desc" else (entry[1].value or 0), entry[0])
    )
    top = with_value[: args.limit]
    names = labels(args.by, [key for key, _ in top])
    rows = [
        {"rank": index + 1, "key": key, "label": names.get(key, key), **figure.as_dict()}
        for index, (key, figure) in enumerate(top)
    ]
    body = {"indicator": chosen.code, "by": args.by, "order": args.order, "rows": rows}
    return RankingOut.model_validate(body).model_dump(mode="json")


@bp.get("/stats/drill")
@documented("指标下钻：构成分子或分母的电梯、记录或单位清单", query=DrillQuery, response=DrillOut)
@login_required(*STATS_ROLES)
def stats_drill() -> Any:
    args = query_args(DrillQuery)
    filters = _filters(args)
    start, end = _period(args, by_day=False)
    chosen = _indicator(args.indicator)
    check_dimensions([chosen], filters, "none")
    body = drill(chosen, args.part, start, end, filters, limit=args.limit, cursor=args.cursor)
    return DrillOut.model_validate(body).model_dump(mode="json")
