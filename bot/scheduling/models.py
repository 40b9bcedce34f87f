"""Scheduling records and the parsing of what a lead types: time, zone, days, answer window."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_ALIASES = {"daily": "mon-sun", "everyday": "mon-sun", "all": "mon-sun", "weekdays": "mon-fri",
               "weekends": "sat-sun", "weekend": "sat-sun"}
DEFAULT_DAYS = (0, 1, 2, 3, 4)
DEFAULT_WINDOW_MINUTES = 8 * 60
# The reveal ends the answer window, so it has to land on the same day or the next one.
MIN_WINDOW_MINUTES, MAX_WINDOW_MINUTES = 15, 23 * 60


class ScheduleInputError(ValueError):
    """A schedule field that does not parse; `field` names it so the user knows what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def parse_at(text: str) -> time:
    """'9:30' or '09:30' in 24-hour time."""
    match = re.fullmatch(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*", text or "")
    if not match:
        raise ScheduleInputError("at", f"{text!r} is not a time of day; use HH:MM in 24-hour time, e.g. 09:30")
    return time(int(match.group(1)), int(match.group(2)))


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def _suggest_zone(name: str) -> str | None:
    """The zone a near miss probably meant: 'berlin' → Europe/Berlin, 'Europe/Berln' → Europe/Berlin."""
    wanted = name.lower().replace(" ", "_")
    for zone in _zone_names():
        if zone.lower().rsplit("/", 1)[-1] == wanted:
            return zone
    lowered = {z.lower(): z for z in _zone_names()}
    close = difflib.get_close_matches(wanted, list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


def parse_zone(text: str) -> str:
    """An IANA zone name such as Europe/Berlin, with a suggestion for a near miss."""
    name = (text or "").strip()
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        suggestion = _suggest_zone(name) if name else None
        hint = f" (did you mean {suggestion}?)" if suggestion else ""
        raise ScheduleInputError("tz", f"{text!r} is not an IANA time zone; use a name like Europe/Berlin or UTC{hint}") from None


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(word: str) -> int | None:
    """'mon', 'tues', 'thursday' → weekday number; None for anything else."""
    if len(word) >= 3:
        for number, full in enumerate(_FULL_DAYS):
            if full.startswith(word):
                return number
    return None


def parse_days(text: str | None) -> tuple[int, ...]:
    """'mon-fri', 'mon,wed,fri', 'fri-mon', 'daily', 'weekdays' → sorted weekday numbers (Mon = 0)."""
    if text is None or not text.strip():
        return DEFAULT_DAYS
    spec = DAY_ALIASES.get(text.strip().lower(), text.strip().lower())
    days: set[int] = set()
    for part in (p for p in re.split(r"[,\s]+", spec) if p):
        ends = [_day(e) for e in part.split("-")]
        if len(ends) > 2 or None in ends:
            raise ScheduleInputError("days", f"{part!r} is not a day or a range of days; use e.g. mon-fri, mon,wed,fri or daily")
        first, last = ends[0], ends[-1]
        assert first is not None and last is not None
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    if not days:
        raise ScheduleInputError("days", f"{text!r} names no day; use e.g. mon-fri")
    return tuple(sorted(days))


def parse_window(text: str | float | None) -> int:
    """Answer window in hours ('8', '1.5') → minutes, from 15 minutes to 23 hours."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return DEFAULT_WINDOW_MINUTES
    try:
        hours = float(str(text).strip().rstrip("hH"))
        if not math.isfinite(hours):
            raise ValueError
    except ValueError:
        raise ScheduleInputError("window", f"{text!r} is not a number of hours; use e.g. 8 or 1.5") from None
    # The range is checked on the hours as typed: rounding first would let 0.2499 in as 15 minutes,
    # and 1e308 hours overflow to infinity on the way to minutes.
    if not MIN_WINDOW_MINUTES / 60 <= hours <= MAX_WINDOW_MINUTES / 60:
        raise ScheduleInputError("window", f"{text!r} hours is out of range; the answer window is 0.25 to 23 hours")
    return round(hours * 60)


def parse_board_day(text: str | None) -> int | None:
    """The weekly board's day: 'mon', 'monday' → 0; 'off' (or 'none', 'no') → None. One day only."""
    word = (text or "").strip().lower()
    if word in {"off", "none", "no"}:
        return None
    day = _day(word)
    if day is None:
        raise ScheduleInputError("board-day", f"{text!r} is not a day; use one of mon, tue, wed, thu, fri, sat, sun, "
                                              "or off")
    return day


def days_text(days: tuple[int, ...]) -> str:
    """Storage form: 'mon,tue,wed,thu,fri'."""
    return ",".join(DAY_NAMES[d] for d in days)


def days_label(days: tuple[int, ...]) -> str:
    """What a person reads: 'Mon–Fri', 'every day', 'Mon, Wed, Fri'."""
    if len(days) == 7:
        return "every day"
    if len(days) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0]].capitalize()}–{DAY_NAMES[days[-1]].capitalize()}"
    return ", ".join(DAY_NAMES[d].capitalize() for d in days)


