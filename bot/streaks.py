"""Streaks: consecutive local calendar days with at least one answer, in the member's zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_days(instants: Iterable[datetime], zone: ZoneInfo) -> set[date]:
    return {i.astimezone(zone).date() for i in instants}


def streak(instants: Iterable[datetime], now: datetime, zone: ZoneInfo) -> int:
    """Days in a row ending today, or ending yesterday when today has no answer yet.

    Counting calendar dates (not 24-hour spans) keeps a DST change from breaking a streak.
    """
    days = local_days(instants, zone)
    today = now.astimezone(zone).date()
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
