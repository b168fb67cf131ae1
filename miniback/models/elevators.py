"""Elevators and their assignments to maintenance units over time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime, utcnow

ElevatorType = Literal["traction", "hydraulic", "dumbwaiter", "escalator"]
ELEVATOR_TYPES: tuple[ElevatorType, ...] = get_args(ElevatorType)
ElevatorStatus = Literal["in_service", "out_of_service", "decommissioned"]
ELEVATOR_STATUSES: tuple[ElevatorStatus, ...] = get_args(ElevatorStatus)


class Elevator(Model):
    __tablename__ = "elevator"
    __table_args__ = (
        Index("ix_elevator_mu_district", "maintenance_unit_id", "district"),
        Index("ix_elevator_use_unit", "use_unit_id"),
        # One rescue identification code names one elevator to the 96333 dispatcher; NULL (none yet) for many.
        Index("uq_elevator_rescue_code", "rescue_code", unique=True),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_code: Mapped[str] = mapped_column(String(32), unique=True)
    device_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    registration_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    use_certificate_no: Mapped[str | None] = mapped_column(String(50))
    rescue_code: Mapped[str | None] = mapped_column(String(16))
    elevator_type: Mapped[str] = mapped_column(String(16))
    make: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    rated_load_kg: Mapped[int | None]
    rated_speed_mps: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    stops: Mapped[int | None]
    address: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(16))
    position: Mapped[str | None] = mapped_column(String(100))
    use_unit_id: Mapped[int | None] = mapped_column(ForeignKey("use_unit.id"))
    maintenance_unit_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_unit.id"))
    status: Mapped[str] = mapped_column(String(16), default="in_service")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ElevatorAssignment(Model):
    """Which maintenance unit looked after an elevator, from when to when (transfers keep the history)."""

    __tablename__ = "elevator_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"), index=True)
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
