"""Photo evidence (issue 19): a unit's extra required positions, photos uploaded to a draft, and the photos (and
the stated reasons for missing ones) frozen with a submitted record.

A photo's bytes are never in the database: they are stored content-addressed (``photos/<sha256>``) in the photo
store and in the archive store (``miniback.records.photos``); the rows hold the SHA-256, the perceptual hash, the
device's capture time, the server's receive time and the point. ``record_photo`` and ``record_photo_missing`` are
insert-only, like the record they belong to.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.records import Coordinate
from miniback.models.types import UTCDateTime, utcnow


class UnitPhotoPosition(Model):
    """A position a maintenance unit requires beyond the shipped ones, for one elevator type from one category on
    (cumulative, like the checklist: a quarterly job also needs the half-monthly positions)."""

    __tablename__ = "unit_photo_position"
    __table_args__ = (
        UniqueConstraint("maintenance_unit_id", "elevator_type", "code", name="uq_unit_photo_position_code"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"))
    elevator_type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DraftPhoto(Model):
    """A photo uploaded to an open draft (deleted with the draft; copied into ``record_photo`` on submission)."""

    __tablename__ = "draft_photo"
    __table_args__ = (Index("ix_draft_photo_draft", "draft_id", "position", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("record_draft.id"))
    position: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    # imagehash.phash, 64 bits as 16 hex digits.
    phash: Mapped[str] = mapped_column(String(16))
    # The near-duplicate rule's confirmations (docs/signals.md): imagehash.dhash (16 hex digits) and the colour
    # signature (4 × 4 cells' mean R, G, B, 96 hex digits). None for photos uploaded before migration 0020.
    dhash: Mapped[str | None] = mapped_column(String(16))
    colour: Mapped[str | None] = mapped_column(String(96))
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lat: Mapped[Decimal | None] = mapped_column(Coordinate)
    lng: Mapped[Decimal | None] = mapped_column(Coordinate)
    accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    coord_system: Mapped[str | None] = mapped_column(String(8))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))


class RecordPhoto(Model):
    """A photo of a submitted record, in the record's canonical content (``photos``). Insert-only."""

    __tablename__ = "record_photo"
    __table_args__ = (
        Index("ix_record_photo_record", "record_id", "seq"),
        Index("ix_record_photo_sha256", "sha256", "record_id"),
        Index("ix_record_photo_phash", "phash", "record_id"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    seq: Mapped[int]
    position: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    phash: Mapped[str] = mapped_column(String(16))
    dhash: Mapped[str | None] = mapped_column(String(16))
    colour: Mapped[str | None] = mapped_column(String(96))
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lat: Mapped[Decimal | None] = mapped_column(Coordinate)
    lng: Mapped[Decimal | None] = mapped_column(Coordinate)
    accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    coord_system: Mapped[str | None] = mapped_column(String(8))


class RecordPhotoMissing(Model):
    """A required position submitted without a photo, with the technician's stated reason (the ``photo_missing``
    flag's evidence). In the record's canonical content (``photos_missing``). Insert-only."""

    __tablename__ = "record_photo_missing"
    __table_args__ = (Index("ix_record_photo_missing_record", "record_id", "seq"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    seq: Mapped[int]
    position: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(200))
