"""The published list of connected platforms (已完成对接平台名单), for the public page and its JSON twin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from miniback.extensions import db
from miniback.models import PlatformClient
from miniback.records.calendar import local_day


@dataclass(frozen=True)
class PublicPlatform:
    code: str
    name: str
    company_name: str
    company_credit_code: str
    connected_since: date  # the first go-live, Asia/Shanghai


def connected_platforms() -> list[PublicPlatform]:
    """Every platform connected now, in the order they went live. Testing, suspended and revoked ones are not on
    the list."""
    rows = db.session.execute(
        db.select(
            PlatformClient.code,
            PlatformClient.name,
            PlatformClient.company_name,
            PlatformClient.company_credit_code,
            PlatformClient.connected_at,
            PlatformClient.status_changed_at,
        )
        .where(PlatformClient.status == "connected")
        .order_by(PlatformClient.connected_at, PlatformClient.id)
    )
    return [
        PublicPlatform(code, name, company, credit_code, local_day(connected_at or changed_at))
        for code, name, company, credit_code, connected_at, changed_at in rows
    ]
