"""Who sees which statistics (STATS.md "Scope"), in one place, built on ``miniback.access``.

- a district regulator: their district only (another district, or a unit or use unit with nothing there → 404);
- the city regulator and the platform operator: the city;
- a maintenance unit admin: their own unit's figures, series and drill-downs (the filter is forced), no rankings;
- everyone else (inspectors, use units, technicians, supervisors): 403 ("inspectors see records, not rankings").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import exists, select

from miniback.access import is_city_wide
from miniback.errors import Forbidden, NotFound
from miniback.extensions import db
from miniback.models import Account, Elevator, MaintenanceUnit, PlatformClient, UseUnit
from miniback.registry.districts import GUANGZHOU_DISTRICTS
from miniback.statistics.definitions import BadInput

STATS_ROLES = ("platform_operator", "regulator", "mu_admin")
MINIPROGRAM = "miniprogram"
PLATFORM_PREFIX = "platform:"


@dataclass(frozen=True)
class Filters:
    """The dimensions a figure is restricted to; ``source`` is a record's ``source`` (``miniprogram`` or
    ``platform:<code>``)."""

    district: str | None = None
    maintenance_unit_id: int | None = None
    use_unit_id: int | None = None
    source: str | None = None


def known_sources() -> list[str]:
    codes = db.session.execute(select(PlatformClient.code).order_by(PlatformClient.code)).scalars()
    return [MINIPROGRAM, *(f"{PLATFORM_PREFIX}{code}" for code in codes)]


def source_of_platform(platform: str) -> str:
    """``platform`` as the API takes it (a platform code or ``miniprogram``) → a record ``source``; 400 if
    unknown."""
    if platform == MINIPROGRAM:
        return MINIPROGRAM
    if db.session.execute(select(PlatformClient.id).where(PlatformClient.code == platform)).first() is None:
        raise BadInput("未知的平台", fields={"platform": f"未知的平台：{platform}"})
    return f"{PLATFORM_PREFIX}{platform}"


def require_stats_reader(actor: Account) -> None:
    if actor.role not in STATS_ROLES:
        raise Forbidden("统计数据仅向监管部门、平台运营方和维保单位管理员开放")


def require_ranking_reader(actor: Account) -> None:
    require_stats_reader(actor)
    if actor.role == "mu_admin":
        raise Forbidden("维保单位只能查看本单位的统计，不能查看单位间排名")


def scoped_filters(
    actor: Account,
    *,
    district: str | None,
    maintenance_unit_id: int | None,
    use_unit_id: int | None,
    platform: str | None,
) -> Filters:
    """The request's filters checked (unknown → 400, out of scope → 404) and the actor's scope forced on them."""
    require_stats_reader(actor)
    if district is not None and district not in GUANGZHOU_DISTRICTS:
        raise BadInput("未知的辖区", fields={"district": f"未知的辖区：{district}"})
    if maintenance_unit_id is not None and db.session.get(MaintenanceUnit, maintenance_unit_id) is None:
        raise BadInput("未知的维保单位", fields={"maintenance_unit_id": "未知的维保单位"})
    use_unit = db.session.get(UseUnit, use_unit_id) if use_unit_id is not None else None
    if use_unit_id is not None and use_unit is None:
        raise BadInput("未知的使用单位", fields={"use_unit_id": "未知的使用单位"})
    filters = Filters(district, maintenance_unit_id, use_unit_id, source_of_platform(platform) if platform else None)
    if is_city_wide(actor):
        return filters
    if actor.role == "regulator":
        if district is not None and district != actor.district:
            raise NotFound("找不到该辖区")
        if maintenance_unit_id is not None and not _unit_works_in(maintenance_unit_id, actor.district):
            raise NotFound("找不到该维保单位")
        if use_unit is not None and use_unit.district != actor.district:
            raise NotFound("找不到该使用单位")
        return replace(filters, district=actor.district)
    # mu_admin: their own unit, forced.
    if maintenance_unit_id is not None and maintenance_unit_id != actor.maintenance_unit_id:
        raise NotFound("找不到该维保单位")
    if use_unit_id is not None and not _unit_serves(actor.maintenance_unit_id, use_unit_id):
        raise NotFound("找不到该使用单位")
    return replace(filters, maintenance_unit_id=actor.maintenance_unit_id)


def _unit_works_in(unit_id: int, district: str | None) -> bool:
    return bool(
        db.session.execute(
            select(exists().where(Elevator.maintenance_unit_id == unit_id, Elevator.district == district))
        ).scalar()
    )


def _unit_serves(unit_id: int | None, use_unit_id: int) -> bool:
    return bool(
        db.session.execute(
            select(exists().where(Elevator.maintenance_unit_id == unit_id, Elevator.use_unit_id == use_unit_id))
        ).scalar()
    )
