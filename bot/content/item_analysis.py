"""Item analysis of recorded answers: difficulty, option spread, point-biserial discrimination."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

TOO_EASY = 0.95
TOO_HARD = 0.20
MIN_ATTEMPTS = 5  # below this, a flag would be noise


@dataclass(frozen=True)
class Response:
    """One member's first answer to one drill."""

    member: str
    drill_id: str
    option_index: int
    correct: bool
    guessed: bool = False  # a right answer the member called a guess


@dataclass
class ItemStats:
    drill_id: str
    attempts: int
    right: int
    guessed: int = 0
    options: Counter[int] = field(default_factory=Counter)
    discrimination: float | None = None
    flags: tuple[str, ...] = ()

    @property
    def p_right(self) -> float:
        return self.right / self.attempts if self.attempts else 0.0

    @property
    def guess_rate(self) -> float | None:
        """Of the right first answers, the share the members called guesses (None without any)."""
        return self.guessed / self.right if self.right else None


def first_responses(rows: Iterable[Response]) -> list[Response]:
    """Keep each member's first answer per drill (rows in answer order); reviews are not items."""
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        key = (row.member, row.drill_id)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def point_biserial(scores: list[int], totals: list[float]) -> float | None:
    """r_pb = (M1 - M0) / s * sqrt(p * q), s the population standard deviation of `totals`."""
    n = len(scores)
    right = [t for s, t in zip(scores, totals) if s]
    wrong = [t for s, t in zip(scores, totals) if not s]
    if n < 2 or not right or not wrong:
        return None
    mean = sum(totals) / n
    sd = math.sqrt(sum((t - mean) ** 2 for t in totals) / n)
    if sd == 0:
        return None
    p = len(right) / n
    return (sum(right) / len(right) - sum(wrong) / len(wrong)) / sd * math.sqrt(p * (1 - p))


def analyse(rows: Iterable[Response]) -> dict[str, ItemStats]:
    """Per drill: attempts, % right, option counts, discrimination against each member's rest score.

    The criterion is the member's accuracy on *other* drills (a corrected item-total), so an
    item does not correlate with itself; a negative value suggests a wrong answer key.
    """
    responses = first_responses(rows)
    by_member: dict[str, list[Response]] = defaultdict(list)
    for r in responses:
        by_member[r.member].append(r)
    totals = {m: (sum(r.correct for r in rs), len(rs)) for m, rs in by_member.items()}
    items: dict[str, ItemStats] = {}
    scored: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
    for r in responses:
        item = items.setdefault(r.drill_id, ItemStats(drill_id=r.drill_id, attempts=0, right=0))
        item.attempts += 1
        item.right += int(r.correct)
        item.guessed += int(r.correct and r.guessed)
        item.options[r.option_index] += 1
        right, count = totals[r.member]
        if count > 1:  # a member with only this answer has no rest score
            rest = (right - int(r.correct)) / (count - 1)
            scored[r.drill_id][0].append(int(r.correct))
            scored[r.drill_id][1].append(rest)
    for drill_id, item in items.items():
        item.discrimination = point_biserial(*scored[drill_id])
        item.flags = _flags(item)
    return items


def _flags(item: ItemStats) -> tuple[str, ...]:
    if item.attempts < MIN_ATTEMPTS:
        return ()
    flags = []
    if item.p_right > TOO_EASY:
        flags.append("too easy")
    if item.p_right < TOO_HARD:
        flags.append("too hard")
    if item.discrimination is not None and item.discrimination < 0:
        flags.append("negative discrimination: check the answer key")
    return tuple(flags)
