"""A connected platform's figures, per Asia/Shanghai day (抽查评估): what it uploaded, what was refused and why, how
late and how often flagged its records were, and how its callback endpoint answered. Production traffic only; the
sandbox is the conformance report's (``miniback.platform.conformance``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from miniback.errors import ValidationFailed
from miniback.extensions import db
from miniback.models import (
    MaintenanceRecord,
    PlatformCall,
    PlatformCallback,
    PlatformCallbackAttempt,
    PlatformClient,
    PlatformUpload,
)
from miniback.records.calendar import SHANGHAI, local_day

MAX_DAYS = 92
# Far beyond any traffic, and far from the calendar's ends (a day's bounds in UTC must exist).
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)
DEFAULT_DAYS = 30
FLAGS = ("distance", "duration", "overlap")
UPLOAD_OPERATIONS = ("record", "batch", "delay_notice")
REFUSED_RESULTS = ("invalid", "conflict")


@dataclass
class DayFigures:
    day: date
    uploads: int = 0  # records created (production)
    delay_notices: int = 0
    duplicates: int = 0  # items answered ``duplicate`` (a retry of a known upload)
    rejections: Counter[str] = field(default_factory=Counter)  # error code → refused items or requests
    late_uploads: int = 0
    flagged: Counter[str] = field(default_factory=Counter)  # flag → records with it ("any": with one at least)
    callbacks_delivered: int = 0  # callbacks acknowledged with a 2xx that day
    callback_failures: int = 0  # delivery attempts that day that got no 2xx (error, timeout or other status)
    callbacks_failed: int = 0  # callbacks created that day that were given up (every retry failed)

    def as_dict(self) -> dict[str, Any]:
        share = (lambda n: round(n / self.uploads, 4)) if self.uploads else (lambda n: None)
        return {
            "day": self.day,
            "uploads": self.uploads,
            "delay_notices": self.delay_notices,
            "duplicates": self.duplicates,
            "rejected": sum(self.rejections.values()),
            "rejections": dict(sorted(self.rejections.items())),
            "late_upload_share": share(self.late_uploads),
            "flag_rates": {name: share(self.flagged[name]) for name in (*FLAGS, "any")},
            "callbacks_delivered": self.callbacks_delivered,
            "callback_failures": self.callback_failures,
            "callbacks_failed": self.callbacks_failed,
        }


def day_range(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """The asked period (default: the last ``DEFAULT_DAYS`` days to today), at most ``MAX_DAYS`` long."""
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
            raise ValidationFailed(fields={name: f"日期须在 {EARLIEST_DAY} 至 {LATEST_DAY} 之间"})
    end = date_to or today
    start = date_from or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed(fields={"date_from": "开始日期不能晚于结束日期"})
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(fields={"date_to": f"一次最多查询 {MAX_DAYS} 天"})
    return start, end


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(0), SHANGHAI).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC),
    )


def platform_figures(client: PlatformClient, start: date, end: date) -> list[dict[str, Any]]:
    """One entry per day from ``start`` to ``end`` (Asia/Shanghai), days without traffic included."""
    days = {start + timedelta(days=n): DayFigures(start + timedelta(days=n)) for n in range((end - start).days + 1)}
    since, until = _utc_bounds(start, end)

    def of(moment: datetime) -> DayFigures | None:
        return days.get(local_day(moment))

    uploads = (
        db.select(
            PlatformUpload.created_at,
            PlatformUpload.kind,
            MaintenanceRecord.late_upload,
            MaintenanceRecord.flag_distance,
            MaintenanceRecord.flag_duration,
            MaintenanceRecord.flag_overlap,
        )
        .outerjoin(MaintenanceRecord, MaintenanceRecord.id == PlatformUpload.record_id)
        .where(
            PlatformUpload.platform_client_id == client.id,
            PlatformUpload.sandbox.is_(False),
            PlatformUpload.created_at >= since,
            PlatformUpload.created_at < until,
        )
    )
    for created_at, kind, late, distance, duration, overlap in db.session.execute(uploads):
        figures = of(created_at)
        if figures is None:
            continue
        if kind == "delay_notice":
            figures.delay_notices += 1
            continue
        figures.uploads += 1
        figures.late_uploads += bool(late)
        for name, flagged in zip(FLAGS, (distance, duration, overlap), strict=True):
            figures.flagged[name] += bool(flagged)
        figures.flagged["any"] += bool(distance or duration or overlap)

    calls = db.select(
        PlatformCall.created_at, PlatformCall.status, PlatformCall.error_code, PlatformCall.results
    ).where(
        PlatformCall.platform_client_id == client.id,
        PlatformCall.sandbox.is_(False),
        PlatformCall.created_at >= since,
        PlatformCall.created_at < until,
    )
    for created_at, status, error_code, results in db.session.execute(calls.execution_options(yield_per=1000)):
        figures = of(created_at)
        if figures is None:
            continue
        items = [item for item in (results or []) if isinstance(item, dict)]
        for item in items:
            if item.get("result") == "duplicate":
                figures.duplicates += 1
            elif item.get("result") in REFUSED_RESULTS:
                figures.rejections[item.get("code") or item["result"]] += 1
        if not items and status >= 400:  # refused as a whole (authentication, envelope)
            figures.rejections[error_code or f"http_{status}"] += 1

    attempts = (
        db.select(PlatformCallbackAttempt.attempted_at, PlatformCallbackAttempt.status_code)
        .join(PlatformCallback, PlatformCallback.id == PlatformCallbackAttempt.callback_id)
        .where(
            PlatformCallback.platform_client_id == client.id,
            PlatformCallback.sandbox.is_(False),
            PlatformCallbackAttempt.attempted_at >= since,
            PlatformCallbackAttempt.attempted_at < until,
        )
    )
    for attempted_at, status_code in db.session.execute(attempts):
        figures = of(attempted_at)
        if figures is None:
            continue
        if status_code is not None and 200 <= status_code < 300:
            figures.callbacks_delivered += 1
        else:
            figures.callback_failures += 1

    given_up = db.select(PlatformCallback.created_at).where(
        PlatformCallback.platform_client_id == client.id,
        PlatformCallback.sandbox.is_(False),
        PlatformCallback.status == "failed",
        PlatformCallback.created_at >= since,
        PlatformCallback.created_at < until,
    )
    for created_at in db.session.execute(given_up).scalars():
        figures = of(created_at)
        if figures is not None:
            figures.callbacks_failed += 1
    return [figures.as_dict() for figures in days.values()]
