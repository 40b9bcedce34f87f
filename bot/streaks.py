"""Streaks: consecutive local calendar days with at least one answer, in the member's zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# How far back answer times are read for a streak: a longer streak shows as this long.
STREAK_HORIZON = timedelta(days=400)


def latest_run(instants: Iterable[datetime], zone: ZoneInfo, *, until: date) -> tuple[date | None, int]:
    """The newest run of consecutive local days with answers: (its last day, its length).

    Counting calendar dates (not 24-hour spans) keeps a DST change from breaking a streak.
    Answers dated after `until` (a clock ahead of ours) are left out. Walks back from the newest
    answer and stops at the first gap, so a long history costs only as much as the run.
    """
    end: date | None = None
    length = 0
    for instant in sorted(instants, reverse=True):
        day = instant.astimezone(zone).date()
        if day > until:
            continue
        if end is None:
            end, length = day, 1
        elif day == end - timedelta(days=length):
            length += 1
        elif day != end - timedelta(days=length - 1):  # not another answer on the day just counted
            break
    return end, length


def alive(end: date | None, length: int, today: date) -> int:
    """A run counts as the streak while its last day is today or yesterday."""
    return length if end is not None and today - end <= timedelta(days=1) else 0


def streak(instants: Iterable[datetime], now: datetime, zone: ZoneInfo) -> int:
    """Days in a row ending today, or ending yesterday when today has no answer yet."""
    today = now.astimezone(zone).date()
    return alive(*latest_run(instants, zone, until=today), today)
