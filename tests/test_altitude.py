"""Altitude as a pure function (table tests), and through the engine as reviews lapse."""

from __future__ import annotations


import pytest

from bot.altitude import level_for, progress_line, target_tier
from bot.content.models import Tier
from bot.messages import Level, MemberRef, TierProgress

J, M, S = Tier.junior, Tier.middle, Tier.senior


@pytest.mark.parametrize(
    ("junior", "middle", "senior", "level"),
    [
        (0.0, 0.0, 0.0, Level.zero),
        (0.59, 1.0, 1.0, Level.zero),  # the climb is gated by the lowest tier
        (0.6, 0.0, 0.0, Level.junior),
        (0.6, 0.59, 1.0, Level.junior),
        (0.6, 0.6, 0.0, Level.middle),
        (0.6, 0.6, 0.6, Level.senior),
        (0.9, 0.9, 0.89, Level.senior),
        (0.9, 0.9, 0.9, Level.orbit),
        (1.0, 1.0, 1.0, Level.orbit),
    ],
)
def test_level_table(junior: float, middle: float, senior: float, level: Level) -> None:
    assert level_for({J: junior, M: middle, S: senior}) is level


def test_thresholds_are_settings() -> None:
    assert level_for({J: 0.5, M: 0, S: 0}, threshold=0.5) is Level.junior
    assert level_for({J: 0.8, M: 0.8, S: 0.8}, orbit=0.8) is Level.orbit


def test_empty_tier_never_counts_as_mastered() -> None:
    assert level_for({J: 1.0, M: 1.0}) is Level.middle


def test_target_tier_follows_level() -> None:
    assert [target_tier(lv) for lv in Level] == [J, M, S, S, S]


def test_progress_line_names_the_gate() -> None:
    tiers = [TierProgress(tier="junior", held=8, total=12), TierProgress(tier="middle", held=7, total=16),
             TierProgress(tier="senior", held=0, total=12)]
    assert progress_line(tiers, Level.junior) == "Climbing toward Middle: 7 of 16 middle concepts held (need 10)"
    tiers[1] = TierProgress(tier="middle", held=10, total=16)
    assert progress_line(tiers, Level.middle) == "Climbing toward Senior: 0 of 12 senior concepts held (need 8)"


@pytest.fixture
async def small_app(tmp_path, clock, settings):  # type: ignore[no-untyped-def]
    import random

    from bot.content.loader import load_library
    from bot.runtime import open_app
    from tests.drillgen import write_pack

    write_pack(tmp_path / "pack", {"junior": 2, "middle": 2, "senior": 2})
    app = await open_app(settings, clock=clock, library=load_library([tmp_path / "pack"]))
    app.engine.rng = random.Random(3)
    yield app
    await app.close()


async def _answer_right(app, member: MemberRef) -> str:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(member)
    best = next(o.letter for o in card.options if o.text.endswith("best fix"))
    fb = await app.engine.answer(member, card.delivery_id, best)
    assert fb.correct
    return card.drill_id


async def test_altitude_climbs_then_goes_down_when_reviews_lapse(small_app, clock) -> None:  # type: ignore[no-untyped-def]
    member = MemberRef(platform="console", space="local", user_id="ana")
    for _ in range(6):
        await _answer_right(small_app, member)
    stats = await small_app.engine.stats(member)
    assert stats.level is Level.orbit and stats.streak_days == 1
    clock.advance(days=8)  # nothing reviewed: FSRS retrievability falls below 0.8 on every drill
    stats = await small_app.engine.stats(member)
    assert stats.level is Level.zero, "altitude is what you still know, not what you once clicked"
    assert stats.reviews_due == 6 and stats.streak_days == 0
