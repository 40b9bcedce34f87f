"""Board rules end to end through the engine: tier weights, reviews, first answers, allowances, altitude, channels."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.leaderboard.scoring import REVIEW_POINTS
from bot.messages import Level, MemberRef
from tests.leaderboard.boardkit import ANA, BO, CY, PLATFORM, SPACE, Kit


async def test_tier_weights_and_ties_by_accuracy(kit: Kit) -> None:
    for drill in ("junior-1", "middle-1", "senior-1"):
        await kit.drill_once(ANA, drill)                         # 1 + 2 + 3 = 6 at 100%
    await kit.drill_once(BO, "senior-1")
    await kit.drill_once(BO, "senior-2")                         # 3 + 3 = 6 ...
    await kit.drill_once(BO, "junior-1", right=False)            # ... at 67%
    await kit.drill_once(CY, "middle-2", right=False)            # 0 points, still on the board
    rows = await kit.rows("all")
    assert {n: (r["#"], r["score"], r["right"], r["accuracy"]) for n, r in rows.items()} == {
        "ana": ("1", "6", "3", "100%"), "bo": ("2", "6", "2", "67%"), "cy": ("3", "0", "0", "0%")}
    table = await kit.board("all")
    assert [row[1] for row in table.rows] == ["ana", "bo", "cy"]


async def test_only_the_first_answer_to_a_delivery_counts(kit: Kit) -> None:
    card = await kit.deal("senior-1")
    await kit.answer(ANA, card, right=True)
    again = await kit.answer(ANA, card, right=False)             # a double click, a Slack retry
    assert again.duplicate and again.correct
    assert (await kit.rows("all"))["ana"]["score"] == "3"
    assert (await kit.rows("all"))["ana"]["accuracy"] == "100%"


async def test_reviews_passed_score_once_per_drill_a_day(kit: Kit, clock) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(ANA, "middle-1", kind="review", right=True)
    await kit.drill_once(ANA, "middle-1", kind="review", right=True)      # same drill, same day: practice
    await kit.drill_once(ANA, "middle-2", kind="review", right=False)
    clock.advance(days=1)
    await kit.drill_once(ANA, "middle-1", kind="review", right=True)      # next day counts again
    row = (await kit.rows("all"))["ana"]
    assert (row["score"], row["reviews"], row["right"]) == (str(2 * REVIEW_POINTS), "2", "2")
    assert row["accuracy"] == "67%"                                       # 2 of the 3 counted answers


async def test_on_demand_drills_count_k_a_day_in_the_members_local_day(app, clock) -> None:  # type: ignore[no-untyped-def]
    app.settings = app.settings.model_copy(update={"board_on_demand_per_day": 2})
    kit = Kit(app)
    tokyo = MemberRef(platform=PLATFORM, space=SPACE, user_id="U-TK", display_name="kenji", tz="Asia/Tokyo")
    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=timezone.utc))            # 22:00 in Tokyo
    for drill in ("junior-1", "junior-2", "junior-3"):                    # third one is over the allowance
        await kit.drill_once(tokyo, drill, kind="on_demand")
        clock.advance(minutes=10)
    clock.set(datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc))          # 00:30 next day in Tokyo, same UTC day
    await kit.drill_once(tokyo, "senior-1", kind="on_demand")
    row = (await kit.rows("all"))["kenji"]
    assert (row["score"], row["right"]) == ("5", "3")                     # 1 + 1 + (skipped) + 3
    await kit.drill_once(BO, "junior-1")                                  # channel drills are never rationed
    await kit.drill_once(BO, "junior-2")
    await kit.drill_once(BO, "junior-3")
    assert (await kit.rows("all"))["bo"]["score"] == "3"


async def test_a_channel_board_counts_only_that_channels_drills(kit: Kit) -> None:
    await kit.drill_once(ANA, "senior-1", channel="C1")
    await kit.drill_once(BO, "senior-2", channel="C2")
    await kit.drill_once(BO, "junior-1", kind="on_demand")
    assert set(await kit.rows("all", channel="C1")) == {"ana"}
    assert (await kit.rows("all", channel="C2"))["bo"]["score"] == "3"
    assert (await kit.rows("all"))["bo"]["score"] == "4"
    table = await kit.board("all", channel="C1")
    assert table.title.endswith("this channel")


async def test_rows_show_the_engines_altitude(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    for drill in ("junior-1", "junior-2", "junior-3"):
        await kit.drill_once(ANA, drill)
    await kit.drill_once(BO, "senior-1")
    rows = await kit.rows("all")
    assert rows["ana"]["altitude"] == (await app.engine.stats(ANA)).level.value == Level.junior.value
    assert rows["bo"]["altitude"] == (await app.engine.stats(BO)).level.value == Level.zero.value


async def test_sql_held_counts_match_fsrs_holds(kit: Kit, app, clock) -> None:  # type: ignore[no-untyped-def]
    """The SQL rule (whole days <= stability x horizon) agrees with srs.holds on real engine cards."""
    from bot import srs
    from bot.leaderboard.service import Leaderboards

    for i, drill in enumerate(kit.drill(d) for d in ("junior-1", "junior-2", "middle-1", "middle-2", "senior-1")):
        await kit.drill_once(ANA, drill.id, right=i != 3)
        clock.advance(hours=7)
    boards = Leaderboards(app)
    active = {tier: [d.id for d in drills] for tier, drills in app.library.active_by_tier().items()}
    cards = await app.store.cards_for(ANA.key)
    seen = set()
    for days in (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89):
        now = clock.now() + timedelta(days=days)
        held = await boards.store.held_counts([ANA.key], tiers=active, now=now,
                                              horizon=srs.hold_horizon(app.settings.hold_retrievability))
        expected = {}
        for card in cards:
            if srs.holds(card, now, min_retrievability=app.settings.hold_retrievability):
                tier = kit.drill(card.drill_id).tier
                expected[tier] = expected.get(tier, 0) + 1
        got = {t: n for t, n in held.get(ANA.key, {}).items() if n}
        assert got == expected, f"{days} days later"
        seen.add(sum(expected.values()))
    assert len(seen) > 1, "the horizon must be crossed within the checked days"


async def test_the_viewer_sees_their_own_rank_below_the_top(kit: Kit) -> None:
    members = [MemberRef(platform=PLATFORM, space=SPACE, user_id=f"U{i}", display_name=f"m{i:02d}") for i in range(12)]
    card = await kit.deal("senior-1")
    for m in members:
        await kit.answer(m, card, right=m.display_name != "m11")
    table = await kit.board("all", viewer=members[-1], top=10)
    assert len(table.rows) == 12 and table.rows[-2][0] == "…"
    assert table.rows[-1][:2] == ("12", "m11 (you)")
    assert "You: #12 of 12" in table.footer


async def test_the_store_orders_rows_as_rank_rows_does(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    """The board sorts in SQL for speed; the pure rank_rows is the specification it must match."""
    from bot.leaderboard.scoring import rank_rows, rank_sorted
    from bot.leaderboard.service import Leaderboards
    from bot.leaderboard.scope import Scope

    names = ["Zoe", "adam", "Bea", "carl", "dora", "Eve", "fay", "gus"]
    members = [MemberRef(platform=PLATFORM, space=SPACE, user_id=f"U{i}", display_name=n) for i, n in enumerate(names)]
    for i, member in enumerate(members):
        for j, drill in enumerate(("junior-1", "middle-1", "senior-1")[: 1 + i % 3]):
            await kit.drill_once(member, drill, right=(i + j) % 2 == 0)
    boards = Leaderboards(app)
    await boards.refresh()
    rows = await boards.store.board_rows(Scope(PLATFORM, SPACE))
    assert [(r.rank, r.row.member_id) for r in rank_sorted(rows)] == [(r.rank, r.row.member_id) for r in rank_rows(rows)]
    assert len({r.rank for r in rank_sorted(rows)}) < len(rows), "the data must contain ties"
    page, mine, count = await boards.store.board_page(Scope(PLATFORM, SPACE), top=3, viewer=members[0].key)
    expected = rank_rows(rows)
    assert count == len(rows) and [(r.rank, r.row) for r in page] == [(r.rank, r.row) for r in expected[:3]]
    assert mine == next(r for r in expected if r.row.member_id == members[0].key)


async def test_held_counts_for_a_whole_scope_match_the_member_list(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    from bot import srs
    from bot.leaderboard.service import Leaderboards
    from bot.leaderboard.scope import Scope

    for member in (ANA, BO):
        await kit.drill_once(member, "junior-1")
        await kit.drill_once(member, "middle-1", right=member is ANA)
    boards = Leaderboards(app)
    active = {tier: [d.id for d in drills] for tier, drills in app.library.active_by_tier().items()}
    kw = dict(tiers=active, now=app.engine.clock.now(), horizon=srs.hold_horizon(0.8))
    by_ids = await boards.store.held_counts([ANA.key, BO.key], **kw)
    by_scope = await boards.store.held_counts([ANA.key, BO.key], scope=Scope(PLATFORM, SPACE), **kw)
    assert by_ids == by_scope and sum(by_ids[ANA.key].values()) == 2 and sum(by_ids[BO.key].values()) == 1
