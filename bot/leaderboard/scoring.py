"""Board scoring as pure functions: points per answer, daily allowances, ranking, altitude."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import altitude
from bot.content.models import Tier
from bot.messages import Level

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestRules:
    """What fixes an answer's points: drill tiers, the daily on-demand allowance, the default zone."""

    tiers: Mapping[str, Tier]
    on_demand_per_day: int
    default_tz: str = "UTC"
    _zones: dict[str | None, ZoneInfo] = field(default_factory=dict, compare=False, repr=False)

    def zone(self, name: str | None) -> ZoneInfo:
        found = self._zones.get(name)
        if found is None:
            found = self._zones[name] = _zone(name, self.default_tz)
        return found


def _zone(name: str | None, default: str) -> ZoneInfo:
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("unknown time zone %r on a member; using %s", candidate, default)
    return ZoneInfo("UTC")

# The score rewards knowing, not speed: a right first answer earns its drill's tier weight,
# a passed review earns REVIEW_POINTS (the tier points were earned the first time).
TIER_WEIGHTS: Mapping[Tier, int] = {Tier.junior: 1, Tier.middle: 2, Tier.senior: 3}
REVIEW_POINTS = 1
# A drill missing from the packs (deleted YAML) still has answers; they score as junior.
UNKNOWN_TIER_WEIGHT = 1


@dataclass(frozen=True)
class AnswerScore:
    """What one answer adds to the board. `counted` False: practice beyond the day's allowance."""

    counted: bool
    points: int
    review_pass: bool


def allowance(kind: str, drill_id: str, *, on_demand_per_day: int) -> tuple[str, int] | None:
    """The daily bucket an answer draws from and its size, or None when it is not rationed.

    On-demand drills count at most `on_demand_per_day` a local day, so `/drill` cannot farm
    the board; a review counts once per drill a day, so missing one on purpose and asking
    again cannot farm review points. Channel drills come once a day and are never rationed.
    """
    if kind == "on_demand":
        return "on_demand", on_demand_per_day
    if kind == "review":
        return f"review:{drill_id}", 1
    return None


def score_answer(kind: str, correct: bool, tier: Tier | None, *, within_allowance: bool = True) -> AnswerScore:
    """Points for one first answer to a delivery (repeats never reach here: answers are unique)."""
    if not within_allowance:
        return AnswerScore(counted=False, points=0, review_pass=False)
    if kind == "review":
        return AnswerScore(counted=True, points=REVIEW_POINTS if correct else 0, review_pass=correct)
    weight = TIER_WEIGHTS[tier] if tier is not None else UNKNOWN_TIER_WEIGHT
    return AnswerScore(counted=True, points=weight if correct else 0, review_pass=False)


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One member's sums over a period, before ranking."""

    member_id: str
    name: str
    points: int
    answered: int
    correct: int
    reviews: int

    @property
    def accuracy(self) -> float:
        # Equal ratios give the same correctly rounded float, and distinct ratios with
        # denominators below 10**7 stay distinct, so floats rank and tie exactly here.
        return self.correct / self.answered if self.answered else 0.0


class Ranked(NamedTuple):
    """A board row with its place (a NamedTuple: a board builds thousands of them)."""

    rank: int
    row: BoardRow


def rank_rows(rows: Iterable[BoardRow]) -> list[Ranked]:
    """Order by score, then accuracy, then name (for a stable order); equal score and accuracy share a rank."""
    keyed = sorted(((-r.points, -(r.correct / r.answered), r.name.casefold(), r.member_id), r) for r in rows if r.answered > 0)
    return rank_sorted([row for _, row in keyed])


def rank_sorted(rows: Sequence[BoardRow]) -> list[Ranked]:
    """Ranks for rows already in board order (the store sorts in SQL, the same order as rank_rows)."""
    out: list[Ranked] = []
    previous: tuple[int, int, int] | None = None
    rank = 0
    for i, row in enumerate(rows):
        # Equal ratios compared exactly: correct/answered == c/a  <=>  correct * a == c * answered.
        if previous is None or row.points != previous[0] or row.correct * previous[2] != previous[1] * row.answered:
            rank, previous = i + 1, (row.points, row.correct, row.answered)
        out.append(Ranked(rank=rank, row=row))
    return out


def level_from_held(held: Mapping[Tier, int], totals: Mapping[Tier, int], *,
                    threshold: float = 0.6, orbit: float = 0.9) -> Level:
    """Altitude from held-drill counts per tier, by the same rule as the engine (bot.altitude)."""
    mastery = {t: (held.get(t, 0) / totals[t]) if totals.get(t) else 0.0 for t in Tier}
    return altitude.level_for(mastery, threshold=threshold, orbit=orbit)
