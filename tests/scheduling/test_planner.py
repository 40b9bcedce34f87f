"""Pure rules: parsing what a lead types, local slots across DST, drill choice, review windows."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.content.models import Tier
from bot.scheduling import planner
from bot.scheduling.models import Schedule, ScheduleInputError, ScheduleSpec, days_label, parse_days

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def schedule(at: str = "09:30", tz: str = "Europe/Berlin", days: str = "mon-fri", window: str = "8") -> Schedule:
    spec = ScheduleSpec.parse(at=at, tz=tz, days=days, window=window)
    set_at = datetime(2026, 1, 1, tzinfo=UTC)
    return Schedule(id="s1", platform="slack", space="T1", channel="C1", at=spec.at, tz=spec.tz, days=spec.days,
                    window_minutes=spec.window_minutes, created_at=set_at, updated_at=set_at)


@pytest.mark.parametrize(("text", "days"), [
    ("mon-fri", (0, 1, 2, 3, 4)), ("fri-mon", (0, 4, 5, 6)), ("mon,wed, fri", (0, 2, 4)), ("daily", tuple(range(7))),
    ("Weekends", (5, 6)), ("tues-thurs", (1, 2, 3)), ("sunday", (6,)), (None, (0, 1, 2, 3, 4)),
])
def test_day_lists(text, days) -> None:  # type: ignore[no-untyped-def]
    assert parse_days(text) == days


@pytest.mark.parametrize(("fields", "field"), [
    ({"at": "24:00"}, "at"), ({"at": "9.30"}, "at"), ({"tz": "Mars/Olympus"}, "tz"), ({"tz": ""}, "tz"),
    ({"days": "mo"}, "days"), ({"days": "mon-fri-sat"}, "days"), ({"days": ","}, "days"),
    ({"window": "0.1"}, "window"), ({"window": "nan"}, "window"), ({"window": "24"}, "window"),
    ({"window": "0.2499"}, "window"), ({"window": "1e308"}, "window"), ({"window": "23.001"}, "window"),
])
def test_bad_fields_are_named(fields, field) -> None:  # type: ignore[no-untyped-def]
    args = {"at": "09:30", "tz": "UTC", "days": "mon-fri", "window": "8", **fields}
    with pytest.raises(ScheduleInputError) as err:
        ScheduleSpec.parse(**args)
    assert err.value.field == field and str(err.value).startswith(f"{field}: ")


def test_labels() -> None:
    assert [days_label(parse_days(d)) for d in ("mon-fri", "mon,wed,fri", "daily", "sat-sun")] == [
        "Mon–Fri", "Mon, Wed, Fri", "every day", "Sat, Sun"]
    assert schedule(window="1.5").describe() == "09:30 Europe/Berlin, Mon–Fri, reveal after 1 h 30 min"


def test_due_slot_is_today_between_the_post_time_and_the_window_close() -> None:
    s = schedule()
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    assert planner.due_slot(s, monday.replace(hour=8, minute=29)) is None
    slot = planner.due_slot(s, monday.replace(hour=8, minute=30))
    assert slot == planner.Slot(date(2026, 3, 2), monday.replace(hour=8, minute=30), monday.replace(hour=16, minute=30))
    assert planner.due_slot(s, monday.replace(hour=16, minute=29)) == slot
    assert planner.due_slot(s, monday.replace(hour=16, minute=30)) is None
    assert planner.due_slot(s, datetime(2026, 3, 7, 9, tzinfo=UTC)) is None  # Saturday


def test_local_instants_across_both_dst_changes() -> None:
    at = time(2, 30)
    assert planner.local_instant(date(2026, 3, 29), at, BERLIN) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert planner.local_instant(date(2026, 10, 25), at, BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    s = schedule(at="02:30", days="daily")
    assert planner.next_slot(s, datetime(2026, 3, 28, 12, tzinfo=UTC)).due_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_footers_in_local_time() -> None:
    closes = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    assert planner.reveal_footer(closes, BERLIN, closes - timedelta(hours=8)) == "answers are private · the team reveal is at 17:30"
    assert planner.reveal_footer(closes + timedelta(hours=7), BERLIN, closes) == \
        "answers are private · the team reveal is Tuesday at 00:30"
    assert planner.review_footer(datetime(2026, 2, 27, 9, tzinfo=UTC), BERLIN, closes) == "review · due since Friday"


class _Drill:
    def __init__(self, drill_id: str, tier: Tier) -> None:
        self.id, self.tier = drill_id, tier


def test_channel_drill_choice_rotates_tiers_and_repeats_nothing_within_a_cycle() -> None:
    active = [_Drill(f"{t.value}-{i}", t) for t in Tier for i in range(2)] + [_Drill("junior-9", Tier.junior)]
    history: list[tuple[str, int]] = []
    rng = random.Random(3)
    for _ in range(14):
        drill, cycle = planner.choose_channel_drill(active, history, rng)  # type: ignore[arg-type, misc]
        history.insert(0, (drill.id, cycle))
    first = [d for d, c in reversed(history) if c == 1]
    assert len(first) == len(set(first)) == 7
    assert [d for d, c in reversed(history)][7] != first[-1]
    assert [c for _, c in reversed(history)] == [1] * 7 + [2] * 7
    assert planner.choose_channel_drill([], [], rng) is None


def test_review_times_avoid_quiet_hours() -> None:
    assert planner.review_time(time(6, 30)) == time(8) and planner.review_time(time(22)) == time(8)
    assert planner.review_time(time(9, 30)) == time(9, 30)
    now = datetime(2026, 3, 2, 20, 30, tzinfo=UTC)  # 21:30 Berlin, 15:30 New York
    slots = planner.open_review_slots([("09:00", "Europe/Berlin"), ("09:00", "America/New_York"),
                                       ("16:00", "America/New_York"), ("09:00", "Not/AZone")], now, UTC)
    assert [(s.at, s.tz) for s in slots] == [("09:00", "America/New_York"), ("09:00", "Not/AZone")]
    assert slots[0].closes_at == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 21:00 in New York
