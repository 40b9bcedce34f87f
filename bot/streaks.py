"""Streaks: consecutive local calendar days with at least one answer, in the member's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# How far back answer times are read for a streak: a longer streak shows as this long.
STREAK_HORIZON = timedelta(days=400)


def streak(instants: Sequence[datetime], now: datetime, zone: ZoneInfo) -> int:
    """Days in a row ending today, or ending yesterday when today has no answer yet.

    Counting calendar dates (not 24-hour spans) keeps a DST change from breaking a streak.
    Walks back from the newest answer and stops at the first gap, so a long history costs
    only as much as the current streak (`instants` may come in any order).
    """
    today = now.astimezone(zone).date()
    expected = today
    count = 0
    for instant in sorted(instants, reverse=True):
        day = instant.astimezone(zone).date()
        if day > today or (count and day == expected + timedelta(days=1)):
            continue  # a clock ahead of ours, or another answer on a day already counted
        if count == 0 and day == today - timedelta(days=1):
            expected = day  # nothing today yet: the streak may still end yesterday
        if day != expected:
            break
        count += 1
        expected = day - timedelta(days=1)
    return count
