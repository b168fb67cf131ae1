"""Who may see which object. Every view loads through these helpers, so the check lives in one place.

A row the actor may not see is reported as 404, exactly like a row that does not exist.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, bindparam, false, true

from miniback.auth.tokens import unit_status_read_in_transaction
from miniback.errors import Forbidden, NotFound
from miniback.extensions import db
from miniback.models import (
    Account,
    DelayNotice,
    DelayNoticeElevator,
    Elevator,
    MaintenanceRecord,
    MaintenanceUnit,
    OrgNode,
    RecordDraft,
    RecordTechnician,
    SignoffState,
    UseUnit,
)
from miniback.registry.staff import subtree_node_ids

CITY_READERS = ("platform_operator", "inspector")


def is_city_wide(actor: Account) -> bool:
    return actor.role in CITY_READERS or (actor.role == "regulator" and actor.district is None)


def elevator_scope(actor: Account) -> ColumnElement[bool]:
    if is_city_wide(actor):
        return true()
    if actor.role == "regulator":
        return Elevator.district == actor.district
    if actor.maintenance_unit_id is not None:
        return Elevator.maintenance_unit_id == actor.maintenance_unit_id
    if actor.use_unit_id is not None:
        return Elevator.use_unit_id == actor.use_unit_id
    return false()


def maintenance_unit_scope(actor: Account) -> ColumnElement[bool]:
    if is_city_wide(actor) or actor.role == "regulator":
        return true()
    if actor.maintenance_unit_id is not None:
        return MaintenanceUnit.id == actor.maintenance_unit_id
    if actor.use_unit_id is not None:
        # A use unit sees the units that maintain its elevators.
        return MaintenanceUnit.id.in_(
            db.select(Elevator.maintenance_unit_id).where(Elevator.use_unit_id == actor.use_unit_id)
        )
    return false()


def use_unit_scope(actor: Account) -> ColumnElement[bool]:
    if is_city_wide(actor):
        return true()
    if actor.role == "regulator":
        return UseUnit.district == actor.district
    if actor.use_unit_id is not None:
        return UseUnit.id == actor.use_unit_id
    if actor.maintenance_unit_id is not None:
        return UseUnit.id.in_(
            db.select(Elevator.use_unit_id).where(Elevator.maintenance_unit_id == actor.maintenance_unit_id)
        )
    return false()


def staff_scope(actor: Account) -> ColumnElement[bool]:
    """Staff an actor may see: an admin their unit, a supervisor their subtree, anyone else themselves."""
    if actor.role == "platform_operator":
        return true()
    if actor.role == "mu_admin":
        return Account.maintenance_unit_id == actor.maintenance_unit_id
    if actor.role == "uu_admin":
        return Account.use_unit_id == actor.use_unit_id
    if actor.role == "mu_supervisor" and actor.org_node_id is not None:
        node = db.session.get(OrgNode, actor.org_node_id)
        if node is not None:
            return Account.org_node_id.in_(subtree_node_ids(node))
    return Account.id == actor.id


def org_node_scope(actor: Account) -> ColumnElement[bool]:
    if actor.role == "platform_operator":
        return true()
    if actor.maintenance_unit_id is not None:
        return OrgNode.maintenance_unit_id == actor.maintenance_unit_id
    return false()


def _get_or_404(model: Any, object_id: int, scope: ColumnElement[bool], message: str) -> Any:
    found = db.session.execute(db.select(model).where(model.id == object_id, scope)).scalar_one_or_none()
    if found is None:
        raise NotFound(message)
    return found


def get_elevator_or_404(elevator_id: int, actor: Account) -> Elevator:
    elevator: Elevator = _get_or_404(Elevator, elevator_id, elevator_scope(actor), "找不到该电梯")
    return elevator


def get_maintenance_unit_or_404(unit_id: int, actor: Account) -> MaintenanceUnit:
    unit: MaintenanceUnit = _get_or_404(MaintenanceUnit, unit_id, maintenance_unit_scope(actor), "找不到该维保单位")
    return unit


def get_use_unit_or_404(unit_id: int, actor: Account) -> UseUnit:
    unit: UseUnit = _get_or_404(UseUnit, unit_id, use_unit_scope(actor), "找不到该使用单位")
    return unit


def get_staff_or_404(account_id: int, actor: Account) -> Account:
    staff_roles = ("mu_supervisor", "technician", "mu_admin", "uu_admin", "uu_manager")
    account: Account = _get_or_404(
        Account, account_id, staff_scope(actor) & Account.role.in_(staff_roles), "找不到该人员"
    )
    return account


def account_admin_scope(actor: Account) -> ColumnElement[bool]:
    """Accounts an actor administers (e.g. issues password resets for): the operator every account, a unit admin
    their unit's, nobody else any."""
    if actor.role == "platform_operator":
        return true()
    if actor.role == "mu_admin" and actor.maintenance_unit_id is not None:
        return Account.maintenance_unit_id == actor.maintenance_unit_id
    if actor.role == "uu_admin" and actor.use_unit_id is not None:
        return Account.use_unit_id == actor.use_unit_id
    return false()


