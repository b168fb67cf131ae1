"""Authenticity signals beyond the record's three flag columns: one insert-only row per flag raised."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime, utcnow

SignalKind = Literal[
    "impossible_travel",
    "suspect_location",
    "bulk_upload",
    "photo_reused",
    "photo_not_fresh",
    "photo_missing",
]
SIGNAL_KINDS: tuple[SignalKind, ...] = get_args(SignalKind)
RaisedBy = Literal["submission", "later"]
RAISED_BY: tuple[RaisedBy, ...] = get_args(RaisedBy)


class RecordFlag(Model):
    """A signal raised on a submitted record. Insert-only (the database refuses UPDATE and DELETE).

    ``raised_by`` is ``submission`` when the record's own submission found it, ``later`` when another record's
    submission revealed it afterwards (the next job shows the travel was impossible, a later upload reuses a
    photo): the record stays as it was, the flag is a new row. ``evidence`` holds the rule's figures and the
    other records involved; ``explanation`` says it in Chinese for a supervisor.
    """

    __tablename__ = "record_flag"
    __table_args__ = (
        Index("ix_record_flag_record_kind", "record_id", "kind"),
        # "The records with this flag", newest first (the records list's flag filter).
        Index("ix_record_flag_kind_record", "kind", "record_id"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    kind: Mapped[str] = mapped_column(String(24))
    rule: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(16))
    # The record whose submission raised it (the record itself for ``submission``).
    raised_by_record_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_record.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecordPhotoBand(Model):
    """A submitted photo's perceptual hash in eight 8-bit bands (2 hex digits each), so the near-duplicate search
    is an indexed look-up: two hashes within 7 bits of each other share at least one band exactly (pigeonhole),
    and nearly all within the threshold do. Written with the record; insert-only."""

    __tablename__ = "record_photo_band"
    __table_args__ = (Index("ix_record_photo_band_value", "band", "value", "record_id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    band: Mapped[int]
    value: Mapped[str] = mapped_column(String(4))
    phash: Mapped[str] = mapped_column(String(16))
    # The confirmations a near-duplicate needs (docs/signals.md), here so the candidates' look-up returns them.
    dhash: Mapped[str | None] = mapped_column(String(16))
    colour: Mapped[str | None] = mapped_column(String(96))
    sha256: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(32))
