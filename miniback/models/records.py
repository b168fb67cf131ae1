"""Maintenance records: on-site locations, drafts (mutable, owned by a technician), submitted records
(insert-only; database triggers refuse UPDATE/DELETE), signature images, due dates and delay notices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime, utcnow

# Each list of allowed values is a Literal type (what the API's schemas accept) and the tuple of its values.
Category = Literal["half_month", "quarter", "half_year", "year"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
CoordSystem = Literal["gcj02", "wgs84"]
COORD_SYSTEMS: tuple[CoordSystem, ...] = get_args(CoordSystem)
ItemResult = Literal["normal", "adjusted", "replaced", "not_applicable", "hazard"]
ITEM_RESULTS: tuple[ItemResult, ...] = get_args(ItemResult)
DelayCause = Literal["natural_disaster", "emergency_control", "area_lockdown", "other"]
DELAY_CAUSES: tuple[DelayCause, ...] = get_args(DelayCause)
LOCATION_KINDS = ("initial", "confirmed", "mismatch", "corrected")

# Record content (items, notes, the canonical JSON) can exceed MySQL's 64 KB TEXT.
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
ImageBytes = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql")
Coordinate = Numeric(10, 7)


class ElevatorLocation(Model):
    """Every on-site location confirmation of an elevator, kept as history.

    The reference location (what check-ins are compared with) is the latest ``initial``/``corrected`` row;
    a technician's confirmation far from it is stored as ``mismatch`` and does not move the elevator.
    ``lat_gcj02``/``lng_gcj02`` hold the point converted to GCJ-02 so distances compare like with like.
    """

    __tablename__ = "elevator_location"
    __table_args__ = (Index("ix_elevator_location_elevator", "elevator_id", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"))
    kind: Mapped[str] = mapped_column(String(16))
    lat: Mapped[Decimal] = mapped_column(Coordinate)
    lng: Mapped[Decimal] = mapped_column(Coordinate)
    accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    coord_system: Mapped[str] = mapped_column(String(8))
    lat_gcj02: Mapped[Decimal] = mapped_column(Coordinate)
    lng_gcj02: Mapped[Decimal] = mapped_column(Coordinate)
    distance_m: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    captured_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UnitTemplate(Model):
    """A maintenance unit's own checklist (firefighter / explosion-proof lifts use the maker's items)."""

    __tablename__ = "unit_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    elevator_type: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UnitTemplateItem(Model):
    __tablename__ = "unit_template_item"
    __table_args__ = (Index("ix_unit_template_item_template", "template_id", "seq"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("unit_template.id"))
    category: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(200))
    requirement: Mapped[str] = mapped_column(String(500))


class RecordDraft(Model):
    """A record being filled on site; only its technician changes it; frozen into a record on submission."""

    __tablename__ = "record_draft"
    __table_args__ = (Index("ix_record_draft_technician", "technician_id", "status", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"), index=True)
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    second_technician_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    category: Mapped[str] = mapped_column(String(16))
    template_version: Mapped[str] = mapped_column(String(64))
    # No foreign key: record → draft already references the other way; checked by the domain code.
    supersedes_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_in_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_in_lat: Mapped[Decimal | None] = mapped_column(Coordinate)
    check_in_lng: Mapped[Decimal | None] = mapped_column(Coordinate)
    check_in_accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    check_in_coord_system: Mapped[str | None] = mapped_column(String(8))
    check_in_distance_m: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    check_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_out_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_out_lat: Mapped[Decimal | None] = mapped_column(Coordinate)
    check_out_lng: Mapped[Decimal | None] = mapped_column(Coordinate)
    check_out_accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    check_out_coord_system: Mapped[str | None] = mapped_column(String(8))
    check_out_distance_m: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    remarks: Mapped[str | None] = mapped_column(Text)
    replaced_parts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hazards: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The photo positions required when the draft was started ([{"code", "label"}], issue 19) and the version of
    # the shipped positions they come from; NULL on drafts started before photos existed (none required).
    photo_positions: Mapped[list[Any] | None] = mapped_column(JSON)
    photo_positions_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RecordDraftItem(Model):
    """One checklist line of a draft: the template snapshot (or an added item) and its result so far."""

    __tablename__ = "record_draft_item"
    __table_args__ = (
        UniqueConstraint("draft_id", "code", name="uq_record_draft_item_draft_code"),
        Index("ix_record_draft_item_draft", "draft_id", "seq"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("record_draft.id"))
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(200))
    requirement: Mapped[str] = mapped_column(String(500))
    added: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    remark: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignatureImage(Model):
    """A hand-written signature (PNG), stored once and referenced by its SHA-256. Insert-only."""

    __tablename__ = "signature_image"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(ImageBytes)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MaintenanceRecord(Model):
    """A submitted maintenance record. Insert-only: the database refuses UPDATE and DELETE.

    Scope columns (units, org node, district) are copied at submission so every list is one indexed range
    over 25 million rows, and a later transfer of the elevator does not move past records.
    """

    __tablename__ = "maintenance_record"
    __table_args__ = (
        # Covering for the public page (day, category, late-upload mark of an elevator's latest records).
        Index("ix_record_elevator_day_cover", "elevator_id", "maintenance_day", "id", "category", "late_upload"),
        Index("ix_record_mu_day", "maintenance_unit_id", "maintenance_day", "id"),
        Index("ix_record_org_node_day", "org_node_id", "maintenance_day", "id"),
        Index("ix_record_use_unit_day", "use_unit_id", "maintenance_day", "id"),
        Index("ix_record_district_day", "district", "maintenance_day", "id"),
        Index("ix_record_day", "maintenance_day", "id"),
        Index("ix_record_mu_flagged_day", "maintenance_unit_id", "flagged", "maintenance_day", "id"),
        Index("ix_record_supersedes", "supersedes_id"),
        # Authenticity signals (records/signals.py): the same check-in point on another day; a technician's burst
        # of uploads.
        Index("ix_record_check_in_point", "check_in_lat", "check_in_lng"),
        Index("ix_record_technician_received", "technician_id", "received_at"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("record_draft.id"), unique=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_record.id"))
    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"))
    elevator_type: Mapped[str] = mapped_column(String(16))
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"))
    use_unit_id: Mapped[int | None] = mapped_column(ForeignKey("use_unit.id"))
    district: Mapped[str] = mapped_column(String(16))
    technician_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    org_node_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    category: Mapped[str] = mapped_column(String(16))
    template_version: Mapped[str] = mapped_column(String(64))
    maintenance_day: Mapped[date] = mapped_column(Date)
    check_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    check_in_lat: Mapped[Decimal] = mapped_column(Coordinate)
    check_in_lng: Mapped[Decimal] = mapped_column(Coordinate)
    check_in_accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    check_in_coord_system: Mapped[str] = mapped_column(String(8))
    check_in_distance_m: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    check_out_at: Mapped[datetime] = mapped_column(UTCDateTime())
    check_out_lat: Mapped[Decimal] = mapped_column(Coordinate)
    check_out_lng: Mapped[Decimal] = mapped_column(Coordinate)
    check_out_accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    check_out_coord_system: Mapped[str] = mapped_column(String(8))
    check_out_distance_m: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    duration_seconds: Mapped[int]
    device_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    late_upload: Mapped[bool] = mapped_column(default=False)
    flag_distance: Mapped[bool] = mapped_column(default=False)
    flag_duration: Mapped[bool] = mapped_column(default=False)
    flag_overlap: Mapped[bool] = mapped_column(default=False)
    # Any of the three flags: one indexed column for "show me the flagged records".
    flagged: Mapped[bool] = mapped_column(default=False)
    remarks: Mapped[str | None] = mapped_column(Text)
    replaced_parts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hazards: Mapped[list[Any]] = mapped_column(JSON, default=list)
    signature_sha256: Mapped[str] = mapped_column(ForeignKey("signature_image.sha256"))
    source: Mapped[str] = mapped_column(String(32), default="miniprogram")
    # Photo evidence (issue 19): the required positions and how many of them have a photo ("照片 n/m"); NULL on
    # records from before photos existed.
    photos_required: Mapped[int | None]
    photos_present: Mapped[int | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    canonical_content: Mapped[str] = mapped_column(LongText)


class RecordTechnician(Model):
    """Who did the job (the submitter and the second technician); times copied for the overlap check."""

    __tablename__ = "record_technician"
    __table_args__ = (
        UniqueConstraint("record_id", "account_id", name="uq_record_technician_record_account"),
        Index("ix_record_technician_account_time", "account_id", "check_in_at"),
        # A technician's own records, newest first, straight from the index (day copied from the record).
        Index("ix_record_technician_account_day", "account_id", "maintenance_day", "record_id"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    role: Mapped[str] = mapped_column(String(16))
    maintenance_day: Mapped[date] = mapped_column(Date)
    check_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    check_out_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordItem(Model):
    """One checklist line of a submitted record. Insert-only."""

    __tablename__ = "record_item"
    __table_args__ = (Index("ix_record_item_record", "record_id", "seq"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(200))
    requirement: Mapped[str] = mapped_column(String(500))
    added: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    remark: Mapped[str | None] = mapped_column(String(500))


class ElevatorDue(Model):
    """Per elevator, the last maintenance day that counts for each category (kept current on submission).

    A projection of ``maintenance_record`` so the overdue list is an indexed range, not a scan of records.
    """

    __tablename__ = "elevator_due"
    __table_args__ = (Index("ix_elevator_due_half_month", "half_month_due_on"), TABLE_OPTIONS)

    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"), primary_key=True)
    last_half_month_on: Mapped[date | None] = mapped_column(Date)
    last_quarter_on: Mapped[date | None] = mapped_column(Date)
    last_half_year_on: Mapped[date | None] = mapped_column(Date)
    last_year_on: Mapped[date | None] = mapped_column(Date)
    half_month_due_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DelayNotice(Model):
    """维保延期说明: filed by the maintenance unit; excuses — never erases — overdue elevators."""

    __tablename__ = "delay_notice"
    __table_args__ = (Index("ix_delay_notice_mu", "maintenance_unit_id", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"))
    cause: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    explanation: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DelayNoticeElevator(Model):
    __tablename__ = "delay_notice_elevator"
    __table_args__ = (
        UniqueConstraint("notice_id", "elevator_id", name="uq_delay_notice_elevator_notice_elevator"),
        Index("ix_delay_notice_elevator_elevator", "elevator_id", "notice_id"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("delay_notice.id"))
    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"))
