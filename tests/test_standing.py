"""The feedback's standing, advanced answer by answer, always equals the full recompute that stats uses."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.content.loader import load_library
from bot.messages import DrillCard, Feedback, MemberRef
from bot.runtime import open_app
from tests.drillgen import write_pack


@pytest.fixture
async def app(tmp_path, clock, settings):  # type: ignore[no-untyped-def]
    write_pack(tmp_path / "pack", {"junior": 4, "middle": 4, "senior": 4})
    a = await open_app(settings, clock=clock, library=load_library([tmp_path / "pack"]))
    yield a
    await a.close()


@pytest.mark.parametrize("seed", range(6))
async def test_incremental_standing_matches_full_recompute(app, clock, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    app.engine.rng = random.Random(seed)
    members = [MemberRef(platform="console", space="local", user_id=f"m{i}", tz=tz)
               for i, tz in enumerate(["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"])]
    checked = 0
    for step in range(120):
        member = rng.choice(members)
        card = await app.engine.next_drill(member)
        if not isinstance(card, DrillCard):
            clock.advance(days=rng.choice([1, 3, 9]))
            continue
        right = next(o.letter for o in card.options if o.text.endswith("best fix"))
        choice = right if rng.random() < 0.7 else next(o.letter for o in card.options if o.letter != right)
        feedback = await app.engine.answer(member, card.delivery_id, choice)
        if rng.random() < 0.1:  # a double click: the repeat must not change the standing
            feedback = await app.engine.answer(member, card.delivery_id, choice)
            assert isinstance(feedback, Feedback) and feedback.duplicate
        stats = await app.engine.stats(member)
        assert feedback.altitude_line == f"{stats.level.value} · {stats.progress_line}", (seed, step)
        assert feedback.streak_days == stats.streak_days, (seed, step)
        checked += 1
        # Time moves in the sizes that matter: minutes, a night, days (streaks break), weeks (cards lapse).
        clock.advance(rng.choice([timedelta(minutes=3), timedelta(hours=9), timedelta(days=1), timedelta(days=2),
                                  timedelta(days=8), timedelta(days=20)]))
        if step == 60 and seed % 2:
            app.library.retract(card.drill_id, "a wrong key")
    assert checked > 60
