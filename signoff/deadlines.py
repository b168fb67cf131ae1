"""When a record's sign-off window closes: the end of its maintenance day in Asia/Shanghai, but never sooner
than a minimum window after the push (a record submitted at 23:50 still gets time to be signed)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def end_of_maintenance_day(day: date) -> datetime:
    """The instant the maintenance day ends (next midnight in Shanghai), as aware UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


def ceil_to_minute(moment: datetime) -> datetime:
    """Rounded up to a whole minute, so records pushed within the same minute share one deadline job."""
    seconds = moment.timestamp()
    return datetime.fromtimestamp(math.ceil(seconds / 60) * 60, UTC)


def signoff_deadline(maintenance_day: date, pushed_at: datetime, min_window: timedelta) -> datetime:
    """The moment after which the default confirmation applies."""
    return max(end_of_maintenance_day(maintenance_day), ceil_to_minute(pushed_at + min_window))


def reopened_deadline(resolved_at: datetime, min_window: timedelta) -> datetime:
    """The deadline of a sign-off reopened by the resolution of an objection: the end of the resolution day in
    Shanghai, but never sooner than the minimum window after the resolution."""
    return signoff_deadline(resolved_at.astimezone(SHANGHAI).date(), resolved_at, min_window)


def shanghai_text(moment: datetime) -> str:
    """A moment in Shanghai time as shown to people, e.g. ``2026年11月26日 00:00``."""
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
