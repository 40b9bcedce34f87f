"""What a board counts over: a scope (space, maybe one channel) and which season's tallies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Where a board is counted: a workspace/server, optionally one channel's drills."""

    platform: str
    space: str
    channel: str | None = None


@dataclass(frozen=True)
class SeasonRef:
    """Which season tallies to read: an open one subtracts its start rows from the totals."""

    id: str
    open: bool
