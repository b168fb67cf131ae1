"""The unit schemas: registration (with the unit's admin), details, changes, review and the change history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from miniback.api.schemas.fields import (
    CreditCode,
    Mobile,
    Out,
    Page,
    Password,
    Phone,
    Text50,
    Text100,
    Text200,
    Username,
)
from miniback.api.validation import Schema
from miniback.registry.districts import District


class AdminIn(Schema):
    name: Text50
    username: Username
    password: Password
    mobile: Mobile | None = None


class MaintenanceUnitFields(Schema):
    name: Text100
    filing_no: Text50
    address: Text200
    office_address: Text200
    contact_name: Text50
    contact_phone: Phone
    emergency_phone: Phone


class MaintenanceUnitRegistration(MaintenanceUnitFields):
    credit_code: CreditCode
    admin: AdminIn


class MaintenanceUnitUpdate(Schema):
    name: Text100 | None = None
    filing_no: Text50 | None = None
    address: Text200 | None = None
    office_address: Text200 | None = None
    contact_name: Text50 | None = None
    contact_phone: Phone | None = None
    emergency_phone: Phone | None = None


class MaintenanceUnitOut(Out):
    id: int
    name: str
    credit_code: str
    filing_no: str
    address: str
    office_address: str
    contact_name: str
    contact_phone: str
    emergency_phone: str
    status: str
    created_at: datetime


class UseUnitRegistration(Schema):
    name: Text100
    credit_code: CreditCode
    address: Text200
    district: District
    admin: AdminIn


class UseUnitUpdate(Schema):
    name: Text100 | None = None
    address: Text200 | None = None
    district: District | None = None


class UseUnitOut(Out):
    id: int
    name: str
    credit_code: str
    address: str
    district: str
    status: str
    created_at: datetime


class UnitQuery(Page):
    status: Literal["pending", "active", "suspended"] | None = None
    credit_code: str | None = None


class StatusChange(Schema):
    status: Literal["active", "suspended"]


class ChangeOut(Out):
    field: str
    old_value: str | None
    new_value: str | None
    actor_id: int | None
    changed_at: datetime


class MaintenanceUnitRegisteredOut(Out):
    unit: MaintenanceUnitOut
    admin_account_id: int


class UseUnitRegisteredOut(Out):
    unit: UseUnitOut
    admin_account_id: int
