"""What a sign-off push says and to whom: subscribe-message fields within WeChat's limits, the managers who
still have a one-time subscription for the template, and the quota bookkeeping."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.dialects import mysql, sqlite

from miniback.extensions import db
from miniback.models import Account, Elevator, MaintenanceUnit, PushDelivery, SignoffState, SubscriptionQuota
from signoff.deadlines import shanghai_text

# WeChat subscribe-message value limits (characters): thing ≤ 20, character_string ≤ 32, phrase ≤ 5.
THING_MAX = 20
CHARACTER_STRING_MAX = 32
PHRASE_MAX = 5
CATEGORY_PHRASES = {"half_month": "半月保养", "quarter": "季度保养", "half_year": "半年保养", "year": "年度保养"}


def thing(value: str) -> str:
    """A ``thing`` value: at most 20 characters, an ellipsis marking a cut."""
    value = " ".join(value.split())
    return value if len(value) <= THING_MAX else value[: THING_MAX - 1] + "…"


def character_string(value: str) -> str:
    """A ``character_string`` value: letters, digits and symbols only, at most 32."""
    return re.sub(r"[^0-9A-Za-z_\-.:/#]", "", value)[:CHARACTER_STRING_MAX]


def phrase(value: str) -> str:
    return value[:PHRASE_MAX]


@dataclass(frozen=True)
class PushMessage:
    data: dict[str, dict[str, str]]
    page: str


def signoff_message(state: SignoffState, category: str, page: str) -> PushMessage:
    """The subscribe message asking a manager to sign a record (fields: 电梯位置, 设备代码, 维保单位, 期限, 类别)."""
    elevator = db.session.get(Elevator, state.elevator_id)
    unit = db.session.get(MaintenanceUnit, state.maintenance_unit_id)
    where = f"{elevator.address} {elevator.position or ''}" if elevator else ""
    code = (elevator.device_code or elevator.registration_code or elevator.public_code) if elevator else ""
    return PushMessage(
        data={
            "thing1": {"value": thing(where)},
            "character_string2": {"value": character_string(code)},
            "thing3": {"value": thing(unit.name if unit else "")},
            "time4": {"value": shanghai_text(state.deadline_at)},
            "phrase5": {"value": phrase(CATEGORY_PHRASES.get(category, "维保"))},
        },
        page=f"{page}?record_id={state.record_id}",
    )


def grant_subscriptions(account: Account, template_ids: Iterable[str], *, now: datetime) -> None:
    """Count one more one-time subscription for each accepted template (upsert, safe under concurrency)."""
    dialect = db.session.get_bind().dialect.name
    for template_id in template_ids:
        values = {"account_id": account.id, "template_id": template_id, "remaining": 1, "updated_at": now}
        if dialect == "sqlite":
            stmt = sqlite.insert(SubscriptionQuota).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["account_id", "template_id"],
                set_={"remaining": SubscriptionQuota.remaining + 1, "updated_at": now},
            )
            db.session.execute(stmt)
        else:
            upsert = mysql.insert(SubscriptionQuota).values(**values)
            db.session.execute(
                upsert.on_duplicate_key_update(
                    remaining=SubscriptionQuota.remaining + 1, updated_at=upsert.inserted.updated_at
                )
            )
    db.session.flush()


def remaining_quota(account_id: int, template_id: str) -> int:
    value = db.session.execute(
        select(SubscriptionQuota.remaining).where(
            SubscriptionQuota.account_id == account_id, SubscriptionQuota.template_id == template_id
        )
    ).scalar_one_or_none()
    return value or 0


def use_quota(account_id: int, template_id: str, *, now: datetime) -> None:
    """WeChat accepted a message: one subscription is spent."""
    db.session.execute(
        update(SubscriptionQuota)
        .where(
            SubscriptionQuota.account_id == account_id,
            SubscriptionQuota.template_id == template_id,
            SubscriptionQuota.remaining > 0,
        )
        .values(remaining=SubscriptionQuota.remaining - 1, updated_at=now)
    )


def exhaust_quota(account_id: int, template_id: str, *, now: datetime) -> None:
    """WeChat says 43101 (the user has no subscription left): our count was optimistic, reset it."""
    db.session.execute(
        update(SubscriptionQuota)
        .where(SubscriptionQuota.account_id == account_id, SubscriptionQuota.template_id == template_id)
        .values(remaining=0, updated_at=now)
    )


def managers_to_push(state: SignoffState) -> list[Account]:
    """Active, WeChat-bound managers of the record's use unit not yet successfully pushed this record (in this
    sign-off round: a reopened sign-off is pushed again)."""
    if state.use_unit_id is None:
        return []
    sent = and_(
        PushDelivery.record_id == state.record_id,
        PushDelivery.account_id == Account.id,
        PushDelivery.outcome == "sent",
    )
    if state.reopened_at is not None:
        sent = and_(sent, PushDelivery.created_at >= state.reopened_at)
    already_sent = exists().where(sent)
    return list(
        db.session.execute(
            select(Account)
            .where(
                Account.use_unit_id == state.use_unit_id,
                Account.role == "uu_manager",
                Account.active.is_(True),
                Account.openid.is_not(None),
                ~already_sent,
            )
            .order_by(Account.id)
        ).scalars()
    )


def record_delivery(
    record_id: int,
    account_id: int | None,
    outcome: str,
    *,
    attempt: int,
    now: datetime,
    errcode: int | None = None,
    error: str | None = None,
) -> None:
    db.session.add(
        PushDelivery(
            record_id=record_id,
            account_id=account_id,
            outcome=outcome,
            attempt=attempt,
            errcode=errcode,
            error=(error or "")[:255] or None,
            created_at=now,
        )
    )


def record_no_recipient(record_id: int, *, attempt: int, now: datetime) -> None:
    """Nobody to push to (no active, bound manager): recorded once, so the record is listed as unreached."""
    done = db.session.execute(
        select(PushDelivery.id)
        .where(PushDelivery.record_id == record_id, PushDelivery.outcome.in_(("sent", "no_recipient")))
        .limit(1)
    ).first()
    if done is None:
        record_delivery(record_id, None, "no_recipient", attempt=attempt, now=now)


# What became of a record's push, as the sign-off shows it. ``pending``: the push has not run yet or is being
# retried; the others are final until a later push reaches someone.
PushStatusName = Literal["pending", "delivered", "no_recipient", "no_quota", "failed"]
PUSH_STATUS_LABELS: dict[PushStatusName, str] = {
    "pending": "推送中",
    "delivered": "已推送提醒",
    "no_recipient": "未推送：使用单位没有已绑定微信的安全管理人员",
    "no_quota": "未推送：安全管理人员未开启提醒（订阅次数已用完）",
    "failed": "推送失败",
}
PUSH_STATUSES: tuple[PushStatusName, ...] = get_args(PushStatusName)
# Final delivery outcomes, in the order the sign-off names them when nobody was reached.
UNREACHED_OUTCOMES: tuple[PushStatusName, ...] = ("failed", "no_quota", "no_recipient")
# Per manager: the last delivery of this record to them, or why there is none.
RecipientOutcomeName = Literal["pending", "retrying", "delivered", "no_quota", "failed", "not_bound", "bound_later"]
RECIPIENT_LABELS: dict[RecipientOutcomeName, str] = {
    "pending": "待推送",
    "retrying": "推送失败，正在重试",
    "delivered": "已推送",
    "no_quota": "未开启提醒（订阅次数已用完）",
    "failed": "推送失败",
    "not_bound": "未绑定微信",
    "bound_later": "推送时尚未绑定微信",
}
RECIPIENT_OUTCOMES: dict[str, RecipientOutcomeName] = {
    "sent": "delivered",
    "error": "retrying",
    "failed": "failed",
    "no_quota": "no_quota",
}


@dataclass(frozen=True)
class RecipientPush:
    account_id: int
    name: str
    outcome: str
    label: str
    at: datetime | None


@dataclass(frozen=True)
class PushStatus:
    outcome: str
    label: str
    recipients: list[RecipientPush]


def push_outcome(delivery_outcomes: Iterable[str]) -> PushStatusName:
    """One record's push status from the outcomes of all its deliveries (see ``unreached``, its SQL twin)."""
    outcomes = set(delivery_outcomes)
    if "sent" in outcomes:
        return "delivered"
    return next((outcome for outcome in UNREACHED_OUTCOMES if outcome in outcomes), "pending")