def get_administered_account_or_404(account_id: int, actor: Account) -> Account:
    account: Account = _get_or_404(Account, account_id, account_admin_scope(actor), "找不到该账号")
    return account


def account_scope(actor: Account) -> ColumnElement[bool]:
    """Accounts an actor may manage as accounts: the platform operator every one, anyone else their own."""
    return true() if actor.role == "platform_operator" else Account.id == actor.id


def get_account_or_404(account_id: int, actor: Account) -> Account:
    account: Account = _get_or_404(Account, account_id, account_scope(actor), "找不到该账号")
    return account


def get_org_node_or_404(node_id: int, actor: Account) -> OrgNode:
    node: OrgNode = _get_or_404(OrgNode, node_id, org_node_scope(actor), "找不到该组织节点")
    return node


def require_admin_of(actor: Account, unit: MaintenanceUnit | UseUnit) -> None:
    """Only the unit's own admin writes its data (the object is already known to be visible)."""
    if isinstance(unit, MaintenanceUnit):
        allowed = actor.role == "mu_admin" and actor.maintenance_unit_id == unit.id
    else:
        allowed = actor.role == "uu_admin" and actor.use_unit_id == unit.id
    if not allowed:
        raise Forbidden("只有本单位的系统管理员可以修改")


def require_active_unit(actor: Account) -> None:
    """Work (staff, elevators) needs an approved unit; a pending unit may only complete its details. A maintenance
    unit under a regulator's suspension notice (中止意见) does no new work (submissions, platform uploads) until
    it is lifted."""
    # This runs on every on-site write: reuse the status read earlier in this same transaction, else read
    # only the status columns (the whole unit row is not needed here).
    known, status, halted_by = unit_status_read_in_transaction(actor)
    if not known and actor.maintenance_unit_id is not None:
        row = db.session.execute(
            db.select(MaintenanceUnit.status, MaintenanceUnit.halted_by_notice_id).where(
                MaintenanceUnit.id == actor.maintenance_unit_id
            )
        ).first()
        status, halted_by = (row[0], row[1]) if row is not None else (None, None)
    elif not known and actor.use_unit_id is not None:
        status = db.session.execute(
            db.select(UseUnit.status).where(UseUnit.id == actor.use_unit_id)
        ).scalar_one_or_none()
    if status is not None and status != "active":
        raise Forbidden("单位尚未通过平台审核，暂不能进行此操作", code="unit_not_active")
    if halted_by is not None and actor.role == "technician":
        raise Forbidden(
            f"本单位已被监管部门中止维保业务（中止意见第 {halted_by} 号），解除前不能提交维保记录或上传数据",
            code="unit_suspended_by_regulator",
        )


def _subtree_of(actor: Account) -> Any:
    node = db.session.get(OrgNode, actor.org_node_id) if actor.org_node_id is not None else None
    return subtree_node_ids(node) if node is not None else None


def record_scope(actor: Account) -> ColumnElement[bool]:
    """Submitted records an actor may read.

    Technician: their own (as either technician) and their team's (org node); supervisor: their subtree;
    unit admin: the unit; use unit: records of its elevators; regulator: district (or city); inspector and
    platform operator: the city. Scope columns are copied onto the record at submission, so a transferred
    elevator's past records stay with the unit that did the work.
    """
    return _scope(actor, MaintenanceRecord, MaintenanceRecord.id)


def signoff_scope(actor: Account) -> ColumnElement[bool]:
    """The sign-offs of exactly the records ``record_scope`` lets the actor read: the same rule, on the scope
    columns the sign-off row copies from its record."""
    return _scope(actor, SignoffState, SignoffState.record_id)


