"""A member's standing for feedback (held families per tier, streak), advanced answer by answer.

Every answer's feedback shows the altitude line and the streak. Recomputing them walks every
card and every recent answer; after one new answer only one card changed, and time only
matters when a held card's retention falls through the threshold. So the engine keeps a
Standing per member and advances it with the one new card, and recomputes in full when the
snapshot moved by more than that answer, the library changed, or a held card may have lapsed.
`stats` always computes in full (`compute`); a test keeps both paths equal over random histories.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot import srs, streaks
from bot.content.loader import Library
from bot.content.models import Tier
from bot.store import CardState

_FOREVER = datetime.max.replace(tzinfo=ZoneInfo("UTC"))


class Standing(NamedTuple):
    """Immutable; a NamedTuple rather than a frozen dataclass because it is built on every answer."""

    answered: int  # the snapshot's answer count this reflects
    held: Mapping[Tier, int]  # shared between standings while unchanged: never mutate
    held_ids: frozenset[str]
    valid_until: datetime  # no held card can lapse before this instant
    run_end: date | None  # local day of the latest answer
    run_len: int  # consecutive local days with answers, ending at run_end
    zone: str
    generation: int

    def streak(self, now: datetime) -> int:
        """The streak as people see it: alive while the latest answer is from today or yesterday."""
        return streaks.alive(self.run_end, self.run_len, now.astimezone(ZoneInfo(self.zone)).date())


@cache
def _horizon(hold: float) -> float:
    return srs.hold_horizon(hold)


def _safe_until(card: CardState, hold: float) -> datetime:
    """An instant before which a held card surely still holds (a day early, against float error)."""
    assert card.last_review is not None and card.stability is not None
    # Capped at a century: a huge stability must not overflow datetime (an early recompute is harmless).
    days = min(math.floor(card.stability * _horizon(hold)), 36_500)
    return card.last_review + timedelta(days=days)


def _active_tier(library: Library, family_id: str) -> Tier | None:
    """The tier of a family with an active variant (variants share it); None when none is active."""
    variants = library.variants(family_id)
    return variants[0].tier if variants else None


def _any_tier(library: Library, family_id: str) -> Tier:
    """The tier a family had, active or not (a held card whose last variant was just retracted)."""
    family = library.families.get(family_id)
    drill = library.get(family_id)
    return family.tier if family is not None else drill.tier if drill is not None else Tier.junior


def compute(cards: Iterable[CardState], recent: Iterable[datetime], *, answered: int, library: Library,
            now: datetime, hold: float, zone: str, generation: int) -> Standing:
    """The full computation, with fsrs deciding every card."""
    held = dict.fromkeys(Tier, 0)
    ids, until = set(), _FOREVER
    for card in cards:
        tier = _active_tier(library, card.family_id)
        if tier is not None and srs.holds(card, now, min_retrievability=hold):
            held[tier] += 1
            ids.add(card.family_id)
            until = min(until, _safe_until(card, hold))
    tz = ZoneInfo(zone)
    run_end, run_len = streaks.latest_run(recent, tz, until=now.astimezone(tz).date())
    return Standing(answered=answered, held=held, held_ids=frozenset(ids), valid_until=until, run_end=run_end,
                    run_len=run_len, zone=zone, generation=generation)


def advance(prev: Standing, card: CardState, answered_at: datetime, *, answered: int, library: Library,
            now: datetime, hold: float, zone: str, generation: int) -> Standing | None:
    """`prev` plus one new answer (whose card is `card`); None when only a full compute is exact."""
    if (answered != prev.answered + 1 or now >= prev.valid_until or zone != prev.zone
            or generation != prev.generation):
        return None
    day = answered_at.astimezone(ZoneInfo(zone)).date()
    if prev.run_end is None or day == prev.run_end + timedelta(days=1):
        run_end, run_len = day, prev.run_len + 1 if prev.run_end is not None else 1
    elif day == prev.run_end:
        run_end, run_len = prev.run_end, prev.run_len
    elif day > prev.run_end:
        run_end, run_len = day, 1
    else:
        return None  # an answer dated before the latest one: let the full walk sort it out
    held, ids, until = prev.held, prev.held_ids, prev.valid_until
    family_id = card.family_id
    tier = _active_tier(library, family_id)
    was_held = family_id in ids
    holds = tier is not None and srs.holds(card, now, min_retrievability=hold)
    if was_held != holds:  # copy only what changes: most answers leave the held set as it was
        held = dict(held)
        if was_held:
            ids = ids - {family_id}
            held[tier or _any_tier(library, family_id)] -= 1
        else:
            ids = ids | {family_id}
            held[tier] += 1  # type: ignore[index]
    if holds:
        until = min(until, _safe_until(card, hold))
    return Standing(answered, held, ids, until, run_end, run_len, zone, generation)
