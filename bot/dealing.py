"""Which variant to deal: pure functions over the library and a member's history (no I/O).

A review card belongs to a member x concept family. When it falls due, the member gets a
variant of the family they have not seen, else the one seen longest ago, and never the one
that made the card (unless the family has only that one), so a review tests the idea in a
snippet they must read again, not the wording they remember. A new drill comes from a family
the member has no card for; right after a wrong answer, preferably one that targets the
misconception they just chose.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.content.loader import Library
from bot.content.models import Drill, Family, Tier
from bot.store import PastAnswer


@dataclass(frozen=True)
class History:
    """What dealing reads of a member's answers: when each drill was last answered, and the trap
    that steers the next new drill (the misconception of the latest wrong answer, until a new
    family has been answered right since)."""

    seen: Mapping[str, datetime]
    trap: str | None = None

    @classmethod
    def of(cls, answers: Sequence[PastAnswer], library: Library) -> History:
        seen: dict[str, datetime] = {}
        families: set[str] = set()
        trap = None
        for answer in answers:  # oldest first: the latest time of each drill wins
            seen[answer.drill_id] = answer.answered_at
            family = library.family_of(answer.drill_id)
            new = family not in families
            families.add(family)
            if not answer.correct:
                # A review answered wrong steers too: it is the belief the member holds now.
                trap = library.picked_misconception(answer.drill_id, answer.option_index)
            elif new:
                trap = None  # the steered (or any) new drill was dealt and answered right: done
        return cls(seen=seen, trap=trap)


def pick_variant(variants: Sequence[Drill], seen: Mapping[str, datetime], *, avoid: str | None,
                 rng: random.Random) -> Drill:
    """An unseen variant at random, else the one seen longest ago; never `avoid` while another exists."""
    others = [d for d in variants if d.id != avoid] or list(variants)
    unseen = [d for d in others if d.id not in seen]
    if unseen:
        return rng.choice(unseen)
    return min(others, key=lambda d: (seen[d.id], d.id))


def pick_new_family(unseen: Mapping[str, Sequence[Drill]], *, target: Tier, trap: str | None,
                    families: Mapping[str, Family], rng: random.Random) -> tuple[str, bool] | None:
    """A family the member has no card for, and whether it was steered by `trap`.

    The tier rule: the tier being climbed first, then the tiers above it, then the ones below.
    A steered pick stays within it and never goes above the tier being climbed: it takes the
    highest tier at or below `target` that has an unseen family targeting the trap.
    """
    if not unseen:
        return None
    if trap is not None:
        aimed = [f for f, variants in unseen.items()
                 if f in families and families[f].targets == trap and variants[0].tier.rank <= target.rank]
        if aimed:
            top = max(unseen[f][0].tier.rank for f in aimed)
            return rng.choice(sorted(f for f in aimed if unseen[f][0].tier.rank == top)), True
    ranked = sorted({v[0].tier for v in unseen.values()},
                    key=lambda t: (t.rank < target.rank, abs(t.rank - target.rank)))
    return rng.choice(sorted(f for f, v in unseen.items() if v[0].tier is ranked[0])), False
