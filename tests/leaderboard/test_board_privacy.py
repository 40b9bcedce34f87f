"""Privacy: opt-out hides a member, forget-me leaves no trace in board tables while team figures keep counts."""

from __future__ import annotations

from bot.commands import CommandContext
from tests import store_reads
from tests.leaderboard.boardkit import ANA, BO, CY, Kit, report_rows


async def _three_answers(kit: Kit) -> None:
    await kit.drill_once(ANA, "junior-1")
    await kit.drill_once(BO, "junior-2", right=False)
    await kit.drill_once(CY, "junior-3")


async def test_optout_hides_from_boards_but_not_from_team_figures(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    await _three_answers(kit)
    before = report_rows(await kit.report())["topic · compensation"]
    await app.router.handle(CommandContext(member=ANA, channel="C1"), "optout")
    rows = await kit.rows("all")
    assert set(rows) == {"bo", "cy"} and rows["cy"]["#"] == "1"
    table = await kit.board("all", viewer=ANA)
    assert "You are hidden from boards" in table.footer
    assert report_rows(await kit.report())["topic · compensation"] == before      # 3 answers, 3 members
    await app.router.handle(CommandContext(member=ANA, channel="C1"), "optin")
    assert set(await kit.rows("all")) == {"ana", "bo", "cy"}


async def test_forget_me_leaves_no_trace_and_keeps_team_counts(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    await _three_answers(kit)
    before = report_rows(await kit.report())["topic · compensation"]
    assert (before["answers"], before["members"], before["accuracy"]) == ("3", "3", "67%")
    await kit.drill_once(ANA, "junior-2")                        # not folded yet when she asks to be forgotten
    reply = await app.router.handle(CommandContext(member=ANA, channel="C1"), "forget-me confirm")
    assert "deleted" in reply.text
    await kit.drill_once(BO, "junior-1")                         # later answers still fold in
    rows = await kit.rows("all")
    assert set(rows) == {"bo", "cy"}
    after = report_rows(await kit.report())["topic · compensation"]
    assert (after["answers"], after["members"]) == ("5", "3")   # ana's answers kept, anonymously, counted once
    boards = [t for t in await store_reads.tables(app.store) if t.startswith(("board_", "season"))]
    assert boards, "the board and season tables are there to look in"
    for table in boards:
        dump = " ".join(map(str, await store_reads.rows(app.store, f"SELECT * FROM {table}")))
        assert "U-ANA" not in dump and "ana" not in dump.split(), table


async def test_anonymous_rows_never_appear_on_boards(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    await _three_answers(kit)
    await app.store.forget_member(CY.key)                        # before the board ever folded cy's answer
    rows = await kit.rows("all")
    assert set(rows) == {"ana", "bo"}
    assert not any(name.startswith("anonymous") for name in rows)
    assert report_rows(await kit.report())["topic · compensation"]["answers"] == "3"


async def test_forget_me_leaves_the_member_in_no_column_of_any_table_nor_in_the_log(kit: Kit, app, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from bot.scheduling.models import ScheduleSpec

    await _three_answers(kit)
    await app.router.handle(CommandContext(member=ANA, channel="C1"), "optout")  # a pseudonym key in the salt table
    await app.schedules.upsert_schedule(
        ScheduleSpec.parse(at="09:30", tz="UTC"), platform=ANA.platform, space=ANA.space, channel="C1",
        created_by=ANA.key, now=app.engine.clock.now())
    await kit.rows("all")  # fold her answers into the boards first
    with caplog.at_level(logging.DEBUG):
        reply = await app.router.handle(CommandContext(member=ANA, channel="C1"), "forget-me confirm")
    assert "deleted" in reply.text
    traces = (ANA.key, ANA.user_id, ANA.display_name)
    every = await store_reads.tables(app.store)
    assert {"members", "answers", "review_cards"} <= set(every), every
    for table in every:
        for row in await store_reads.rows(app.store, f"SELECT * FROM {table}"):
            for value in row:
                if isinstance(value, str):
                    assert not any(t == value or t in value.split(":") for t in traces), (table, value)
    # The bot's own lines (aiosqlite's DEBUG echo of SQL parameters is never switched on by the bot).
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "adapters"))]
    assert ours and [m for m in ours if any(t in m for t in (ANA.key, ANA.user_id))] == []
