"""The blind-spot report: accuracy per topic and trap, members attempted, the most-picked trap, what to run next."""

from __future__ import annotations

from bot.commands import CommandContext
from bot.leaderboard.report import union_counts
from bot.messages import Notice, Table
from tests.leaderboard.boardkit import ANA, BO, CY, Kit, report_rows


async def _seed(kit: Kit) -> None:
    # junior drills (topics compensation + sagas): ana right twice, bo wrong on junior-1 (trap 1 -> wrong-a)
    await kit.drill_once(ANA, "junior-1")
    await kit.drill_once(ANA, "junior-2")
    await kit.drill_once(BO, "junior-1", right=False, trap=1)
    # middle drills (idempotency + sagas): everyone falls for trap 2 (wrong-b) on middle-1
    for member in (ANA, BO, CY):
        await kit.drill_once(member, "middle-1", right=False, trap=2)
    await kit.drill_once(CY, "middle-2", right=False, trap=1)


async def test_topics_weakest_first_with_members_and_traps(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    await _seed(kit)
    table = await kit.report()
    rows = report_rows(table)
    topics = [name for name in rows if name.startswith("topic")]
    assert topics == ["topic · idempotency", "topic · sagas", "topic · compensation"]
    idem = rows["topic · idempotency"]
    assert (idem["accuracy"], idem["answers"], idem["members"]) == ("0%", "4", "3")
    assert "→ wrong-b (100%)" in idem["most-picked wrong answer"] and "middle-1 trap 2" in idem["most-picked wrong answer"]
    # run next: the weakest drill first; middle-1 (0 of 3) before middle-2 (0 of 1, less evidence)
    assert idem["run next"] == "middle-1, middle-2"
    sagas = rows["topic · sagas"]
    assert (sagas["accuracy"], sagas["answers"], sagas["members"]) == ("29%", "7", "3")
    comp = rows["topic · compensation"]
    assert (comp["accuracy"], comp["members"]) == ("67%", "2")
    # junior-1 (1 of 2) and junior-3 (never attempted: a coin flip) tie; the least attempted goes first
    assert comp["run next"] == "junior-3, junior-1"
    assert "isolation" in table.footer and "Never attempted (1 topic)" in table.footer
    assert f"• wrong-b: {app.library.misconceptions['wrong-b'].description}" in table.footer


async def test_traps_rank_by_how_often_they_catch_the_team(kit: Kit) -> None:
    await _seed(kit)
    rows = report_rows(await kit.report())
    traps = [name for name in rows if name.startswith("trap")]
    assert traps == ["trap · wrong-b", "trap · wrong-a"]
    b = rows["trap · wrong-b"]
    assert (b["accuracy"], b["answers"], b["members"]) == ("29% · fell 43%", "7", "3")
    assert b["run next"].startswith("middle-1")


async def test_report_is_lead_only_through_the_router(app, kit: Kit) -> None:  # type: ignore[no-untyped-def]
    await _seed(kit)
    refused = await app.router.handle(CommandContext(member=BO, channel="C1"), "report")
    assert isinstance(refused, Notice) and refused.text.startswith("Only leads")
    shown = await app.router.handle(CommandContext(member=BO, channel="C1", is_lead=True), "report all")
    assert isinstance(shown, Table) and shown.title == "Team blind spots · All time"
    assert shown.image is not None and shown.image.data[:8] == b"\x89PNG\r\n\x1a\n"
    bad = await app.router.handle(CommandContext(member=BO, channel="C1", is_lead=True), "report fortnight")
    assert bad.level == "warning" and "fortnight" in bad.text


async def test_report_for_a_period_counts_only_its_answers(kit: Kit, clock) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(ANA, "senior-1", right=False)
    clock.advance(days=8)
    await kit.drill_once(BO, "senior-1")
    week = report_rows(await kit.report("week"))["topic · isolation"]
    assert (week["accuracy"], week["answers"], week["members"]) == ("100%", "1", "1")
    everything = report_rows(await kit.report("all"))["topic · isolation"]
    assert (everything["accuracy"], everything["answers"], everything["members"]) == ("50%", "2", "2")


async def test_an_empty_report_says_so(kit: Kit) -> None:
    table = await kit.report()
    assert table.rows == () and "No answers in this period yet" in table.footer and table.image is None


def test_union_counts_members_across_drills() -> None:
    people = {"d1": ["p1", "p2"], "d2": ["p2", "p3"], "d3": ["p4"]}
    areas = {"topic:a": ["d1", "d2"], "topic:b": ["d3"], "topic:c": ["d9"]}
    assert union_counts(people, areas) == {"topic:a": 3, "topic:b": 1, "topic:c": 0}
