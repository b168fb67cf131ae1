"""What a sign-off push says and to whom: subscribe-message fields within WeChat's limits, the managers who
still have a one-time subscription for the template, and the quota bookkeeping."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select, update
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
    account_id: int,
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
