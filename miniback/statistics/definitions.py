"""Every indicator, defined once: code, Chinese name, kind, how it is computed (``family`` and its metrics) and
what its drill-down lists. ``docs/statistics.md`` states the same definitions for people.

Record indicators count *effective* records: a record superseded by a correction is left out and its correction
counts instead (never both). Days are Asia/Shanghai days; a period ``[from, to]`` is inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from miniback.errors import ApiError
from miniback.models import CATEGORIES, ELEVATOR_TYPES
from miniback.statistics.flags import FLAG_KINDS

Kind = Literal["count", "rate", "median", "ratio"]
Drill = Literal["elevators", "records", "maintenance_units"]
# How a figure is read: ``rate``/``sum`` from record rollups (numerator/denominator metrics), ``median`` from a
# rollup histogram, ``registry`` from the elevator table, ``overdue`` from overdue segments, ``coverage`` and
# ``workload`` from the activity rows.
Family = Literal["rate", "sum", "median", "registry", "overdue", "coverage", "workload"]

CATEGORY_LABELS = {"half_month": "半月", "quarter": "季度", "half_year": "半年", "year": "年度"}
TYPE_LABELS = {"traction": "曳引驱动电梯", "hydraulic": "液压电梯", "dumbwaiter": "杂物电梯", "escalator": "自动扶梯"}
# Dimensions each family can be filtered and grouped by (``platform`` only for record indicators).
RECORD_DIMS = frozenset({"district", "maintenance_unit", "use_unit", "platform"})
ELEVATOR_DIMS = frozenset({"district", "maintenance_unit", "use_unit"})
COVERAGE_WINDOW_DAYS = 30


class BadInput(ApiError):
    """A statistics request the contract refuses with 400 and ``fields`` (STATS.md)."""

    status = 400
    code = "bad_request"
    message = "统计请求参数有误"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    kind: Kind
    unit: str
    definition: str
    drill: Drill | None
    family: Family
    numerator: str | None = None  # a rollup metric, or a family-specific selector
    denominator: str | None = None
    dims: frozenset[str] = RECORD_DIMS


def _record_rate(code: str, name: str, numerator: str, definition: str) -> Indicator:
    return Indicator(code, name, "rate", "%", definition, "records", "rate", numerator, "records")


_FIXED: list[Indicator] = [
    Indicator(
        "elevators_registered",
        "注册电梯数",
        "count",
        "台",
        "截至 to 当日（含）已登记的电梯台数，含停用、注销；按类型分见 elevators_registered:<类型>。",
        "elevators",
        "registry",
        "registered",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "elevators_in_use",
        "在用电梯数",
        "count",
        "台",
        "截至 to 当日已登记、当前状态为在用（in_service）且有维保单位的电梯台数（注册数减去停用、注销）。",
        "elevators",
        "registry",
        "in_use",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "unit_coverage",
        "维保单位覆盖率",
        "rate",
        "%",
        "分子：to 前 30 天（含 to）内至少有 1 条有效维保记录的维保单位数；分母：状态为正常、且在范围内维保至少 1 台"
        "在用电梯的维保单位数。",
        "maintenance_units",
        "coverage",
        "units",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "elevator_coverage",
        "电梯覆盖率",
        "rate",
        "%",
        "分子：to 前 30 天（含 to）内至少有 1 条有效维保记录的在用电梯数；分母：在用电梯数。",
        "elevators",
        "coverage",
        "elevators",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "on_time_rate",
        "按时维保率",
        "rate",
        "%",
        "分子：在期间内结束、且不超过 15 天的半月维保间隔数；分母：在期间内结束的全部间隔数。间隔从电梯上一次"
        "有效维保记录的维保日到本次维保日（任何类别都算作当期的半月维保，与到期规则相同）；同一天的多条记录只算"
        "一次；首条记录不结束间隔。延期说明不改变间隔天数。",
        "records",
        "rate",
        "intervals_on_time",
        "intervals",
    ),
    Indicator(
        "overdue_now",
        "当前超期未维保数",
        "count",
        "台",
        "to 当日半月维保已超期（to 晚于上次有效维保日 + 15 天；从未维保的从登记日起算）的在用电梯数，含有延期说明的。",
        "elevators",
        "overdue",
        "now",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "overdue_unexcused",
        "超期未维保数（未说明）",
        "count",
        "台",
        "期间内至少有一天超期、且其中至少一天没有延期说明覆盖的在用电梯数。",
        "elevators",
        "overdue",
        "unexcused",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "overdue_excused",
        "超期未维保数（有延期说明）",
        "count",
        "台",
        "期间内有超期的日子、且每一个超期日都有延期说明覆盖的在用电梯数（与“未说明”互不重叠，两者之和为期间"
        "超期电梯数）。",
        "elevators",
        "overdue",
        "excused",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "overdue_rate",
        "维保超期率",
        "rate",
        "%",
        "分子：期间内至少有一天超期的在用电梯数（有无延期说明都算）；分母：to 当日的在用电梯数。",
        "elevators",
        "overdue",
        "any",
        "in_use",
        dims=ELEVATOR_DIMS,
    ),
    _record_rate(
        "same_day_upload_rate",
        "当日上传率",
        "same_day",
        "分子：期间内（按维保日）未被标记为补传（late_upload）的有效记录数；分母：期间内有效记录数。",
    ),
    _record_rate(
        "signed_rate",
        "签字确认率",
        "signed",
        "分子：当前签字状态为“已签字”的有效记录数；分母：期间内（按维保日）有效记录数。与默认确认率分列，从不合并。",
    ),
    _record_rate(
        "default_confirmed_rate",
        "默认确认率",
        "default_confirmed",
        "分子：当前状态为“默认确认”（期限内未签字、未提异议）的有效记录数；分母同签字确认率。",
    ),
    _record_rate(
        "objected_rate",
        "异议率",
        "objected",
        "分子：曾被使用单位提出异议（任一轮）的有效记录数；分母：期间内有效记录数。",
    ),
    _record_rate(
        "pending_rate",
        "待确认率",
        "pending",
        "分子：当前仍待确认（含因异议重新打开的）的有效记录数；分母：期间内有效记录数。",
    ),
    Indicator(
        "median_sign_minutes",
        "上传至签字的中位时长（分钟）",
        "median",
        "分钟",
        "已签字的有效记录从上传（received_at）到签字（decided_at）的分钟数（向下取整）的下中位数；分钟数按"
        "分桶取值：240 分钟以内按 1 分钟，1440 分钟以内按 10 分钟，其后按 60 分钟（取桶的下限）。",
        "records",
        "median",
        "hsign",
        "signed",
    ),
    _record_rate(
        "signed_same_day_rate",
        "当日签字率",
        "signed_same_day",
        "分子：已签字且签字日（北京时间）等于维保日的有效记录数；分母：期间内有效记录数。",
    ),
    _record_rate(
        "onsite_verified_rate",
        "现场核验率",
        "onsite_verified",
        "分子：签到、签退位置都已记录且都在核验半径（ONSITE_RADIUS_M）以内（未标记距离异常）的有效记录数；"
        "分母：期间内有效记录数。",
    ),
    Indicator(
        "workload",
        "人均维保台数",
        "ratio",
        "台/人",
        "分子：to 当日的在用电梯数；分母：to 前 30 天（含 to）内作为提交人或第二维保人员出现在有效记录上的维保人员数。",
        "elevators",
        "workload",
        "in_use",
        "technicians",
        dims=ELEVATOR_DIMS,
    ),
    Indicator(
        "hazards_reported",
        "隐患数",
        "count",
        "条",
        "期间内有效记录上报的隐患条数（记录的 hazards 列表条目之和）。",
        "records",
        "sum",
        "hazards",
    ),
    Indicator(
        "hazard_items",
        "有隐患项数",
        "count",
        "项",
        "期间内有效记录中结果为“有隐患”的检查项数。",
        "records",
        "sum",
        "hazard_items",
    ),
]


def _parametrised() -> list[Indicator]:
    out = []
    for kind, label in FLAG_KINDS.items():
        out.append(
            _record_rate(
                f"flag_rate:{kind}",
                f"标记率（{label}）",
                f"flag:{kind}",
                f"分子：期间内带“{label}”标记的有效记录数（含提交后追加的标记）；分母：期间内有效记录数。",
            )
        )
    for category in CATEGORIES:
        label = CATEGORY_LABELS[category]
        out.append(
            Indicator(
                f"median_duration:{category}",
                f"维保时长中位数（{label}，分钟）",
                "median",
                "分钟",
                f"期间内{label}维保有效记录的时长（签到至签退，分钟，向下取整）的下中位数，分桶同上传至签字中位时长。",
                "records",
                "median",
                f"hdur:{category}",
                f"cat:{category}",
            )
        )
    for elevator_type in ELEVATOR_TYPES:
        out.append(
            Indicator(
                f"elevators_registered:{elevator_type}",
                f"注册电梯数（{TYPE_LABELS[elevator_type]}）",
                "count",
                "台",
                f"截至 to 当日已登记的{TYPE_LABELS[elevator_type]}台数。",
                "elevators",
                "registry",
                f"type:{elevator_type}",
                dims=ELEVATOR_DIMS,
            )
        )
    return out


INDICATORS: dict[str, Indicator] = {indicator.code: indicator for indicator in _FIXED + _parametrised()}

ROUTE_SHARE_PREFIX = "route_share:"


def route_share(source: str) -> Indicator:
    """``route_share:<source>``: the share of effective records from one route (``miniprogram`` or
    ``platform:<code>``)."""
    label = "小程序" if source == "miniprogram" else f"平台 {source.removeprefix('platform:')}"
    return Indicator(
        f"{ROUTE_SHARE_PREFIX}{source}",
        f"来源占比（{label}）",
        "rate",
        "%",
        f"分子：期间内来源为“{label}”的有效记录数；分母：期间内全部来源的有效记录数（不受 platform 筛选）。",
        "records",
        "rate",
        f"source:{source}",
        "records",
        dims=frozenset({"district", "maintenance_unit", "use_unit"}),
    )


def indicator(code: str, known_sources: set[str] | None = None) -> Indicator:
    """The indicator named ``code``; 400 for an unknown one (``route_share:`` needs a known source)."""
    found = INDICATORS.get(code)
    if found is not None:
        return found
    if code.startswith(ROUTE_SHARE_PREFIX):
        source = code.removeprefix(ROUTE_SHARE_PREFIX)
        if known_sources is None or source in known_sources:
            return route_share(source)
    raise BadInput("未知的统计指标", fields={"indicator": f"未知的统计指标：{code}"})


def all_indicators(known_sources: list[str]) -> list[Indicator]:
    return list(INDICATORS.values()) + [route_share(source) for source in known_sources]
