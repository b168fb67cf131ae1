"""Use-unit consent to the default confirmation (四(三)).

The rules a use unit agrees to are versioned text kept as data (``miniback/data/signoff_rules.json``): the
deadline rule, the minimum window and the objection period, and the whole text shown to the use unit's admin.
The highest version is the current one. A consent records who accepted which version, when, and the SHA-256 of
its text; the use unit keeps a pointer to its latest consent (``UseUnit.consent_id``).

Without a consent a use unit's records are never default-confirmed: past their deadline they stay pending
(overdue and unsigned, ``awaiting_consent_scope``). The unit's first consent gives each of them one fresh deadline
(``deadline_renewed``), so every default confirmation follows a deadline that passed after the consent, and names
it (``signoff_event.consent_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, insert, select, update
from sqlalchemy.orm import aliased

from miniback.errors import Conflict, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, SignoffEvent, SignoffState, UseUnit, UseUnitConsent
from miniback.models.rules import RuleText, consented_version, current_rules, rule_versions
from miniback.models.signoff import ONCE_RENEWED
from miniback.projections.public_history import sync_public_signoff
from signoff.deadlines import reopened_deadline
from signoff.rowcount import rowcount

__all__ = ["RuleText", "current_rules", "rule_versions"]


class ConsentRefused(Conflict):
    code = "consent_refused"


def consent_on_file(unit: UseUnit) -> UseUnitConsent | None:
    """The unit's latest consent, if it gave one."""
    return db.session.get(UseUnitConsent, unit.consent_id) if unit.consent_id is not None else None


def has_current_consent(unit: UseUnit) -> bool:
    return consented_version(unit.id) == current_rules().version


def require_current_consent(unit: UseUnit, what: str) -> None:
    """``what`` (activating the unit, binding its managers) needs a consent to the current rules."""
    if not has_current_consent(unit):
        version = current_rules().version
        raise ConsentRefused(
            f"使用单位尚未同意现行《默认签名确认规则》（第 {version} 版），暂不能{what}；请单位管理员先阅读并同意",
            code="consent_required",
        )


def consents_of(unit_id: int) -> list[UseUnitConsent]:
    return list(
        db.session.execute(
            select(UseUnitConsent).where(UseUnitConsent.use_unit_id == unit_id).order_by(UseUnitConsent.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Accepted:
    consent: UseUnitConsent
    # Records overdue at the unit's first consent, given a fresh deadline (the caller schedules its job).
    renewed: list[int]
    renewed_deadline: datetime | None


def accept_rules(
    unit: UseUnit, admin: Account, version: int, text_sha256: str | None, *, now: datetime, min_window: timedelta
) -> Accepted:
    """The unit's admin accepts ``version`` of the rules (it must be the current one, not accepted before)."""
    rules = current_rules()
    if version != rules.version:
        raise ConsentRefused(
            f"第 {version} 版不是现行规则，请阅读并同意现行第 {rules.version} 版", code="rules_version_outdated"
        )
    if text_sha256 is not None and text_sha256.lower() != rules.sha256:
        raise ValidationFailed("规则文本与现行版本不一致，请重新阅读", fields={"text_sha256": "与现行规则文本不一致"})
    # The unit's row lock orders concurrent consents; the unique (unit, version) index backs it up.
    locked = db.session.execute(
        select(UseUnit).where(UseUnit.id == unit.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    taken = db.session.execute(
        select(UseUnitConsent.id).where(UseUnitConsent.use_unit_id == unit.id, UseUnitConsent.rule_version == version)
    ).first()
    if taken is not None:
        raise ConsentRefused("本单位已同意该版本的规则，无需重复同意", code="already_consented")
    first = locked.consent_id is None
    consent = UseUnitConsent(
        use_unit_id=unit.id, rule_version=version, text_sha256=rules.sha256, accepted_by_id=admin.id, accepted_at=now
    )
    db.session.add(consent)
    db.session.flush()
    locked.consent_id = consent.id
    db.session.flush()
    renewed, deadline = renew_overdue(unit.id, now=now, min_window=min_window) if first else ([], None)
    return Accepted(consent, renewed, deadline)


def renew_overdue(use_unit_id: int, *, now: datetime, min_window: timedelta) -> tuple[list[int], datetime | None]:
    """Give every record of the unit still pending past its deadline one fresh deadline (``deadline_renewed``):
    the end of today in Shanghai, but never sooner than the minimum window. Returns the ids and the deadline."""
    ids = list(
        db.session.execute(
            select(SignoffState.record_id)
            .where(
                SignoffState.use_unit_id == use_unit_id,
                SignoffState.state == "pending",
                SignoffState.deadline_at <= now,
            )
            .order_by(SignoffState.record_id)
            .with_for_update()
        ).scalars()
    )
    if not ids:
        return [], None
    deadline = reopened_deadline(now, min_window)
    changed = rowcount(
        db.session.execute(
            update(SignoffState)
            .where(SignoffState.record_id.in_(ids), SignoffState.state == "pending")
            .values(deadline_at=deadline)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != len(ids):
        raise RuntimeError(f"{len(ids)} overdue records locked but {changed} renewed")
    db.session.execute(
        insert(SignoffEvent),
        [
            {
                "record_id": record_id,
                "kind": "deadline_renewed",
                "once_key": ONCE_RENEWED,
                "occurred_at": now,
                "deadline_at": deadline,
            }
            for record_id in ids
        ],
    )
    for state in db.session.execute(
        select(SignoffState).where(SignoffState.record_id.in_(ids)).execution_options(populate_existing=True)
    ).scalars():
        sync_public_signoff(state)
    return ids, deadline


_CONSENTING = aliased(UseUnit, name="consenting_unit")


def consented_use_unit() -> ColumnElement[bool]:
    """A sign-off row whose use unit has consented (the default confirmation applies to it). On an alias of the
    unit table, so a query that joins the unit itself keeps this subquery correlated to the sign-off row only."""
    return (
        exists()
        .where(_CONSENTING.id == SignoffState.use_unit_id, _CONSENTING.consent_id.is_not(None))
        .correlate(SignoffState)
    )


def awaiting_consent_scope(now: datetime) -> ColumnElement[bool]:
    """Sign-offs overdue and unsigned because their use unit has not consented."""
    return (SignoffState.state == "pending") & (SignoffState.deadline_at <= now) & ~consented_use_unit()


def unit_consented(use_unit_id: int | None) -> bool:
    if use_unit_id is None:
        return False
    return db.session.execute(select(UseUnit.consent_id).where(UseUnit.id == use_unit_id)).scalar() is not None
