"""Who may see which platform and which authorisation (``miniback.access``'s rule: what the actor may not see is a
404, exactly like what does not exist).

The platform operator sees every platform and every grant. A unit admin sees the platforms it could authorise
(every one not revoked) and only its own unit's grants. Nobody else sees either.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from miniback.errors import NotFound
from miniback.extensions import db
from miniback.models import Account, PlatformAuthorisation, PlatformClient


def platform_scope(actor: Account) -> ColumnElement[bool]:
    if actor.role == "platform_operator":
        return true()
    if actor.role == "mu_admin" and actor.maintenance_unit_id is not None:
        return PlatformClient.status != "revoked"
    return false()


def get_platform_or_404(client_id: int, actor: Account) -> PlatformClient:
    found = db.session.execute(
        db.select(PlatformClient).where(PlatformClient.id == client_id, platform_scope(actor))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("找不到该平台")
    return found


def authorisation_scope(actor: Account) -> ColumnElement[bool]:
    if actor.role == "platform_operator":
        return true()
    if actor.role == "mu_admin" and actor.maintenance_unit_id is not None:
        return PlatformAuthorisation.maintenance_unit_id == actor.maintenance_unit_id
    return false()


def get_authorisation_or_404(authorisation_id: int, actor: Account) -> PlatformAuthorisation:
    found = db.session.execute(
        db.select(PlatformAuthorisation).where(PlatformAuthorisation.id == authorisation_id, authorisation_scope(actor))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("找不到该授权")
    return found
