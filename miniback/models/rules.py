"""The notice's remaining rules: use-unit consent to the default confirmation (四(三)), paperless approval
(四(六)), and the regulator's rectification and suspension notices (五(一)).

Consents and events are append-only (triggers refuse UPDATE and DELETE); an application's and a notice's
current status are kept on their row, and every change of it is an event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model, db
from miniback.models.types import UTCDateTime, utcnow
from miniback.models.units import UseUnit


@dataclass(frozen=True)
class RuleText:
    """One version of the default-confirmation rules (``miniback/data/signoff_rules.json``): the deadline rule, the
    minimum window, the objection period and the whole text shown to the use unit's admin."""

    version: int
    published_at: datetime
    deadline_rule: str
    min_window_minutes: int
    objection_period_days: int
    body: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the text (UTF-8), recorded with each consent."""
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


@cache
def rule_versions() -> tuple[RuleText, ...]:
    """Every published version, oldest first; the last is the current one."""
    data = json.loads(files("miniback").joinpath("data/signoff_rules.json").read_text(encoding="utf-8"))
    versions = [
        RuleText(
            version=int(entry["version"]),
            published_at=datetime.fromisoformat(entry["published_at"]),
            deadline_rule=entry["deadline_rule"],
            min_window_minutes=int(entry["min_window_minutes"]),
            objection_period_days=int(entry["objection_period_days"]),
            body=entry["body"],
        )
        for entry in data["versions"]
    ]
    return tuple(sorted(versions, key=lambda text: text.version))


def current_rules() -> RuleText:
    return rule_versions()[-1]


def consented_version(use_unit_id: int | None) -> int | None:
    """The rule version of the use unit's latest consent, or ``None`` if it never consented."""
    if use_unit_id is None:
        return None
    version: int | None = db.session.execute(
        select(UseUnitConsent.rule_version)
        .join(UseUnit, UseUnit.consent_id == UseUnitConsent.id)
        .where(UseUnit.id == use_unit_id)
    ).scalar()
    return version


class UseUnitConsent(Model):
    """A use unit's admin accepted one version of the rules (``miniback/data/signoff_rules.json``, read by
    ``signoff.consent``): who, when, which version, the SHA-256 of its text."""

    __tablename__ = "use_unit_consent"
    __table_args__ = (
        UniqueConstraint("use_unit_id", "rule_version", name="uq_use_unit_consent_version"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_unit_id: Mapped[int] = mapped_column(ForeignKey("use_unit.id"))
    rule_version: Mapped[int]
    text_sha256: Mapped[str] = mapped_column(String(64))
    accepted_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


PAPERLESS_STATUSES = ("pending", "approved", "rejected", "withdrawn")
PAPERLESS_EVENT_KINDS = ("applied", "approved", "rejected", "withdrawn")


class PaperlessApplication(Model):
    """A maintenance unit's application to stop keeping paper records, with its own figures when it applied."""

    __tablename__ = "paperless_application"
    __table_args__ = (Index("ix_paperless_application_unit", "maintenance_unit_id", "status"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    statement: Mapped[str | None] = mapped_column(String(500))
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))


class PaperlessEvent(Model):
    """One step of an application: applied, approved, rejected, withdrawn (append-only)."""

    __tablename__ = "paperless_event"
    __table_args__ = (Index("ix_paperless_event_application", "application_id", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("paperless_application.id"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


NOTICE_KINDS = ("rectification", "suspension")
NOTICE_STATUSES = ("issued", "acknowledged", "replied", "closed", "escalated")
NOTICE_EVENT_KINDS = ("issued", "acknowledged", "replied", "closed", "escalated")


class RegulatorNotice(Model):
    """整改意见 (rectification) or 中止意见 (suspension) a regulator issued to a maintenance unit.

    ``district``: the issuing regulator's district (``None``: city scope), which also scopes who else sees it. A
    suspension in force stops the unit's new work until it is closed (``MaintenanceUnit.halted_by_notice_id``).
    """

    __tablename__ = "regulator_notice"
    __table_args__ = (
        Index("ix_regulator_notice_unit", "maintenance_unit_id", "status"),
        Index("ix_regulator_notice_district", "district", "issued_at"),
        TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"))
    district: Mapped[str | None] = mapped_column(String(16))
    findings: Mapped[str] = mapped_column(Text)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # An escalated rectification notice points to the suspension notice it led to.
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("regulator_notice.id"))


class RegulatorNoticeSubject(Model):
    """A record or an elevator a notice concerns (append-only)."""

    __tablename__ = "regulator_notice_subject"
    __table_args__ = (Index("ix_regulator_notice_subject_notice", "notice_id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("regulator_notice.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_record.id"))
    elevator_id: Mapped[int | None] = mapped_column(ForeignKey("elevator.id"))


class RegulatorNoticeEvent(Model):
    """One step of a notice: issued, acknowledged, replied (text, optional records), closed, escalated."""

    __tablename__ = "regulator_notice_event"
    __table_args__ = (Index("ix_regulator_notice_event_notice", "notice_id", "id"), TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("regulator_notice.id"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    text: Mapped[str | None] = mapped_column(Text)
    record_ids: Mapped[list[int] | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
