"""Exports of the statistics (issue 17, STATS.md "Exports"): a ``/stats/table`` or a ``/stats/drill`` as .xlsx or
.csv, and the monitoring centre's monthly report.

Every figure is the statistics API's own (``miniback.statistics``: the same scope, the same validation, the same
code computing it); these views only lay the answer out as sheets, with Chinese headers and the units' names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from flask import Blueprint
from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import load_only

from miniback.api.exports import RECORD_FIELDS, _record_lines, _UnitNames
from miniback.api.schemas.statistics import DrillQuery, StatsFilterQuery, TableQuery
from miniback.api.spreadsheet import (
    CSV,
    MAX_EXPORT_ROWS,
    XLSX,
    Column,
    Sheet,
    csv_download,
    workbook_download,
    xlsx_download,
)
from miniback.api.statistics import MAX_TABLE_INDICATORS, _indicator, _period
from miniback.api.validation import Schema, documented, query_args
from miniback.auth.current import current_account, login_required
from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import Account, MaintenanceRecord, MaintenanceUnit, UseUnit, utcnow
from miniback.records.calendar import SHANGHAI, local_day
from miniback.statistics.definitions import BadInput, Indicator, all_indicators
from miniback.statistics.drill import drill
from miniback.statistics.query import (
    TOTAL,
    Figure,
    check_dimensions,
    default_keys,
    empty_figure,
    figures,
    labels,
    total_figures,
)
from miniback.statistics.scope import STATS_ROLES, Filters, known_sources, scoped_filters

bp = Blueprint("stats_exports", __name__)

GROUP_NAMES = {
    "district": "辖区",
    "maintenance_unit": "维保单位",
    "use_unit": "使用单位",
    "platform": "来源",
    "day": "日期",
    "month": "月份",
    "none": "范围",
}
ELEVATOR_STATUS_NAMES = {"in_service": "在用", "out_of_service": "停用", "decommissioned": "注销"}
ELEVATOR_TYPE_LABELS = {
    "traction": "曳引驱动电梯",
    "hydraulic": "液压电梯",
    "dumbwaiter": "杂物电梯",
    "escalator": "自动扶梯",
}


def _too_large(count: int | None, how: str) -> ValidationFailed:
    found = f"（{count} 条）" if count is not None else ""
    return ValidationFailed(f"导出的数据超过 {MAX_EXPORT_ROWS} 条{found}，请{how}后再导出", code="export_too_large")


def _filters(actor: Account, args: StatsFilterQuery) -> Filters:
    return scoped_filters(
        actor,
        district=args.district,
        maintenance_unit_id=args.maintenance_unit_id,
        use_unit_id=args.use_unit_id,
        platform=args.platform,
    )


# --- tables ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A whole statistics table: its groups (key, label) in the API's order, each group's figures, the total."""

    indicators: list[Indicator]
    group_by: str
    rows: list[tuple[str, str, dict[str, Figure]]]
    total: dict[str, Figure]


def build_table(indicators: list[Indicator], start: date, end: date, filters: Filters, group_by: str) -> Table:
    """Every row of ``/stats/table`` for these arguments, in its order (all its pages at once), and the total."""
    check_dimensions(indicators, filters, group_by)
    found = figures(indicators, start, end, filters, group_by)
    found_keys = [key for key in found if key != TOTAL or group_by == "none"]
    if group_by in ("maintenance_unit", "use_unit"):
        found_keys.sort(key=lambda key: int(key) if key.isdigit() else 0)
    else:
        found_keys.sort()
    keys = list(dict.fromkeys([*default_keys(group_by, filters, start, end), *found_keys]))
    if len(keys) > MAX_EXPORT_ROWS:
        raise _too_large(len(keys), "缩短统计区间或改用其他分组方式")
    names = labels(group_by, keys)
    empty = {item.code: empty_figure(item) for item in indicators}
    rows = [(key, names.get(key, key), found.get(key) or empty) for key in keys]
    total = found[TOTAL] if group_by == "none" and TOTAL in found else total_figures(indicators, start, end, filters)
    return Table(indicators, group_by, rows, total)


def _unit_suffix(item: Indicator) -> str:
    return f"（{item.unit}）" if item.unit else ""


def table_columns(table: Table, *, parts: bool = True) -> list[Column]:
    """The group, then per indicator its value (with its unit) and, for rates and ratios, numerator and
    denominator."""
    columns = [Column(GROUP_NAMES.get(table.group_by, "分组"), 30)]
    for item in table.indicators:
        columns.append(Column(f"{item.name}{_unit_suffix(item)}", max(12, len(item.name) * 2 + 4), "number"))
        if parts and item.kind in ("rate", "ratio"):
            columns += [Column(f"{item.name}（分子）", 12, "number"), Column(f"{item.name}（分母）", 12, "number")]
    return columns


