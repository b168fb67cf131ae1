"""A maintenance unit's authorisation of a platform to act for it (四(四)): granted and revoked by the unit's admin.

A revocation ends a grant and a new grant is a new row, so the history stays. One live grant per platform × unit
is kept by the database itself (``live_key``'s unique key), so two admins granting at the same moment make one.
The signed routes scope everything through ``authorised_unit_ids`` / ``live_authorisation``: a revoked grant
stops the very next request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.exc import IntegrityError

from miniback.errors import Conflict
from miniback.extensions import db
from miniback.models import Account, MaintenanceUnit, PlatformAuthorisation, PlatformClient, utcnow

ALREADY_AUTHORISED = "本单位已授权该平台"


def _live() -> Any:
    return PlatformAuthorisation.revoked_at.is_(None)


def authorised_unit_ids(client_id: int) -> Select[tuple[int]]:
    """The ids of the maintenance units that authorise this platform now (a select, to use in ``in_``)."""
    return db.select(PlatformAuthorisation.maintenance_unit_id).where(
        PlatformAuthorisation.platform_client_id == client_id, _live()
    )


def live_authorisation(client_id: int, unit_id: int) -> PlatformAuthorisation | None:
    """The unit's live authorisation of the platform, or None."""
    return db.session.execute(
        db.select(PlatformAuthorisation).where(
            PlatformAuthorisation.platform_client_id == client_id,
            PlatformAuthorisation.maintenance_unit_id == unit_id,
            _live(),
        )
    ).scalar_one_or_none()


def is_authorised(client_id: int, unit_id: int | None) -> bool:
    return unit_id is not None and live_authorisation(client_id, unit_id) is not None


def authorise(client: PlatformClient, unit: MaintenanceUnit, actor: Account) -> PlatformAuthorisation:
    """The unit authorises the platform (its admin, ``actor``); a second live grant is a 409."""
    if client.status == "revoked":
        raise Conflict("该平台已撤销，不能授权", code="platform_revoked")
    grant = PlatformAuthorisation(
        platform_client_id=client.id, maintenance_unit_id=unit.id, granted_by_id=actor.id, granted_at=utcnow()
    )
    db.session.add(grant)
    try:
        # No read first: the unique key decides, also between two requests racing (the second waits for the first's
        # commit, then is refused). The savepoint keeps the request's transaction usable after the refusal.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(ALREADY_AUTHORISED, code="already_authorised") from exc
    db.session.refresh(grant)  # ``live_key`` is computed by the database
    return grant


def revoke_authorisation(grant: PlatformAuthorisation, actor: Account, reason: str | None) -> PlatformAuthorisation:
    """End a grant (the row stays, with who ended it, when and why)."""
    locked = db.session.execute(
        db.select(PlatformAuthorisation).where(PlatformAuthorisation.id == grant.id).with_for_update()
    ).scalar_one()
    db.session.refresh(locked)
    if locked.revoked_at is not None:
        raise Conflict("该授权已撤销", code="authorisation_revoked")
    locked.revoked_at = utcnow()
    locked.revoked_by_id = actor.id
    locked.revoke_reason = (reason or "").strip() or None
    db.session.flush()
    db.session.refresh(locked)
    return locked


def authorisations_of_unit(unit_id: int) -> Select[tuple[PlatformAuthorisation]]:
    """The unit's grants, live and revoked, newest first (a select, for paging)."""
    return (
        db.select(PlatformAuthorisation)
        .where(PlatformAuthorisation.maintenance_unit_id == unit_id)
        .order_by(PlatformAuthorisation.id.desc())
    )


def authorised_unit_count(client_id: int) -> int:
    query = (
        db.select(func.count())
        .select_from(PlatformAuthorisation)
        .where(PlatformAuthorisation.platform_client_id == client_id, _live())
    )
    return int(db.session.execute(query).scalar_one())
