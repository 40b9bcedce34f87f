"""Seasons: start, end, list, one open per scope (also across processes), and past seasons stay viewable."""

from __future__ import annotations

import sqlite3

import pytest

from bot.commands import CommandContext
from bot.leaderboard.seasons import SeasonError
from bot.leaderboard.service import Leaderboards
from bot.messages import Notice, Table
from bot.runtime import open_app
from tests.leaderboard.boardkit import ANA, BO, PLATFORM, SPACE, Kit

LEAD = CommandContext(member=ANA, channel="C1", is_lead=True)
MEMBER = CommandContext(member=BO, channel="C1")


async def test_season_archive_through_the_router(kit: Kit, app, clock) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(BO, "senior-1")                         # before the season: not counted in it
    started = await app.router.handle(LEAD, 'season start "Q1 2026"')
    assert isinstance(started, Notice) and "Q1 2026" in started.text and started.level == "info"
    refused = await app.router.handle(LEAD, "season start Q2")
    assert refused.level == "warning" and "still open" in refused.text
    clock.advance(days=1)
    await kit.drill_once(BO, "junior-1")
    await kit.drill_once(ANA, "middle-1")
    board = await app.router.handle(MEMBER, "leaderboard season")
    assert isinstance(board, Table) and board.title.startswith("Leaderboard · Season “Q1 2026”")
    assert {r[1].removesuffix(" (you)"): r[3] for r in board.rows} == {"ana": "2", "bo": "1"}
    ended = await app.router.handle(LEAD, "season end")
    assert "has ended" in ended.text
    assert (await app.router.handle(LEAD, "season end")).level == "warning"
    await kit.drill_once(BO, "senior-2")                         # after the end: the past season is frozen
    assert await app.router.handle(LEAD, "season start Q2") is not None
    past = await kit.rows("season", season_name="q1 2026")      # names match case-insensitively
    assert {n: r["score"] for n, r in past.items()} == {"ana": "2", "bo": "1"}
    current = await kit.rows("season")
    assert current == {}
    listing = await app.router.handle(MEMBER, "season list")
    assert isinstance(listing, Table)
    assert [(r[0], r[2] == "open", r[3]) for r in listing.rows] == [("Q2", True, "ana"), ("Q1 2026", False, "ana")]


async def test_a_season_name_is_used_once_per_scope(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    boards = Leaderboards(app)
    await boards.start_season(PLATFORM, SPACE, "Spring", by=None)
    await boards.end_season(PLATFORM, SPACE, by=None)
    with pytest.raises(SeasonError, match="already was a season"):
        await boards.start_season(PLATFORM, SPACE, "spring", by=None)
    with pytest.raises(SeasonError, match="at most 40"):
        await boards.start_season(PLATFORM, SPACE, "x" * 41, by=None)
    await boards.start_season("discord", "G1", "Spring", by=None)  # another scope may reuse it


@pytest.mark.sqlite_only("its last step hits the SQLite schema's unique index with a raw INSERT (sqlite3.IntegrityError)")
async def test_one_open_season_across_processes(app, settings, clock, board_library, db_path) -> None:  # type: ignore[no-untyped-def]
    other = await open_app(settings, clock=clock, library=board_library)   # a second process on the same file
    try:
        await Leaderboards(app).start_season(PLATFORM, SPACE, "A", by=None)
        with pytest.raises(SeasonError, match="still open"):
            await Leaderboards(other).start_season(PLATFORM, SPACE, "B", by=None)
    finally:
        await other.close()
    with sqlite3.connect(db_path) as conn, pytest.raises(sqlite3.IntegrityError):
        # The database itself refuses a second open season, whatever code path tries.
        conn.execute("INSERT INTO seasons (id, platform, space, name, started_at) VALUES ('x', ?, ?, 'C', '2026')",
                     (PLATFORM, SPACE))


async def test_leaderboard_season_without_any_season(app) -> None:  # type: ignore[no-untyped-def]
    reply = await app.router.handle(MEMBER, "leaderboard season")
    assert isinstance(reply, Notice) and "No season yet" in reply.text
    reply = await app.router.handle(MEMBER, "leaderboard season Nope")
    assert isinstance(reply, Notice) and "no season called “Nope”" in reply.text


async def test_a_member_forgotten_after_starting_a_season_leaves_it_intact(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    await app.router.handle(LEAD, "season start S")
    await kit.drill_once(BO, "junior-1")
    await app.router.handle(CommandContext(member=ANA, channel="C1"), "forget-me confirm")
    listing = await app.router.handle(MEMBER, "season list")
    assert listing.rows[0][0] == "S" and listing.rows[0][3] == "the CLI"   # no name left for a forgotten lead
    assert (await kit.rows("season"))["bo"]["score"] == "1"
