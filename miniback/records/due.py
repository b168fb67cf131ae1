"""Due dates per elevator and category, the overdue list, and delay notices (维保延期说明).

Half-monthly maintenance is due at most 15 days after the last job of any category (a higher category
counts as that period's half-monthly job); quarterly 3 calendar months after the last quarterly-or-higher
job, half-yearly 6, yearly 12. Days are Asia/Shanghai days; a due date is the last allowed day.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Date, bindparam, func, or_, text

from miniback.access import elevator_scope
from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import (
    CATEGORIES,
    Account,
    DelayNotice,
    DelayNoticeElevator,
    Elevator,
    ElevatorDue,
    utcnow,
)
from miniback.records.calendar import SHANGHAI, add_days, add_months, local_day

HALF_MONTH_DAYS = 15
CATEGORY_MONTHS = {"quarter": 3, "half_year": 6, "year": 12}
MAX_DELAY_DAYS = 92


def next_due(category: str, last_on: date) -> date:
    """The last day the next job of ``category`` may be done, given the last job that counts for it."""
    if category == "half_month":
        return add_days(last_on, HALF_MONTH_DAYS)
    return add_months(last_on, CATEGORY_MONTHS[category])


def _last_field(category: str) -> str:
    return f"last_{category}_on"


_UPSERT_SQL = {
    "mysql": "INSERT INTO elevator_due ({columns}) VALUES ({values}) ON DUPLICATE KEY UPDATE "
    "updated_at = VALUES(updated_at), {keep_latest}",
    "sqlite": "INSERT INTO elevator_due ({columns}) VALUES ({values}) ON CONFLICT (elevator_id) DO UPDATE SET "
    "updated_at = excluded.updated_at, {keep_latest}",
}
_LATEST = {"mysql": "GREATEST", "sqlite": "MAX"}


@functools.cache
def _due_upsert(dialect: str, category: str) -> Any:
    """The upsert for one category, built once per dialect: its values are bound parameters (``elevator_id``,
    ``day``, ``due``, ``now``), so each submission only binds them. Text, not the dialects' upsert constructs:
    those have no cache key, so SQLAlchemy compiled them again on every submission."""
    table = ElevatorDue.__table__
    params = {_last_field(c): "day" for c in CATEGORIES[: CATEGORIES.index(category) + 1]}
    params["half_month_due_on"] = "due"
    latest = _LATEST[dialect]
    sql = _UPSERT_SQL[dialect].format(
        columns=", ".join(["elevator_id", "updated_at", *params]),
        values=", ".join([":elevator_id", ":now", *(f":{param}" for param in params.values())]),
        keep_latest=", ".join(
            f"{name} = {latest}(COALESCE(elevator_due.{name}, :{param}), :{param})" for name, param in params.items()
        ),
    )
    return text(sql).bindparams(
        bindparam("elevator_id", type_=table.c.elevator_id.type),
        bindparam("now", type_=table.c.updated_at.type),
        bindparam("day", type_=Date),
        bindparam("due", type_=Date),
    )


def record_maintenance_done(elevator_id: int, category: str, day: date) -> None:
    """Advance the elevator's due-date projection after a job of ``category`` on ``day`` (a late upload of an
    older job never moves a date backwards).

    One upsert statement: no read-then-write window, and no gap locks (a locking read of a missing row followed
    by an insert deadlocks under concurrent submissions on InnoDB).
    """
    db.session.flush()  # the statement runs on the connection, past the session's autoflush
    connection = db.session.connection()
    params = {"elevator_id": elevator_id, "day": day, "due": next_due("half_month", day), "now": utcnow()}
    connection.execute(_due_upsert(connection.dialect.name, category), params)


def notices_covering(elevator_id: int, day: date) -> list[DelayNotice]:
    return list(
        db.session.execute(
            db.select(DelayNotice)
            .join(DelayNoticeElevator, DelayNoticeElevator.notice_id == DelayNotice.id)
            .where(
                DelayNoticeElevator.elevator_id == elevator_id,
                DelayNotice.starts_on <= day,
                DelayNotice.ends_on >= day,
            )
            .order_by(DelayNotice.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Due:
    category: str
    last_on: date | None
    due_on: date
    overdue: bool
    excused: bool
    notice_ids: tuple[int, ...]


def due_dates(elevator: Elevator, as_of: date) -> list[Due]:
    """Each category's last counted job, next due date and overdue/excused status on ``as_of``.

    An elevator never maintained counts from the day it was registered.
    """
    due = db.session.get(ElevatorDue, elevator.id)
    baseline = local_day(elevator.created_at)
    notice_ids = tuple(notice.id for notice in notices_covering(elevator.id, as_of))
    out = []
    for category in CATEGORIES:
        last_on = getattr(due, _last_field(category)) if due is not None else None
        due_on = next_due(category, last_on or baseline)
        overdue = as_of > due_on
        out.append(Due(category, last_on, due_on, overdue, overdue and bool(notice_ids), notice_ids))
    return out


def _start_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(UTC)


def overdue_condition(as_of: date) -> ColumnElement[bool]:
    """Elevators whose half-monthly job is overdue on ``as_of`` (use with an outer join to ``ElevatorDue``)."""
    # Never maintained: overdue once 15 full days have passed since registration.
    cutoff = _start_of_day_utc(add_days(as_of, -HALF_MONTH_DAYS))
    return or_(
        ElevatorDue.half_month_due_on < as_of,
        ElevatorDue.elevator_id.is_(None) & (Elevator.created_at < cutoff),
    )


def overdue_query(actor: Account, as_of: date, excused: bool | None = None) -> Any:
    """In-service elevators in ``actor``'s scope that are overdue for half-monthly maintenance on ``as_of``."""
    query = (
        db.select(Elevator, ElevatorDue)
        .outerjoin(ElevatorDue, ElevatorDue.elevator_id == Elevator.id)
        .where(
            elevator_scope(actor),
            Elevator.status == "in_service",
            Elevator.maintenance_unit_id.is_not(None),
            overdue_condition(as_of),
        )
        .order_by(Elevator.id)
    )
    if excused is not None:
        covered = Elevator.id.in_(
            db.select(DelayNoticeElevator.elevator_id)
            .join(DelayNotice, DelayNotice.id == DelayNoticeElevator.notice_id)
            .where(DelayNotice.starts_on <= as_of, DelayNotice.ends_on >= as_of)
        )
        query = query.where(covered if excused else ~covered)
    return query


