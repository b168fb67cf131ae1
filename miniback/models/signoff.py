"""Use-unit sign-off: the append-only event log, the projected current state, push quotas and deliveries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import BigInteger, ColumnElement, Date, ForeignKey, Index, Integer, String, UniqueConstraint, case, cast
from sqlalchemy import literal as sql_literal
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column, relationship

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.elevators import Elevator
from miniback.models.types import UTCDateTime, utcnow

SIGNOFF_EVENT_KINDS = (
    "submitted",
    "pushed",
    "signed",
    "default_confirmed",
    "objected",
    "objection_resolved",
    "reopened",
    "deadline_renewed",
)
# ``objected`` as a state means the manager objected before any confirmation; an objection after the default
# confirmation keeps the state ``default_confirmed`` and sets ``objection_open``. Resolving an objection made
# before any confirmation reopens the sign-off (``reopened``: pending again, a new round with a new deadline), in
# the same transaction, so ``objection_resolved`` is only ever a state of records resolved before reopening
# existed (the sweep reopens them).
SignoffStateName = Literal["pending", "signed", "default_confirmed", "objected", "objection_resolved"]
SIGNOFF_STATES: tuple[SignoffStateName, ...] = get_args(SignoffStateName)
# ``once_key`` values: the database allows one event per (record, once_key), so a record gets exactly one
# ``submitted``, one ``pushed`` and, per sign-off round, one opening and one terminal outcome (signed /
# default_confirmed / objected before either). Round 1 is opened by ``submitted`` and ends with ``terminal``;
# round n > 1 is opened by ``opened:n`` and ends with ``terminal:n``.
ONCE_SUBMITTED = "submitted"
ONCE_PUSHED = "pushed"
ONCE_TERMINAL = "terminal"
# A record overdue when its use unit first consented gets one fresh deadline (``deadline_renewed``).
ONCE_RENEWED = "renewed"


def terminal_key(round_no: int) -> str:
    """The ``once_key`` of a round's terminal outcome (round 1 keeps the key it always had)."""
    return ONCE_TERMINAL if round_no == 1 else f"{ONCE_TERMINAL}:{round_no}"


def terminal_key_of(round_no: InstrumentedAttribute[int] | ColumnElement[int]) -> ColumnElement[str]:
    """``terminal_key`` as SQL, for events written set-based from the state rows (INSERT … SELECT)."""
    return case(
        (round_no == 1, sql_literal(ONCE_TERMINAL)),
        else_=sql_literal(f"{ONCE_TERMINAL}:") + cast(round_no, String),
    )


def reopen_key(round_no: int) -> str:
    """The ``once_key`` of the event that opens round ``round_no`` (> 1) of a sign-off."""
    return f"opened:{round_no}"


BigId = BigInteger().with_variant(Integer(), "sqlite")


class SignoffEvent(Model):
    """One sign-off fact about a record. The database refuses UPDATE and DELETE (triggers)."""

    __tablename__ = "signoff_event"
    __table_args__ = (
        UniqueConstraint("record_id", "once_key", name="uq_signoff_event_record_once"),
        Index("ix_signoff_event_record", "record_id", "id"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    kind: Mapped[str] = mapped_column(String(24))
    once_key: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # default_confirmed: the deadline that applied and the evidence that the record had been pushed.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signature_hash: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    # default_confirmed: the use unit's consent the confirmation relied on (四(三)).
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("use_unit_consent.id"))


class SignoffState(Model):
    """The current sign-off state of one record: a projection of its events (``rebuild_projection``)."""

    __tablename__ = "signoff_state"
    __table_args__ = (
        Index("ix_signoff_state_due", "state", "deadline_at"),
        Index("ix_signoff_state_use_unit", "use_unit_id", "state", "deadline_at"),
        # The rows one default-confirmation chunk flipped are found by the instant it stamped on them.
        Index("ix_signoff_state_decided", "decided_at"),
        # Records in a rare state (pending, objected …) newest first, and open objections by deadline, in a district
        # (or the city) or a maintenance unit: each list is a short index range, never the whole table.
        Index("ix_signoff_state_state_district_day", "state", "district", "maintenance_day", "record_id"),
        Index("ix_signoff_state_mu_state_day", "maintenance_unit_id", "state", "maintenance_day", "record_id"),
        Index("ix_signoff_state_objection_district", "objection_open", "district", "deadline_at"),
        Index("ix_signoff_state_mu_objection", "maintenance_unit_id", "objection_open", "deadline_at"),
        TABLE_OPTIONS,
    )

    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"), primary_key=True, autoincrement=False)
    elevator_id: Mapped[int] = mapped_column(ForeignKey("elevator.id"))
    use_unit_id: Mapped[int | None] = mapped_column(ForeignKey("use_unit.id"))
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"), index=True)
    maintenance_day: Mapped[date] = mapped_column(Date)
    # The record's scope columns, copied like the others, so a sign-off list is checked without reading records.
    district: Mapped[str | None] = mapped_column(String(16))
    org_node_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(24), default="pending")
    # The sign-off round (1 from submission, + 1 each time a resolved objection reopens it) and when it reopened.
    round_no: Mapped[int] = mapped_column(default=1, server_default="1")
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    signature_hash: Mapped[str | None] = mapped_column(String(64))
    objection_open: Mapped[bool] = mapped_column(default=False)
    objection_reason: Mapped[str | None] = mapped_column(String(500))

    elevator: Mapped[Elevator] = relationship(lazy="selectin")


class SubscriptionQuota(Model):
    """One-time subscribe-message grants (wx.requestSubscribeMessage accepts) not yet used, per template.

    WeChat offers no API to read the remaining count, so the backend counts: +1 per reported accept,
    −1 per message WeChat accepted, 0 when WeChat answers 43101 (no quota left).
    """

    __tablename__ = "subscription_quota"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


PUSH_OUTCOMES = ("sent", "error", "failed", "no_quota", "no_recipient")


class PushDelivery(Model):
    """One attempt to push a record to one manager: sent, a retryable error, the final failure, or no quota.

    ``no_recipient`` (no account): the push found no active, WeChat-bound manager to send to.
    """

    __tablename__ = "push_delivery"
    __table_args__ = (Index("ix_push_delivery_record", "record_id", "account_id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(default=1)
    errcode: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