def table_lines(table: Table, *, parts: bool = True) -> Iterator[tuple[Any, ...]]:
    def cells(label: str, values: dict[str, Figure]) -> tuple[Any, ...]:
        line: list[Any] = [label]
        for item in table.indicators:
            figure = values.get(item.code) or empty_figure(item)
            line.append(figure.value)
            if parts and item.kind in ("rate", "ratio"):
                line += [figure.numerator, figure.denominator]
        return tuple(line)

    for _key, label, values in table.rows:
        yield cells(label, values)
    if table.group_by != "none":
        yield cells("合计", table.total)


def _table_from_request() -> tuple[Table, date, date]:
    args = query_args(TableExportQuery)
    filters = _filters(current_account(), args)
    start, end = _period(args, by_day=args.group_by == "day")
    codes = list(dict.fromkeys(code.strip() for code in args.indicators.split(",") if code.strip()))
    if not codes or len(codes) > MAX_TABLE_INDICATORS:
        raise BadInput("指标数量不正确", fields={"indicators": f"请给出 1 至 {MAX_TABLE_INDICATORS} 个指标"})
    return build_table([_indicator(code) for code in codes], start, end, filters, args.group_by), start, end


class TableExportQuery(TableQuery):
    """``/stats/table``'s parameters; the export holds every row (``limit`` and ``cursor`` are not taken)."""

    limit: int = Field(1000, ge=1000, le=1000, description="不适用：导出包含全部行")
    cursor: Annotated[str, StringConstraints(max_length=0)] | None = Field(None, description="不适用：导出不分页")


def _table_name(start: date, end: date, extension: str) -> str:
    return f"统计表-{start.isoformat()}至{end.isoformat()}.{extension}"


@bp.get("/exports/stats/table.xlsx")
@documented(
    f"导出统计表（Excel）：与 /stats/table 相同的参数、口径和权限范围，包含全部行及合计；最多 {MAX_EXPORT_ROWS} 行",
    query=TableExportQuery,
    media_type=XLSX,
)
@login_required(*STATS_ROLES)
def export_table_xlsx() -> Any:
    table, start, end = _table_from_request()
    return xlsx_download(_table_name(start, end, "xlsx"), "统计表", table_columns(table), table_lines(table))


@bp.get("/exports/stats/table.csv")
@documented(
    f"导出统计表（CSV，UTF-8 带 BOM）：与 /stats/table 相同的参数、口径和权限范围；最多 {MAX_EXPORT_ROWS} 行",
    query=TableExportQuery,
    media_type=CSV,
)
@login_required(*STATS_ROLES)
def export_table_csv() -> Any:
    table, start, end = _table_from_request()
    return csv_download(_table_name(start, end, "csv"), table_columns(table), table_lines(table))


# --- drill-downs -------------------------------------------------------------------------------------------

ELEVATOR_COLUMNS = (
    Column("电梯编号", 10, "number"),
    Column("设备代码", 22),
    Column("电梯识别码", 16),
    Column("电梯类型", 16),
    Column("电梯地址", 40),
    Column("所在区", 10),
    Column("维保单位", 30),
    Column("使用单位", 30),
    Column("状态", 8),
)
UNIT_COLUMNS = (Column("单位编号", 10, "number"), Column("维保单位", 40))
TECHNICIAN_COLUMNS = (Column("人员编号", 10, "number"), Column("姓名", 16), Column("维保单位", 30))
BATCH = 1000


