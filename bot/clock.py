"""Clocks: the system clock in production, a settable one in tests; always aware UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant as a timezone-aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that only moves when told to, so tests never wait on the wall clock."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = when.astimezone(timezone.utc)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


def to_utc(value: datetime) -> datetime:
    """Normalize an aware datetime to UTC; refuse naive ones instead of guessing."""
    if value.tzinfo is timezone.utc:  # the usual case (records hold UTC): it runs several times per answer
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return value.astimezone(timezone.utc)


def iso(value: datetime) -> str:
    """The storage form of an instant: ISO 8601 in UTC, sortable as text."""
    return to_utc(value).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)
