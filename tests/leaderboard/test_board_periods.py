"""Period boundaries in local time zones: Monday-first weeks, months, DST, and a board that honours them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tests.leaderboard.boardkit import ANA, BO, Kit
from bot.leaderboard.periods import calendar_window, normalize

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")


def test_sunday_2330_in_los_angeles_is_last_week() -> None:
    sunday_late = datetime(2026, 3, 1, 23, 30, tzinfo=LA)           # = Monday 07:30 UTC
    monday_noon = datetime(2026, 3, 2, 12, 0, tzinfo=LA)
    assert not calendar_window("week", monday_noon, LA).contains(sunday_late)
    assert calendar_window("last-week", monday_noon, LA).contains(sunday_late)
    # The same instant is already Monday in UTC: the zone decides, not the instant alone.
    assert calendar_window("week", monday_noon, ZoneInfo("UTC")).contains(sunday_late)


def test_week_starts_monday_local_midnight_and_spans_a_dst_change() -> None:
    window = calendar_window("week", datetime(2026, 3, 5, 12, tzinfo=LA), LA)   # US DST starts Sun 8 Mar
    assert window.start == datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)      # Mon 00:00 PST
    assert window.end == datetime(2026, 3, 9, 7, 0, tzinfo=timezone.utc)        # Mon 00:00 PDT
    assert window.end - window.start == timedelta(hours=167)
    assert window.label == "This week · Mon 2 Mar – Sun 8 Mar"


def test_month_boundaries_in_berlin() -> None:
    window = calendar_window("month", datetime(2026, 3, 15, tzinfo=timezone.utc), BERLIN)
    assert window.start == datetime(2026, 2, 28, 23, 0, tzinfo=timezone.utc)    # 1 Mar 00:00 CET
    assert window.end == datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)      # 1 Apr 00:00 CEST
    last = calendar_window("last-month", datetime(2026, 1, 10, tzinfo=timezone.utc), BERLIN)
    assert (last.label, last.start) == ("December 2025", datetime(2025, 11, 30, 23, 0, tzinfo=timezone.utc))
    assert calendar_window("all", datetime(2026, 1, 1, tzinfo=timezone.utc), BERLIN).start is None


def test_period_words() -> None:
    assert [normalize(w) for w in ("Week", "lastweek", "monthly", "all-time", "season", "fortnight")] == [
        "week", "last-week", "month", "all", "season", None]


async def test_board_counts_the_sunday_answer_in_last_week(app, clock) -> None:  # type: ignore[no-untyped-def]
    app.settings = app.settings.model_copy(update={"tz": "America/Los_Angeles"})
    kit = Kit(app)
    clock.set(datetime(2026, 3, 1, 23, 30, tzinfo=LA))
    await kit.drill_once(ANA, "junior-1")
    clock.set(datetime(2026, 3, 2, 0, 30, tzinfo=LA))
    await kit.drill_once(BO, "junior-2")
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=LA))
    assert set(await kit.rows("week")) == {"bo"}
    assert set(await kit.rows("last-week")) == {"ana"}
    assert set(await kit.rows("all")) == {"ana", "bo"}
