"""Statistics rollups (issue 17): derived from the records, sign-off, registry and delay notices, never edited by
hand. ``flask stats rebuild`` recomputes every row from the source tables; the catch-up job keeps them current."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime, utcnow

# ``stats_rollup.grain``: one Asia/Shanghai day, or one calendar month (the sum of its days).
GRAIN_DAY = "d"
GRAIN_MONTH = "m"
# ``stats_rollup.level``: which dimensions a row keeps (the others are 0 / "" and summed over).
LEVEL_DISTRICT = 0  # district × source
LEVEL_UNIT = 1  # district × maintenance unit × source
LEVEL_USE_UNIT = 2  # district × maintenance unit × use unit × source
# ``stats_overdue_segment.ends_on`` of a spell still open.
OPEN_END = date(9999, 12, 31)


# The counters every record adds to, as columns of ``stats_rollup`` (one row per key); flag kinds and the median
# histograms, open-ended, are rows of ``stats_rollup_extra``.
ROLLUP_COUNTERS = (
    "records",
    "same_day",
    "signed",
    "default_confirmed",
    "pending",
    "objected",
    "signed_same_day",
    "onsite_verified",
    "hazards",
    "hazard_items",
    "intervals",
    "intervals_on_time",
    "cat_half_month",
    "cat_quarter",
    "cat_half_year",
    "cat_year",
)


class StatsRollup(Model):
    """The additive counters of the effective records of one period (a day, or a month = the sum of its days) at
    one level of detail (``level``: the dimensions kept; the others are 0 / "")."""

    __tablename__ = "stats_rollup"
    __table_args__ = (
        Index("ix_stats_rollup_unit", "level", "maintenance_unit_id", "grain", "period_start"),
        Index("ix_stats_rollup_district", "level", "district", "grain", "period_start"),
        Index("ix_stats_rollup_use_unit", "level", "use_unit_id", "grain", "period_start"),
        TABLE_OPTIONS,
    )

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    district: Mapped[str] = mapped_column(String(16), primary_key=True)
    maintenance_unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    use_unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    records: Mapped[int] = mapped_column(Integer, default=0)
    same_day: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    default_confirmed: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    objected: Mapped[int] = mapped_column(Integer, default=0)
    signed_same_day: Mapped[int] = mapped_column(Integer, default=0)
    onsite_verified: Mapped[int] = mapped_column(Integer, default=0)
    hazards: Mapped[int] = mapped_column(Integer, default=0)
    hazard_items: Mapped[int] = mapped_column(Integer, default=0)
    intervals: Mapped[int] = mapped_column(Integer, default=0)
    intervals_on_time: Mapped[int] = mapped_column(Integer, default=0)
    cat_half_month: Mapped[int] = mapped_column(Integer, default=0)
    cat_quarter: Mapped[int] = mapped_column(Integer, default=0)
    cat_half_year: Mapped[int] = mapped_column(Integer, default=0)
    cat_year: Mapped[int] = mapped_column(Integer, default=0)


class StatsRollupExtra(Model):
    """Open-ended counters with the keys of ``stats_rollup``: ``flag:<kind>`` (``bucket`` -1) — rows, not
    columns, so a new flag kind needs no schema change — and the median histograms ``hdur:<category>`` and
    ``hsign`` (``bucket`` = the bucket's lower bound in minutes)."""

    __tablename__ = "stats_rollup_extra"
    __table_args__ = (
        Index("ix_stats_rollup_extra_unit", "level", "maintenance_unit_id", "grain", "period_start"),
        Index("ix_stats_rollup_extra_district", "level", "district", "grain", "period_start"),
        Index("ix_stats_rollup_extra_use_unit", "level", "use_unit_id", "grain", "period_start"),
        TABLE_OPTIONS,
    )

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    district: Mapped[str] = mapped_column(String(16), primary_key=True)
    maintenance_unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    use_unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    metric: Mapped[str] = mapped_column(String(48), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)


class StatsActivity(Model):
    """Who was active on a day: ``e`` an elevator with an effective record, ``t`` a technician on one (submitter
    or second technician), with the record's unit and district. Distinct counts over a window read these."""

    __tablename__ = "stats_activity"
    __table_args__ = (Index("ix_stats_activity_unit", "kind", "maintenance_unit_id", "day"), TABLE_OPTIONS)

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    maintenance_unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    district: Mapped[str] = mapped_column(String(16), primary_key=True)
    use_unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class StatsOverdueSegment(Model):
    """A run of days on which an elevator was overdue for half-monthly maintenance, wholly excused by delay
    notices (``excused``) or wholly not; ``ends_on`` is ``OPEN_END`` while it lasts."""

    __tablename__ = "stats_overdue_segment"
    __table_args__ = (
        Index("ix_stats_overdue_segment_span", "ends_on", "starts_on", "elevator_id", "excused"),
        Index("ix_stats_overdue_segment_elevator", "elevator_id", "starts_on"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    elevator_id: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    excused: Mapped[bool] = mapped_column(default=False)


class StatsDirty(Model):
    """A day (its rollups) or an elevator (its overdue segments) to recompute: written by anything that changes a
    figure after the fact (a flag raised later, issue 19), consumed by the catch-up job."""

    __tablename__ = "stats_dirty"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    day: Mapped[date | None] = mapped_column(Date)
    elevator_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StatsWatermark(Model):
    """How far the catch-up job has read an insert-only source table (by id)."""

    __tablename__ = "stats_watermark"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
