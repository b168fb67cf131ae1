"""Elevators: register (matching an existing code instead of duplicating it), modify, transfer."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from miniback.errors import Conflict, NotFound
from miniback.extensions import db
from miniback.models import Account, Elevator, ElevatorAssignment, MaintenanceUnit, UseUnit, utcnow
from miniback.registry.change_log import apply_changes

# Lower-case letters and digits without look-alikes; 16 characters ≈ 78 bits, fits WeChat's 32-char scene.
PUBLIC_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
PUBLIC_CODE_LENGTH = 16


def rescue_code_taken() -> Conflict:
    return Conflict("应急救援识别码已被其他电梯使用", fields={"rescue_code": "已存在"}, code="duplicate_rescue_code")


def is_duplicate_rescue_code(exc: IntegrityError) -> bool:
    """Whether ``exc`` is the unique index on the rescue code refusing a second elevator (MySQL and SQLite)."""
    message = str(exc.orig)
    return "uq_elevator_rescue_code" in message or "elevator.rescue_code" in message


def _check_rescue_code(rescue_code: str | None, elevator_id: int | None) -> None:
    """A clear 409 for a code another elevator carries; the unique index settles concurrent requests."""
    if not rescue_code:
        return
    query = db.select(Elevator.id).where(Elevator.rescue_code == rescue_code)
    if elevator_id is not None:
        query = query.where(Elevator.id != elevator_id)
    if db.session.execute(query.limit(1)).first():
        raise rescue_code_taken()


def new_public_code() -> str:
    return "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH))


def use_unit_by_credit_code(credit_code: str | None) -> UseUnit | None:
    if credit_code is None:
        return None
    unit = db.session.execute(db.select(UseUnit).where(UseUnit.credit_code == credit_code)).scalar_one_or_none()
    if unit is None:
        raise NotFound("找不到该使用单位，请先让使用单位注册", fields={"use_unit_credit_code": "未注册"})
    return unit


def find_by_codes(device_code: str | None, registration_code: str | None) -> Elevator | None:
    conditions = []
    if device_code:
        conditions.append(Elevator.device_code == device_code)
    if registration_code:
        conditions.append(Elevator.registration_code == registration_code)
    if not conditions:
        return None
    found = db.session.execute(db.select(Elevator).where(or_(*conditions)).with_for_update()).scalars().all()
    if len(found) > 1:
        raise Conflict("设备代码与注册代码分别属于两台已登记的电梯，请核对", code="codes_disagree")
    return found[0] if found else None


def register_elevator(actor: Account, data: dict[str, Any]) -> tuple[Elevator, bool]:
    """Register an elevator for the actor's unit; an already-known code is matched, not duplicated.

    Returns the elevator and whether it was matched to an existing one.
    """
    existing = find_by_codes(data.get("device_code"), data.get("registration_code"))
    unit_id = actor.maintenance_unit_id
    if existing is not None:
        if existing.maintenance_unit_id not in (None, unit_id):
            raise Conflict(
                "该电梯已由其他维保单位登记维保；如已更换维保单位，请由原维保单位或使用单位办理移交",
                code="maintained_by_other_unit",
            )
        if existing.maintenance_unit_id is None:
            _assign(existing, unit_id, actor)
            blanks = {key: value for key, value in data.items() if getattr(existing, key, None) is None}
            _check_rescue_code(blanks.get("rescue_code"), existing.id)
            apply_changes(existing, "elevator", blanks, actor)
        return existing, True
    _check_rescue_code(data.get("rescue_code"), None)
    elevator = Elevator(public_code=new_public_code(), **data)
    db.session.add(elevator)
    db.session.flush()
    _assign(elevator, unit_id, actor)
    return elevator, False


def _assign(elevator: Elevator, unit_id: int | None, actor: Account) -> None:
    now = utcnow()
    for current in db.session.execute(
        db.select(ElevatorAssignment).where(
            ElevatorAssignment.elevator_id == elevator.id, ElevatorAssignment.ended_at.is_(None)
        )
    ).scalars():
        current.ended_at = now
    apply_changes(elevator, "elevator", {"maintenance_unit_id": unit_id}, actor)
    if unit_id is not None:
        db.session.add(
            ElevatorAssignment(
                elevator_id=elevator.id, maintenance_unit_id=unit_id, started_at=now, assigned_by_id=actor.id
            )
        )
    db.session.flush()


def update_elevator(actor: Account, elevator: Elevator, changes: dict[str, Any]) -> list[str]:
    for code_field in ("device_code", "registration_code"):
        value = changes.get(code_field)
        if (
            value
            and value != getattr(elevator, code_field)
            and db.session.execute(db.select(Elevator.id).where(getattr(Elevator, code_field) == value)).first()
        ):
            raise Conflict("该代码已被另一台电梯使用", fields={code_field: "已存在"}, code="duplicate_code")
    if changes.get("rescue_code") != elevator.rescue_code:
        _check_rescue_code(changes.get("rescue_code"), elevator.id)
    return apply_changes(elevator, "elevator", changes, actor)


def transfer_elevator(actor: Account, elevator: Elevator, target: MaintenanceUnit) -> None:
    """Hand the elevator to another maintenance unit; the old unit keeps its past records, not new work."""
    if target.status != "active":
        raise Conflict("目标维保单位未启用", code="unit_not_active")
    if elevator.maintenance_unit_id == target.id:
        raise Conflict("电梯已由该单位维保", code="same_unit")
    _assign(elevator, target.id, actor)
