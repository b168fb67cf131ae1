"""The public history read model: one row per record a resident may see, already masked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime

# What residents see of a record's sign-off, as stored: ``awaiting`` is pending until ``deadline_at`` and
# default-confirmed from then on (a pending record is default-confirmed at its deadline whether or not the
# deadline job has run yet), so the default confirmation itself never has to touch this table.
PUBLIC_SIGNOFF = ("signed", "objected", "awaiting", "pending")


class PublicHistoryEntry(Model):
    """A record on the elevator's public page (``/e/<code>``): day, category, masked technicians, late mark and
    sign-off as residents see it. A superseded record has no entry (its correction has one).

    Written in the same transaction as the record and every sign-off change (``miniback.projections.public_history``);
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
    # "照片 4/4": how many required photo positions the record covers, of how many (NULL before photos existed).
    # The page never shows a photo.
    photos: Mapped[str | None] = mapped_column(String(16))
    # How many kinds of flag the record carries (the three flag columns and the ``record_flag`` kinds): the page
    # shows the count, never which or why. A flag raised later (issue 19) updates it, so the page goes stale.
    flags: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class PublicPage(Model):
    """The resident's page of one elevator as last rendered (``miniback.public.pages``): what a view sends
    when nothing it shows has changed since.

    The database keeps it honest: triggers (migration 0007) bump ``generation`` and clear ``html_gzip`` whenever
    anything the page shows is written — the elevator, its units' names and emergency phone, its due dates, its
    public history entries, a delay notice — in the writing transaction itself, so no write path can forget it.
    A view that finds no page renders one and stores it only if ``generation`` is still the one it read, so a
    page rendered from data a concurrent write has since changed is never kept. ``valid_until`` is when the
    clock alone changes the page (a sign-off deadline passing, the elevator falling due, an overdue count's next
    day); ``format`` names the code and templates that rendered it, so a deploy that changes either renders
    every page afresh. One row per elevator, made with it.
    """

    __tablename__ = "public_page"

    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"), primary_key=True, autoincrement=False)
    # The elevator's, copied by the triggers: a view finds its page with one lookup.
    public_code: Mapped[str] = mapped_column(String(32), unique=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
    # The page as sent, gzip-compressed: what phones accept as is, and a fifth of the bytes to store and read.
    html_gzip: Mapped[bytes | None] = mapped_column(LargeBinary(65535))
    etag: Mapped[str | None] = mapped_column(String(64))
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    format: Mapped[str | None] = mapped_column(String(32))
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