def _batches(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def elevator_lines(
    items: Sequence[dict[str, Any]], extra: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None
) -> Iterator[tuple[Any, ...]]:
    maintenance_units, use_units = _UnitNames(MaintenanceUnit), _UnitNames(UseUnit)
    for batch in _batches(items):
        maintenance_units.load({item["maintenance_unit_id"] for item in batch})
        use_units.load({item["use_unit_id"] for item in batch})
        for item in batch:
            yield (
                item["id"],
                item["device_code"],
                item["public_code"],
                ELEVATOR_TYPE_LABELS.get(item["elevator_type"], item["elevator_type"]),
                item["address"],
                item["district"],
                maintenance_units.of(item["maintenance_unit_id"]),
                use_units.of(item["use_unit_id"]),
                ELEVATOR_STATUS_NAMES.get(item["status"], item["status"]),
            ) + (extra(item) if extra else ())


def _record_pages(items: Sequence[dict[str, Any]]) -> Iterator[list[MaintenanceRecord]]:
    """The drill's records, in its order, loaded a batch at a time with the record export's columns."""
    for batch in _batches(items):
        ids = [item["id"] for item in batch]
        loaded = db.session.execute(
            select(MaintenanceRecord)
            .options(load_only(MaintenanceRecord.maintenance_day, *RECORD_FIELDS))
            .where(MaintenanceRecord.id.in_(ids))
        ).scalars()
        by_id = {record.id: record for record in loaded}
        yield [by_id[record_id] for record_id in ids]
        for record in by_id.values():  # a batch is forgotten once written: memory stays one batch
            db.session.expunge(record)


def drill_sheet(found: dict[str, Any], name: str) -> Sheet:
    from miniback.api.exports import RECORD_COLUMNS

    items = found["items"]
    kind = found["kind"]
    if kind == "records":
        return Sheet(name, RECORD_COLUMNS, _record_lines(_record_pages(items)))
    if kind == "elevators":
        return Sheet(name, ELEVATOR_COLUMNS, elevator_lines(items))
    if kind == "maintenance_units":
        return Sheet(name, UNIT_COLUMNS, ((item["id"], item["name"]) for item in items))
    names = _UnitNames(MaintenanceUnit)
    names.load({item["maintenance_unit_id"] for item in items})
    lines = ((item["id"], item["name"], names.of(item["maintenance_unit_id"])) for item in items)
    return Sheet(name, TECHNICIAN_COLUMNS, lines)


class DrillExportQuery(DrillQuery):
    """``/stats/drill``'s parameters; the export holds the whole list (``limit`` and ``cursor`` are not taken)."""

    limit: int = Field(500, ge=500, le=500, description="不适用：导出包含全部行")
    cursor: Annotated[str, StringConstraints(max_length=0)] | None = Field(None, description="不适用：导出不分页")


def _drill_from_request() -> tuple[Sheet, str]:
    args = query_args(DrillExportQuery)
    filters = _filters(current_account(), args)
    start, end = _period(args, by_day=False)
    chosen = _indicator(args.indicator)
    check_dimensions([chosen], filters, "none")
    found = drill(chosen, args.part, start, end, filters, limit=MAX_EXPORT_ROWS, cursor=None)
    if found["total"] > MAX_EXPORT_ROWS:
        raise _too_large(found["total"], "缩短统计区间，或按辖区、维保单位、使用单位筛选")
    part = "分子" if args.part == "numerator" else "分母"
    name = f"{chosen.name}-{part}-{start.isoformat()}至{end.isoformat()}"
    return drill_sheet(found, _sheet_name(f"{chosen.name}（{part}）")), _file_name(name)


def _sheet_name(text: str) -> str:
    """Excel's rule: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "-", text)[:31]


def _file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|]', "-", text)


@bp.get("/exports/stats/drill.xlsx")
@documented(
    f"导出指标下钻清单（Excel）：与 /stats/drill 相同的参数、口径和权限范围，包含全部行；最多 {MAX_EXPORT_ROWS} 行",
    query=DrillExportQuery,
    media_type=XLSX,
)
@login_required(*STATS_ROLES)
def export_drill_xlsx() -> Any:
    sheet, name = _drill_from_request()
    return workbook_download(f"{name}.xlsx", [sheet])


@bp.get("/exports/stats/drill.csv")
@documented(
    f"导出指标下钻清单（CSV，UTF-8 带 BOM）：与 /stats/drill 相同的参数、口径和权限范围；最多 {MAX_EXPORT_ROWS} 行",
    query=DrillExportQuery,
    media_type=CSV,
)
@login_required(*STATS_ROLES)
def export_drill_csv() -> Any:
    sheet, name = _drill_from_request()
    return csv_download(f"{name}.csv", sheet.columns, sheet.rows)


# --- the monthly report ------------------------------------------------------------------------------------

# The monitoring centre's figures, in this order (those an indicator cannot be grouped by are left out there).
REPORT_INDICATORS = (
    "elevators_registered",
    "elevators_in_use",
    "unit_coverage",
    "elevator_coverage",
    "on_time_rate",
    "overdue_now",
    "overdue_unexcused",
    "overdue_excused",
    "overdue_rate",
    "same_day_upload_rate",
    "signed_rate",
    "default_confirmed_rate",
    "objected_rate",
    "pending_rate",
    "median_sign_minutes",
    "signed_same_day_rate",
    "onsite_verified_rate",
    "workload",
    "hazards_reported",
    "hazard_items",
)
OVERDUE_COLUMNS = (*ELEVATOR_COLUMNS, Column("延期说明", 12), Column("截至月末仍超期", 14))
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


EARLIEST_YEAR = 2000


class MonthlyReportQuery(Schema):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="月份，YYYY-MM；本月则统计到今天"
    )


@dataclass(frozen=True)
class Month:
    first: date
    last: date  # the month's last day, or today for the current month

    @property
    def label(self) -> str:
        return f"{self.first.year}年{self.first.month}月"


def report_month(text: str, today: date) -> Month:
    """``YYYY-MM`` → the month's days (to today for the current month); 400 for a malformed or future month."""
    if not MONTH.match(text):
        raise BadInput("月份格式不正确", fields={"month": "月份应为 YYYY-MM，例如 2026-11"})
    if int(text[:4]) < EARLIEST_YEAR:  # year 0 is no date at all; nothing was recorded before the platform existed
        raise BadInput("月份过早", fields={"month": f"月份不能早于 {EARLIEST_YEAR} 年"})
    first = date(int(text[:4]), int(text[5:7]), 1)
    if first > today:
        raise BadInput("月份不能晚于本月", fields={"month": "不能导出尚未开始的月份"})
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    last = min(today, date.fromordinal(following.toordinal() - 1))
    return Month(first, last)


def _report_indicators(group_by: str, filters: Filters) -> list[Indicator]:
    known = {item.code: item for item in all_indicators(known_sources())}
    chosen = []
    for code in REPORT_INDICATORS:
        item = known.get(code)
        if item is None:
            continue
        try:
            check_dimensions([item], filters, group_by)
        except BadInput:
            continue
        chosen.append(item)
    return chosen


def _overdue_items(month: Month, filters: Filters) -> list[tuple[dict[str, Any], str, str]]:
    """The elevators overdue on some day of the month (the overdue indicators' own drill-downs), each with whether
    a delay notice excused it and whether it was still overdue on the month's last day."""
    known = {item.code: item for item in all_indicators(known_sources())}

    def listed(code: str) -> list[dict[str, Any]]:
        found = drill(known[code], "numerator", month.first, month.last, filters, limit=MAX_EXPORT_ROWS, cursor=None)
        if found["total"] > MAX_EXPORT_ROWS:
            raise _too_large(found["total"], "按辖区分别导出月报")
        items: list[dict[str, Any]] = found["items"]
        return items

    still = {item["id"] for item in listed("overdue_now")}
    excused = {item["id"] for item in listed("overdue_excused")}
    everyone = {item["id"]: item for item in listed("overdue_unexcused")}
    for item in listed("overdue_excused"):
        everyone.setdefault(item["id"], item)
    return [
        (everyone[i], "有延期说明" if i in excused else "未说明", "是" if i in still else "否")
        for i in sorted(everyone)
    ]


def monthly_report_sheets(
    actor: Account, month: Month, progress: Callable[[str], None] = lambda _: None
) -> list[Sheet]:
    """The monthly report's sheets, built one after the other (each reports to ``progress`` when done)."""
    filters = scoped_filters(actor, district=None, maintenance_unit_id=None, use_unit_id=None, platform=None)
    sheets: list[Sheet] = []
    generated = utcnow().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    scope = filters.district or "广州市（全市）"
    notes: list[tuple[str, str]] = [
        ("报表", f"电梯维保监测月报（{month.label}）"),
        ("统计区间", f"{month.first.isoformat()} 至 {month.last.isoformat()}（北京时间，含首尾）"),
        ("范围", scope),
        ("生成时间", f"{generated}（北京时间）"),
    ]
    notes += [(f"{item.name}{_unit_suffix(item)}", item.definition) for item in _report_indicators("none", filters)]
    sheets.append(Sheet("说明", (Column("项目", 28), Column("内容", 100)), notes))
    for group_by, title in (("district", "按辖区"), ("maintenance_unit", "按维保单位")):
        table = build_table(_report_indicators(group_by, filters), month.first, month.last, filters, group_by)
        sheets.append(Sheet(title, table_columns(table), list(table_lines(table))))
        progress(f"{title}：{len(table.rows)} 行")
    overdue = _overdue_items(month, filters)
    lines = list(elevator_lines([item for item, _, _ in overdue], None))
    rows = [line + (excused, still) for line, (_, excused, still) in zip(lines, overdue, strict=True)]
    sheets.append(Sheet("超期未维保电梯", OVERDUE_COLUMNS, rows))
    progress(f"超期未维保电梯：{len(rows)} 台")
    return sheets


REPORT_ROLES = ("platform_operator", "regulator")


@bp.get("/exports/monthly-report")
@documented(
    "导出监测中心月报（Excel）：全市（区级监管员为本辖区）按辖区、按维保单位的各项指标，以及当月超期未维保电梯清单",
    query=MonthlyReportQuery,
    media_type=XLSX,
)
@login_required(*REPORT_ROLES)
def export_monthly_report() -> Any:
    args = query_args(MonthlyReportQuery)
    month = report_month(args.month, local_day(utcnow()))
    sheets = monthly_report_sheets(current_account(), month)
    return workbook_download(f"维保监测月报-{args.month}.xlsx", sheets)
