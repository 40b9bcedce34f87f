"""Streaks count local calendar days, across time zones and DST changes."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.streaks import streak

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
LA = ZoneInfo("America/Los_Angeles")


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def test_consecutive_days_in_utc() -> None:
    answers = [at(2026, 3, 2, 9), at(2026, 3, 3, 9), at(2026, 3, 4, 9)]
    assert streak(answers, at(2026, 3, 4, 20), ZoneInfo("UTC")) == 3


def test_streak_survives_until_today_ends() -> None:
    answers = [at(2026, 3, 2, 9), at(2026, 3, 3, 9)]
    assert streak(answers, at(2026, 3, 4, 8), ZoneInfo("UTC")) == 2, "not answered today yet: still alive"
    assert streak(answers, at(2026, 3, 5, 8), ZoneInfo("UTC")) == 0, "a whole day missed: broken"


def test_same_instants_differ_by_zone() -> None:
    # Two consecutive UTC days, but 23:30 Mar 2 and 00:30 Mar 4 in Tokyo: Mar 3 was skipped there.
    answers = [at(2026, 3, 2, 14, 30), at(2026, 3, 3, 15, 30)]
    assert streak(answers, at(2026, 3, 3, 16), ZoneInfo("UTC")) == 2
    assert streak(answers, at(2026, 3, 3, 16), TOKYO) == 1
    late = [at(2026, 3, 2, 23, 30), at(2026, 3, 3, 0, 30)]
    assert streak(late, at(2026, 3, 3, 1), ZoneInfo("UTC")) == 2
    assert streak(late, at(2026, 3, 3, 1), TOKYO) == 1, "08:30 and 09:30 on the same Tokyo day"
    assert streak(late, at(2026, 3, 3, 1), LA) == 1, "15:30 and 16:30 on the same LA day"


def test_dst_spring_forward_keeps_the_streak() -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29; the local day is 23 hours long.
    answers = [at(2026, 3, 28, 22, 30), at(2026, 3, 29, 21, 30), at(2026, 3, 30, 6, 0)]
    # local: Mar 28 23:30 CET, Mar 29 23:30 CEST, Mar 30 08:00 CEST
    assert streak(answers, at(2026, 3, 30, 7), BERLIN) == 3


def test_dst_fall_back_keeps_the_streak() -> None:
    # Berlin repeats 02:00-03:00 on 2026-10-25; the local day is 25 hours long.
    answers = [at(2026, 10, 24, 21, 59), at(2026, 10, 25, 22, 59), at(2026, 10, 26, 7)]
    # local: Oct 24 23:59 CEST, Oct 25 23:59 CET, Oct 26 08:00 CET
    assert streak(answers, at(2026, 10, 26, 8), BERLIN) == 3
    # 24-hour spans would call the second gap more than a day; calendar days do not.
    assert streak(answers[:2], at(2026, 10, 25, 23, 30), BERLIN) == 2


def test_several_answers_a_day_and_an_old_gap() -> None:
    days = [at(2026, 3, d, h) for d in (1, 2, 3, 5, 6, 7) for h in (8, 12, 20)]
    assert streak(days, at(2026, 3, 7, 21), ZoneInfo("UTC")) == 3, "Mar 4 is missing: 5, 6, 7 count"
    assert streak(list(reversed(days)), at(2026, 3, 8, 9), ZoneInfo("UTC")) == 3, "order does not matter"
    assert streak([], at(2026, 3, 8, 9), ZoneInfo("UTC")) == 0
