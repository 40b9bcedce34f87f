"""Seasons: leads start and end them per scope; a past season keeps the board it finished with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.leaderboard import BoardError

NAME_MAX = 40


class SeasonError(BoardError):
    """A season cannot be started or ended as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Season:
    id: str
    platform: str
    space: str
    name: str
    started_at: datetime
    ended_at: datetime | None
    started_by: str

    @property
    def open(self) -> bool:
        return self.ended_at is None


def clean_name(name: str) -> str:
    """A season name as typed, trimmed; refuse what would not read well on a board."""
    name = " ".join(name.split())
    if not name:
        raise SeasonError('Name the season, e.g. `/drill season start "Q1 2026"`.')
    if len(name) > NAME_MAX:
        raise SeasonError(f"A season name has at most {NAME_MAX} characters; “{name[:NAME_MAX]}…” is {len(name)}.")
    return name
