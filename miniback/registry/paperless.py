"""Paperless approval (四(六)): a maintenance unit applies to stop keeping paper records, showing its own figures;
a regulator with city scope approves or rejects it with a reason, and may withdraw an approval later.

Each step is a ``paperless_event``; the unit points to the approval in force (``paperless_application_id``), which
the public page reads with the unit's name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, select, true

from miniback.errors import Conflict, Forbidden, NotFound
from miniback.extensions import db
from miniback.models import Account, MaintenanceUnit, PaperlessApplication, PaperlessEvent

PAPERLESS_TEXT = "已停止使用纸质维保记录"


class PaperlessRefused(Conflict):
    code = "paperless_refused"


def paperless_approved(unit_id: int) -> PaperlessApplication | None:
    """The approval in force for the maintenance unit, or ``None`` (never applied, pending, rejected, withdrawn)."""
    application_id = db.session.execute(
        select(MaintenanceUnit.paperless_application_id).where(MaintenanceUnit.id == unit_id)
    ).scalar()
    if application_id is None:
        return None
    application = db.session.get(PaperlessApplication, application_id)
    return application if application is not None and application.status == "approved" else None


def is_city_regulator(actor: Account) -> bool:
    return actor.role == "regulator" and actor.district is None


def application_scope(actor: Account) -> ColumnElement[bool]:
    """City regulators, inspectors and the platform operator see every application; a unit its own."""
    if is_city_regulator(actor) or actor.role in ("inspector", "platform_operator"):
        return true()
    if actor.role == "mu_admin" and actor.maintenance_unit_id is not None:
        return PaperlessApplication.maintenance_unit_id == actor.maintenance_unit_id
    return false()


def get_application_or_404(application_id: int, actor: Account) -> PaperlessApplication:
    found = db.session.execute(
        select(PaperlessApplication).where(PaperlessApplication.id == application_id, application_scope(actor))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("找不到该无纸化申请")
    return found


def events_of(application_id: int) -> list[PaperlessEvent]:
    return list(
        db.session.execute(
            select(PaperlessEvent).where(PaperlessEvent.application_id == application_id).order_by(PaperlessEvent.id)
        ).scalars()
    )


def _event(application: PaperlessApplication, kind: str, actor: Account, reason: str | None, now: datetime) -> None:
    db.session.add(
        PaperlessEvent(application_id=application.id, kind=kind, actor_id=actor.id, reason=reason, occurred_at=now)
    )
    db.session.flush()


def apply_for_paperless(
    unit: MaintenanceUnit, admin: Account, statement: str | None, figures: dict[str, Any] | None, *, now: datetime
) -> PaperlessApplication:
    """The unit's admin applies; ``figures`` are the unit's own indicators when it applied (shown to the regulator)."""
    locked = db.session.execute(
        select(MaintenanceUnit).where(MaintenanceUnit.id == unit.id).with_for_update()
    ).scalar_one()
    if locked.paperless_application_id is not None:
        raise PaperlessRefused("本单位已获准停止使用纸质维保记录", code="paperless_already_approved")
    open_one = db.session.execute(
        select(PaperlessApplication.id).where(
            PaperlessApplication.maintenance_unit_id == unit.id, PaperlessApplication.status == "pending"
        )
    ).first()
    if open_one is not None:
        raise PaperlessRefused("本单位已有待审核的申请", code="paperless_application_pending")
    application = PaperlessApplication(
        maintenance_unit_id=unit.id,
        status="pending",
        statement=statement,
        figures=figures,
        applied_by_id=admin.id,
        applied_at=now,
    )
    db.session.add(application)
    db.session.flush()
    _event(application, "applied", admin, statement, now)
    return application


def _require_city_regulator(actor: Account) -> None:
    if not is_city_regulator(actor):
        raise Forbidden("只有市级监管部门可以审核无纸化申请", code="city_regulator_only")


def _decide(application: PaperlessApplication, actor: Account, status: str, reason: str, now: datetime) -> None:
    _require_city_regulator(actor)
    locked = db.session.execute(
        select(PaperlessApplication)
        .where(PaperlessApplication.id == application.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if locked.status != "pending":
        raise PaperlessRefused("该申请已审核", code="paperless_already_decided")
    locked.status, locked.decided_by_id, locked.decided_at, locked.reason = status, actor.id, now, reason
    if status == "approved":
        unit = db.session.get(MaintenanceUnit, locked.maintenance_unit_id, with_for_update=True)
        assert unit is not None
        unit.paperless_application_id = locked.id
    db.session.flush()
    _event(locked, status, actor, reason, now)


def approve(application: PaperlessApplication, actor: Account, reason: str, *, now: datetime) -> None:
    _decide(application, actor, "approved", reason, now)


def reject(application: PaperlessApplication, actor: Account, reason: str, *, now: datetime) -> None:
    _decide(application, actor, "rejected", reason, now)


def withdraw(application: PaperlessApplication, actor: Account, reason: str, *, now: datetime) -> None:
    """Withdraw an approval in force: the unit keeps paper records again (history stays)."""
    _require_city_regulator(actor)
    locked = db.session.execute(
        select(PaperlessApplication)
        .where(PaperlessApplication.id == application.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if locked.status != "approved":
        raise PaperlessRefused("只有已批准的申请可以撤销", code="paperless_not_approved")
    locked.status = "withdrawn"
    unit = db.session.get(MaintenanceUnit, locked.maintenance_unit_id, with_for_update=True)
    if unit is not None and unit.paperless_application_id == locked.id:
        unit.paperless_application_id = None
    db.session.flush()
    _event(locked, "withdrawn", actor, reason, now)
