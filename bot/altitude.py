"""Altitude: a pure function from per-tier mastery to a level and a progress line (design.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.content.models import Tier
from bot.messages import Level, TierProgress

TIER_LEVEL = {Tier.junior: Level.junior, Tier.middle: Level.middle, Tier.senior: Level.senior}


def level_for(mastery: Mapping[Tier, float], *, threshold: float = 0.6, orbit: float = 0.9) -> Level:
    """Zero until junior >= threshold; then each tier in order; In orbit when all >= orbit.

    A tier with no active drills counts as not mastered, so an empty pack never flies.
    """
    if all(mastery.get(t, 0.0) >= orbit for t in Tier):
        return Level.orbit
    level = Level.zero
    for tier in Tier:
        if mastery.get(tier, 0.0) >= threshold:
            level = TIER_LEVEL[tier]
        else:
            break
    return level


def target_tier(level: Level) -> Tier:
    """The tier a member at `level` is climbing: the first one not yet mastered."""
    return {Level.zero: Tier.junior, Level.junior: Tier.middle}.get(level, Tier.senior)


def progress_line(tiers: list[TierProgress], level: Level, *, threshold: float = 0.6, orbit: float = 0.9) -> str:
    """One line on what it takes to reach the next level, e.g. 'Climbing toward Senior: 7 of 12 middle concepts held'."""
    by_tier = {t.tier: t for t in tiers}
    if level is Level.orbit:
        weakest = min(tiers, key=lambda t: t.mastery)
        return f"In orbit: keep reviews coming ({weakest.held} of {weakest.total} {weakest.tier} concepts held)"
    if level is Level.senior:
        needs = [t for t in tiers if t.mastery < orbit]
        parts = ", ".join(f"{t.held} of {t.total} {t.tier} (need {_need(t.total, orbit)})" for t in needs)
        return f"Climbing toward In orbit: {parts} concepts held"
    tier = target_tier(level)
    t = by_tier[tier.value]
    nxt = TIER_LEVEL[tier].value
    # A member can hold middle drills before junior is done: the gate is the lowest unmet tier.
    for lower in Tier:
        p = by_tier[lower.value]
        if p.mastery < threshold:
            t = p
            break
    return f"Climbing toward {nxt}: {t.held} of {t.total} {t.tier} concepts held (need {_need(t.total, threshold)})"


def _need(total: int, fraction: float) -> int:
    return max(1, math.ceil(total * fraction - 1e-9)) if total else 0