@dataclass(frozen=True)
class OverdueEntry:
    """One line of the overdue list: the elevator, its last counted job, the day it was due and its notices."""

    elevator: Elevator
    last_on: date | None
    due_on: date
    days_overdue: int
    notice_ids: tuple[int, ...]

    @property
    def excused(self) -> bool:
        return bool(self.notice_ids)


def notices_covering_each(elevator_ids: Sequence[int], day: date) -> dict[int, tuple[int, ...]]:
    """The delay notices covering ``day`` of each elevator, in one query for all of them."""
    if not elevator_ids:
        return {}
    rows = db.session.execute(
        db.select(DelayNoticeElevator.elevator_id, DelayNotice.id)
        .join(DelayNotice, DelayNotice.id == DelayNoticeElevator.notice_id)
        .where(
            DelayNoticeElevator.elevator_id.in_(elevator_ids),
            DelayNotice.starts_on <= day,
            DelayNotice.ends_on >= day,
        )
        .order_by(DelayNotice.id)
    )
    found: dict[int, list[int]] = {}
    for elevator_id, notice_id in rows:
        found.setdefault(elevator_id, []).append(notice_id)
    return {elevator_id: tuple(ids) for elevator_id, ids in found.items()}


def overdue_entries(rows: Sequence[Any], as_of: date) -> list[OverdueEntry]:
    """The lines for rows of ``overdue_query`` (elevator, due-date projection), their notices read at once."""
    notices = notices_covering_each([elevator.id for elevator, _ in rows], as_of)
    entries = []
    for elevator, due in rows:
        last_on = due.last_half_month_on if due is not None else None
        due_on = next_due("half_month", last_on or local_day(elevator.created_at))
        entries.append(OverdueEntry(elevator, last_on, due_on, (as_of - due_on).days, notices.get(elevator.id, ())))
    return entries


def count_overdue_up_to(actor: Account, as_of: date, excused: bool | None, limit: int) -> int:
    """The number of overdue elevators, counted no further than ``limit`` + 1."""
    ids = overdue_query(actor, as_of, excused).with_only_columns(Elevator.id).limit(limit + 1)
    return int(db.session.execute(db.select(func.count()).select_from(ids.subquery())).scalar_one())


def all_overdue_entries(
    actor: Account, as_of: date, excused: bool | None, chunk: int = 1000
) -> Iterator[list[OverdueEntry]]:
    """The whole overdue list in its order (by elevator id), one keyset chunk at a time."""
    query = overdue_query(actor, as_of, excused)
    last_id = 0
    while True:
        rows = db.session.execute(query.where(Elevator.id > last_id).limit(chunk)).all()
        if not rows:
            return
        yield overdue_entries(rows, as_of)
        for elevator, due in rows:
            db.session.expunge(elevator)
            if due is not None:
                db.session.expunge(due)
        last_id = rows[-1][0].id


def file_delay_notice(
    actor: Account, elevators: list[Elevator], data: dict[str, Any], *, maintenance_unit_id: int | None = None
) -> DelayNotice:
    """A unit's delay notice for some of its elevators. It excuses overdue status within its period; the
    overdue fact itself stays (lists still show the elevator, marked excused).

    The unit is the actor's own, or ``maintenance_unit_id`` when the actor files for a unit it is not staff of (a
    platform the unit authorised, whose account belongs to no unit)."""
    unit_id = maintenance_unit_id if maintenance_unit_id is not None else actor.maintenance_unit_id
    assert unit_id is not None
    if data["ends_on"] < data["starts_on"]:
        raise ValidationFailed(fields={"ends_on": "结束日期不能早于开始日期"})
    if (data["ends_on"] - data["starts_on"]).days >= MAX_DELAY_DAYS:
        raise ValidationFailed(fields={"ends_on": f"延期时段不能超过 {MAX_DELAY_DAYS} 天"})
    notice = DelayNotice(
        maintenance_unit_id=unit_id,
        cause=data["cause"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        explanation=data["explanation"],
        filed_by_id=actor.id,
    )
    db.session.add(notice)
    db.session.flush()
    for elevator in elevators:
        db.session.add(DelayNoticeElevator(notice_id=notice.id, elevator_id=elevator.id))
    db.session.flush()
    return notice


def notice_elevator_ids(notice: DelayNotice) -> list[int]:
    return list(
        db.session.execute(
            db.select(DelayNoticeElevator.elevator_id)
            .where(DelayNoticeElevator.notice_id == notice.id)
            .order_by(DelayNoticeElevator.elevator_id)
        ).scalars()
    )
