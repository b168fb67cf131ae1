"""Maintenance units (维保单位), use units (使用单位) and the change history of registry data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime, utcnow

UNIT_STATUSES = ("pending", "active", "suspended")


class MaintenanceUnit(Model):
    __tablename__ = "maintenance_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    filing_no: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(200))
    office_address: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    emergency_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The regulator's suspension notice (中止意见) in force, if any: read with the status by the token check, so
    # stopping the unit's new work costs no query. No foreign key (the notice table refers to this one).
    halted_by_notice_id: Mapped[int | None] = mapped_column(default=None)
    # The approved paperless application (四(六)) in force, if any (``miniback.registry.paperless``); the public
    # page reads it with the unit's name. No foreign key, for the same reason.
    paperless_application_id: Mapped[int | None] = mapped_column(default=None)


class UseUnit(Model):
    __tablename__ = "use_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The unit's latest consent to the default confirmation (``use_unit_consent.id``); without one its records are
    # never default-confirmed. No foreign key (the consent table refers to this one).
    consent_id: Mapped[int | None] = mapped_column(default=None)


class ChangeLog(Model):
    """One changed field of a registry object: who changed it, when, old → new. Never updated."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_entity", "entity", "entity_id", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