def _scope(actor: Account, rows: Any, record_id: Any) -> ColumnElement[bool]:
    """``record_scope``'s rule over ``rows``' copies of the record's scope columns (``record_id``: the record)."""
    if is_city_wide(actor):
        return true()
    if actor.role == "regulator":
        return rows.district == actor.district
    if actor.role in ("uu_admin", "uu_manager") and actor.use_unit_id is not None:
        return rows.use_unit_id == actor.use_unit_id
    if actor.maintenance_unit_id is None:
        return false()
    in_unit = rows.maintenance_unit_id == actor.maintenance_unit_id
    if actor.role == "mu_admin":
        return in_unit
    own = record_id.in_(db.select(RecordTechnician.record_id).where(RecordTechnician.account_id == actor.id))
    if actor.role == "mu_supervisor":
        subtree = _subtree_of(actor)
        return in_unit & (rows.org_node_id.in_(subtree) | own) if subtree is not None else in_unit & own
    if actor.role == "technician":
        team = rows.org_node_id == actor.org_node_id if actor.org_node_id is not None else false()
        return in_unit & (team | own)
    return false()


def get_record_or_404(record_id: int, actor: Account) -> MaintenanceRecord:
    record: MaintenanceRecord = _get_or_404(MaintenanceRecord, record_id, record_scope(actor), "找不到该维保记录")
    return record


def get_signoff_or_404(record_id: int, actor: Account) -> SignoffState:
    """A record's sign-off, for anyone who may read the record itself (else 404, as for the record)."""
    query = db.select(SignoffState).where(SignoffState.record_id == record_id, signoff_scope(actor))
    state = db.session.execute(query).scalar_one_or_none()
    if state is None:
        raise NotFound("找不到该维保记录")
    return state


_OWN_DRAFT = db.select(RecordDraft).where(
    RecordDraft.id == bindparam("draft_id"), RecordDraft.technician_id == bindparam("technician_id")
)
# Built once (every draft request runs one of them), so each call only binds the ids.
_OWN_DRAFT_QUERIES = {False: _OWN_DRAFT, True: _OWN_DRAFT.with_for_update()}


def get_draft_or_404(draft_id: int, actor: Account, *, for_update: bool = False) -> RecordDraft:
    """A draft is its technician's alone: anyone else (even the second technician) gets 404."""
    params = {"draft_id": draft_id, "technician_id": actor.id}
    draft = db.session.execute(_OWN_DRAFT_QUERIES[for_update], params).scalar_one_or_none()
    if draft is None:
        raise NotFound("找不到该维保记录草稿")
    return draft


class MaintainedElevator(Protocol):
    """What the maintainer check reads of an elevator (an ``Elevator`` or a row of those columns); read-only, so
    an ``Elevator``, whose unit may be unset, fits as well as a row whose unit is not."""

    @property
    def maintenance_unit_id(self) -> int | None: ...

    @property
    def status(self) -> str: ...


def require_maintainer(actor: Account, elevator: MaintainedElevator) -> None:
    """New work on an elevator: only a technician of the unit that maintains it now (after a transfer the old
    unit keeps reading its past records, but starts nothing new)."""
    if actor.role != "technician" or actor.maintenance_unit_id is None:
        raise Forbidden("只有维保人员可以进行现场维保操作")
    if elevator.maintenance_unit_id != actor.maintenance_unit_id:
        raise Forbidden("该电梯目前不由本单位维保", code="not_maintainer")
    if elevator.status == "decommissioned":
        raise Forbidden("该电梯已注销", code="elevator_decommissioned")
    require_active_unit(actor)


def delay_notice_scope(actor: Account) -> ColumnElement[bool]:
    """Notices a unit filed; regulators see those naming an elevator of their district; use units theirs."""
    if is_city_wide(actor):
        return true()
    if actor.maintenance_unit_id is not None:
        return DelayNotice.maintenance_unit_id == actor.maintenance_unit_id
    covered = db.select(DelayNoticeElevator.notice_id).join(Elevator, Elevator.id == DelayNoticeElevator.elevator_id)
    if actor.role == "regulator":
        return DelayNotice.id.in_(covered.where(Elevator.district == actor.district))
    if actor.use_unit_id is not None:
        return DelayNotice.id.in_(covered.where(Elevator.use_unit_id == actor.use_unit_id))
    return false()


def get_delay_notice_or_404(notice_id: int, actor: Account) -> DelayNotice:
    notice: DelayNotice = _get_or_404(DelayNotice, notice_id, delay_notice_scope(actor), "找不到该延期说明")
    return notice
