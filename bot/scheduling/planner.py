"""Pure scheduling rules: when a run is due, which drill a channel gets, when reviews may go out.

Local dates and times come from zoneinfo, so DST neither skips nor doubles a day: a local
time that does not exist (02:30 on a spring-forward day) runs at the same offset as before
the jump (03:30 new time), a time that exists twice runs at its first occurrence, and the
run is claimed per local date, so it happens once either way.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.models import Drill, Tier
from bot.scheduling.models import ReviewSlot, Schedule

# Review DMs never arrive at night in the member's zone (issue 6: not between 21:00 and 08:00).
QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
DEFAULT_REVIEW_AT = time(9, 0)
# A reveal that is this late (the bot was down when the window closed) is closed silently.
REVEAL_GRACE = timedelta(hours=12)


@dataclass(frozen=True)
class Slot:
    """One schedule's run on one local date: when it posts and when its window closes (UTC)."""

    local_date: date
    due_at: datetime
    closes_at: datetime


def zone_or(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on `day` in `zone` as UTC. fold=0: the first of a repeated time, and the
    pre-transition offset for a skipped one (02:30 on a spring-forward day → 03:30 new time)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def slot_on(schedule: Schedule, day: date) -> Slot:
    due = local_instant(day, schedule.at, schedule.zone)
    return Slot(local_date=day, due_at=due, closes_at=due + timedelta(minutes=schedule.window_minutes))


def due_slot(schedule: Schedule, now: datetime) -> Slot | None:
    """Today's slot when it should be posted now: a scheduled weekday, after its time, before
    its window closes. Catch-up is therefore same-day only: yesterday's drill is never posted.
    A schedule starts with its first slot after it was set: setting 09:30 at 10:00 posts
    tomorrow, not at once; a bot that was down at 09:30 still catches up."""
    today = now.astimezone(schedule.zone).date()
    if today.weekday() not in schedule.days:
        return None
    slot = slot_on(schedule, today)
    return slot if schedule.updated_at <= slot.due_at <= now < slot.closes_at else None


def run_now_slot(schedule: Schedule, now: datetime) -> Slot:
    """`schedule run-now`: today's local date, posted now, window from now."""
    return Slot(local_date=now.astimezone(schedule.zone).date(), due_at=now,
                closes_at=now + timedelta(minutes=schedule.window_minutes))


def next_slot(schedule: Schedule, now: datetime) -> Slot | None:
    """The next scheduled post at or after `now` (for `show` and `list`)."""
    today = now.astimezone(schedule.zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() in schedule.days:
            slot = slot_on(schedule, day)
            if slot.due_at >= now:
                return slot
    return None


def board_slot(schedule: Schedule, now: datetime) -> Slot | None:
    """The weekly board's slot when it should be posted now, by the daily drill's catch-up rule:
    the board day, after the schedule's time, before the answer window closes and before local
    midnight, and not before the board was turned on. So a bot back the same day posts it, and
    a bot back on a later day never does. `closes_at` is when a recorded post expires unsent."""
    if schedule.board_day is None or schedule.board_since is None:
        return None
    zone = schedule.zone
    today = now.astimezone(zone).date()
    if today.weekday() != schedule.board_day:
        return None
    slot = slot_on(schedule, today)
    ends = min(slot.closes_at, local_instant(today + timedelta(days=1), time(0), zone))
    if schedule.board_since <= slot.due_at <= now < ends:
        return Slot(local_date=today, due_at=slot.due_at, closes_at=ends)
    return None


def next_board_slot(schedule: Schedule, now: datetime) -> Slot | None:
    """The next weekly board post at or after `now` (for `show` and `list`)."""
    if schedule.board_day is None:
        return None
    today = now.astimezone(schedule.zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() == schedule.board_day:
            slot = slot_on(schedule, day)
            if slot.due_at >= now and (schedule.board_since is None or slot.due_at >= schedule.board_since):
                return slot
    return None


def week_of(day: date) -> date:
    """The Monday of `day`'s week: the weekly board is claimed once per schedule and local week."""
    return day - timedelta(days=day.weekday())


def reveal_footer(closes_at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """'answers are private · the team reveal is at 17:30' in the channel's local time."""
    local, today = closes_at.astimezone(zone), now.astimezone(zone).date()
    when = f"at {local:%H:%M}" if local.date() == today else f"{local:%A} at {local:%H:%M}"
    return f"answers are private · the team reveal is {when}"


def review_footer(due: datetime, zone: ZoneInfo, now: datetime) -> str:
    local = due.astimezone(zone)
    return "review · due today" if local.date() >= now.astimezone(zone).date() else f"review · due since {local:%A}"


# -- the channel's drill ------------------------------------------------------------------
def choose_channel_drill(active: Sequence[Drill], history: Sequence[tuple[str, int]],
                         rng: random.Random) -> tuple[Drill, int] | None:
    """The next drill for a channel and its cycle number.

    `history` is the channel's posted (drill_id, cycle), newest first. No drill repeats within
    a cycle; when every active drill has been posted a new cycle starts (never with the drill
    posted last). Tiers take turns: junior, middle, senior, junior, ... skipping empty tiers.
    """
    if not active:
        return None
    cycle = history[0][1] if history else 1
    used = {drill_id for drill_id, c in history if c == cycle}
    candidates = [d for d in active if d.id not in used]
    if not candidates:
        cycle += 1
        last = history[0][0] if history else None
        candidates = [d for d in active if d.id != last] or list(active)
    by_id = {d.id: d for d in active}
    last_tier = next((by_id[i].tier for i, _ in history if i in by_id), None)
    tiers = list(Tier)
    start = (tiers.index(last_tier) + 1) % len(tiers) if last_tier else 0
    for step in range(len(tiers)):
        tier = tiers[(start + step) % len(tiers)]
        pool = [d for d in candidates if d.tier is tier]
        if pool:
            return rng.choice(pool), cycle
    return None


# -- review times -------------------------------------------------------------------------
def review_time(at: time) -> time:
    """A channel time inside quiet hours moves to the morning: 06:30 or 22:00 → 08:00."""
    return at if QUIET_END <= at < QUIET_START else QUIET_END


def open_review_slots(pairs: Iterable[tuple[str, str]], now: datetime, fallback: ZoneInfo) -> list[ReviewSlot]:
    """The (review time, zone) pairs whose members may get today's batch now: after their
    review time, before quiet hours. A member who was due while the bot was down gets the
    batch on the next tick of the same day; a missed day is not made up (cards stay due)."""
    slots = []
    for at_text, tz in pairs:
        zone = zone_or(tz, fallback)
        try:
            at = review_time(time.fromisoformat(at_text))
        except ValueError:
            at = DEFAULT_REVIEW_AT
        today = now.astimezone(zone).date()
        opens, closes = local_instant(today, at, zone), local_instant(today, QUIET_START, zone)
        if opens <= now < closes:
            slots.append(ReviewSlot(at=at_text, tz=tz, local_date=today, opens_at=opens, closes_at=closes))
    return slots

