"""The public history read model: one row per record a resident may see, already masked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, db
from miniback.models.types import UTCDateTime

# What residents see of a record's sign-off, as stored: ``awaiting`` is pending until ``deadline_at`` and
# default-confirmed from then on (a pending record is default-confirmed at its deadline whether or not the
# deadline job has run yet), so the default confirmation itself never has to touch this table.
PUBLIC_SIGNOFF = ("signed", "objected", "awaiting", "pending")


class PublicHistoryEntry(db.Model):
    """A record on the elevator's public page (``/e/<code>``): day, category, masked technicians, late mark and
    sign-off as residents see it. A superseded record has no entry (its correction has one).

    Written in the same transaction as the record and every sign-off change (``miniback.public.entries``);
    ``flask public rebuild-history`` recomputes it from the source tables. The primary key clusters an
    elevator's entries by day, so the page reads one short range.
    """

    __tablename__ = "public_history_entry"
    __table_args__ = (Index("ix_public_history_entry_record", "record_id", unique=True), TABLE_OPTIONS)

    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"), primary_key=True, autoincrement=False)
    maintenance_day: Mapped[date] = mapped_column(Date, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"), primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(16))
    # Masked names separated by spaces (a masked name never contains whitespace).
    technicians: Mapped[str] = mapped_column(String(200))
    late_upload: Mapped[bool]
    signoff: Mapped[str] = mapped_column(String(16))
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