def hours_label(minutes: int) -> str:
    return f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "") if minutes >= 60 else f"{minutes} min"


class ScheduleSpec(_Record):
    """A validated schedule as typed, before it has an id or a channel."""

    at: time
    tz: str
    days: tuple[int, ...] = DEFAULT_DAYS
    window_minutes: int = DEFAULT_WINDOW_MINUTES

    @classmethod
    def parse(cls, *, at: str, tz: str, days: str | None = None, window: str | float | None = None) -> ScheduleSpec:
        """Validate every field; the first bad one raises ScheduleInputError naming it."""
        return cls(at=parse_at(at), tz=parse_zone(tz), days=parse_days(days), window_minutes=parse_window(window))


class Schedule(_Record):
    id: str
    platform: str
    space: str
    channel: str
    at: time
    tz: str
    days: tuple[int, ...]
    window_minutes: int
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime
    board_day: int | None = None  # the weekly leaderboard post's weekday (Mon = 0); None: off
    board_here: bool = False  # True: the board counts this channel's drills only
    board_since: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def describe(self) -> str:
        """'09:30 Europe/Berlin, Mon–Fri, reveal after 8 h' (+ ', leaderboard on Mondays')."""
        board = f", {self.board_label()}" if self.board_day is not None else ""
        return f"{self.at:%H:%M} {self.tz}, {days_label(self.days)}, reveal after {hours_label(self.window_minutes)}{board}"

    def board_label(self) -> str:
        """'leaderboard on Mondays' (+ ' (this channel)'), or 'no weekly leaderboard'."""
        if self.board_day is None:
            return "no weekly leaderboard"
        return f"leaderboard on {_FULL_DAYS[self.board_day].capitalize()}s" + (" (this channel)" if self.board_here else "")


RunStatus = Literal["claimed", "ready", "revealing", "closed", "missed"]


class DailyRun(_Record):
    """One schedule's drill on one local date; claimed once through UNIQUE (schedule_id, local_date)."""

    id: str
    schedule_id: str
    local_date: date
    platform: str
    space: str
    channel: str
    status: RunStatus
    owner: str | None
    lease_until: datetime | None
    drill_id: str | None
    cycle: int | None
    delivery_id: str | None
    due_at: datetime
    closes_at: datetime
    tz: str
    claimed_at: datetime


OutboxKind = Literal["channel", "reveal", "review", "board"]
OutboxStatus = Literal["pending", "sent", "failed", "expired"]


class OutboxRow(_Record):
    """A message recorded before it is sent: the delivery to render (a board post has none: it
    is rendered from its schedule's board when sent) and where it goes."""

    id: str
    kind: OutboxKind
    delivery_id: str | None
    run_id: str | None = None
    batch_id: str | None = None
    member_id: str | None = None
    platform: str
    space: str = ""
    channel: str | None = None
    thread: str | None = None
    user_id: str | None = None
    footer: str = ""
    position: int = 0
    status: OutboxStatus = "pending"
    attempts: int = 0
    not_before: datetime
    expires_at: datetime | None = None
    message_ref: str | None = None
    last_error: str | None = None
    created_at: datetime
    schedule_id: str | None = None
    claim_key: str | None = None

    @property
    def priority(self) -> int:
        # Channel posts and reveals go before a long queue of review DMs.
        return 1 if self.kind == "review" else 0


class ReviewSlot(_Record):
    """Members whose review time is `at` in `tz`, and whether that time has come today."""

    at: str
    tz: str
    local_date: date
    opens_at: datetime
    closes_at: datetime


# Planning makes one of these for up to every member at once (100,000 in the benchmark), so it
# is a slotted dataclass, not a pydantic model.
@dataclass(frozen=True, slots=True)
class ReviewBatchPlan:
    """One member's review DMs for one local date (at most the daily cap), most overdue first:
    (family_id, due as stored)."""

    member_id: str
    slot: ReviewSlot
    cards: tuple[tuple[str, str], ...]
