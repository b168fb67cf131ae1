"""Calendar rules run in Asia/Shanghai (DESIGN.md §4); storage stays UTC."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
