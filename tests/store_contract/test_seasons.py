"""Seasons on every backend: two processes starting one at once, and the database's own refusal of a second open one."""

from __future__ import annotations

import asyncio

import pytest

from bot.content.models import Tier
from bot.leaderboard.scoring import IngestRules
from bot.leaderboard.seasons import SeasonError
from bot.store import StoreConflict
from tests.conftest import T0

RULES = IngestRules(tiers={"d1": Tier.junior}, on_demand_per_day=3)


async def test_two_processes_starting_a_season_at_once_open_one(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        results = await asyncio.gather(
            a.seasons.start("slack", "T1", "Spring", now=T0, by=None, rules=RULES),
            b.seasons.start("slack", "T1", "Summer", now=T0, by=None, rules=RULES), return_exceptions=True)
        won = [r for r in results if not isinstance(r, BaseException)]
        lost = [r for r in results if isinstance(r, BaseException)]
        assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], (SeasonError, StoreConflict)), results
        assert [s.name for s in await b.seasons.list("slack", "T1")] == [won[0].name]
    finally:
        await a.close()
        await b.close()


async def test_the_database_itself_refuses_a_second_open_season(stores) -> None:  # type: ignore[no-untyped-def]
    await stores.seasons.start("slack", "T1", "Spring", now=T0, by=None, rules=RULES)
    with pytest.raises(stores.core.db.dialect.integrity_errors):
        async with stores.core.db.transaction() as conn:
            await conn.execute("INSERT INTO seasons (id, platform, space, name, started_at) VALUES ('x', ?, ?, 'C', '2026')",
                               ("slack", "T1"))
    assert [s.name for s in await stores.seasons.list("slack", "T1")] == ["Spring"]
