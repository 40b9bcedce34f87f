"""Board periods: calendar weeks (Monday first) and months in the scope's local time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import to_utc

# Words a member may type after `/drill leaderboard`; `season` and `all` are not calendar periods.
CALENDAR = ("week", "last-week", "month", "last-month")
PERIODS = (*CALENDAR, "season", "all")
ALIASES = {"weekly": "week", "lastweek": "last-week", "monthly": "month", "lastmonth": "last-month",
           "alltime": "all", "all-time": "all", "ever": "all"}


@dataclass(frozen=True)
class Window:
    """A half-open span [start, end) of aware UTC instants; None means unbounded on that side."""

    start: datetime | None
    end: datetime | None
    label: str

    def contains(self, when: datetime) -> bool:
        when = to_utc(when)
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)


def normalize(word: str) -> str | None:
    """The period a word names, or None when it names none."""
    word = word.strip().lower()
    word = ALIASES.get(word, word)
    return word if word in PERIODS else None


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local calendar day, in UTC.

    Where DST skips midnight (e.g. America/Santiago) the wall time does not exist; zoneinfo
    then reads it with the offset before the jump, which lands on the day's first real instant.
    """
    return to_utc(datetime.combine(day, time(0), tzinfo=zone))


def calendar_window(kind: str, now: datetime, zone: ZoneInfo) -> Window:
    """The week or month containing `now` (or the one before it), with local midnight boundaries."""
    today = to_utc(now).astimezone(zone).date()
    if kind in ("week", "last-week"):
        monday = today - timedelta(days=today.weekday())
        if kind == "last-week":
            monday -= timedelta(days=7)
        sunday = monday + timedelta(days=6)
        label = f"{'Last week' if kind == 'last-week' else 'This week'} · {_short(monday)} – {_short(sunday)}"
        return Window(local_midnight(monday, zone), local_midnight(monday + timedelta(days=7), zone), label)
    if kind in ("month", "last-month"):
        first = today.replace(day=1)
        if kind == "last-month":
            first = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Window(local_midnight(first, zone), local_midnight(following, zone), first.strftime("%B %Y"))
    if kind == "all":
        return Window(None, None, "All time")
    raise ValueError(f"not a calendar period: {kind!r}")


def _short(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