def unreached() -> ColumnElement[bool]:
    """Sign-offs whose push reached nobody: no delivery sent, and a final one (failed, no quota, no recipient)."""
    of_record = PushDelivery.record_id == SignoffState.record_id
    sent = exists().where(of_record, PushDelivery.outcome == "sent")
    final = exists().where(of_record, PushDelivery.outcome.in_(UNREACHED_OUTCOMES))
    return and_(~sent, final)


def push_statuses(states: Sequence[SignoffState]) -> dict[int, PushStatus]:
    """The push status of each sign-off, with every manager of its use unit (or delivered to): two queries."""
    record_ids = [state.record_id for state in states]
    deliveries = db.session.execute(
        select(PushDelivery).where(PushDelivery.record_id.in_(record_ids)).order_by(PushDelivery.id)
    ).scalars()
    by_record: dict[int, list[PushDelivery]] = {record_id: [] for record_id in record_ids}
    for delivery in deliveries:
        by_record[delivery.record_id].append(delivery)
    account_ids = {d.account_id for rows in by_record.values() for d in rows if d.account_id is not None}
    unit_ids = {state.use_unit_id for state in states if state.use_unit_id is not None}
    accounts = db.session.execute(
        select(Account)
        .where(
            or_(
                Account.id.in_(account_ids),
                and_(Account.use_unit_id.in_(unit_ids), Account.role == "uu_manager", Account.active.is_(True)),
            )
        )
        .order_by(Account.id)
    ).scalars()
    people = list(accounts)
    return {state.record_id: _status(state, by_record[state.record_id], people) for state in states}


def _status(state: SignoffState, deliveries: list[PushDelivery], accounts: list[Account]) -> PushStatus:
    last = {d.account_id: d for d in deliveries if d.account_id is not None}  # ordered by id: the latest wins
    recipients = []
    for account in accounts:
        delivery = last.get(account.id)
        outcome: RecipientOutcomeName
        if delivery is not None:
            outcome = RECIPIENT_OUTCOMES[delivery.outcome]
        elif account.use_unit_id != state.use_unit_id or account.role != "uu_manager" or not account.active:
            continue
        elif account.openid is None:
            outcome = "not_bound"
        else:
            outcome = "bound_later" if deliveries else "pending"
        at = delivery.created_at if delivery is not None else None
        recipients.append(RecipientPush(account.id, account.name, outcome, RECIPIENT_LABELS[outcome], at))
    status = push_outcome(d.outcome for d in deliveries)
    return PushStatus(status, PUSH_STATUS_LABELS[status], recipients)
