"""The engine on a real SQLite file: dealing order, grading, feedback, and bad answers."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

import pytest

from bot.commands import CommandContext
from bot.content.loader import load_library
from bot.messages import DrillCard, Feedback, MemberRef, Notice, Reveal
from bot.runtime import open_app
from tests.drillgen import write_pack
from tests.store_reads import count

ANA = MemberRef(platform="slack", space="T1", user_id="U-ANA", display_name="ana", tz="Europe/Berlin")
BO = MemberRef(platform="slack", space="T1", user_id="U-BO", display_name="bo")


@pytest.fixture
async def app(tmp_path, clock, settings):  # type: ignore[no-untyped-def]
    write_pack(tmp_path / "pack", {"junior": 3, "middle": 3, "senior": 2})
    a = await open_app(settings, clock=clock, library=load_library([tmp_path / "pack"]))
    a.engine.rng = random.Random(11)
    yield a
    await a.close()


def _best(card: DrillCard) -> str:
    return next(o.letter for o in card.options if o.text.endswith("best fix"))


def _wrong(card: DrillCard) -> str:
    return next(o.letter for o in card.options if not o.text.endswith("best fix"))


async def test_new_member_starts_in_junior_tier(app) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    assert isinstance(card, DrillCard) and card.tier == "Junior" and card.delivery_kind == "on_demand"
    assert [o.letter for o in card.options] == ["A", "B", "C", "D"]


async def test_option_order_is_shuffled_and_stored(app) -> None:  # type: ignore[no-untyped-def]
    orders = set()
    for _ in range(8):
        card = await app.engine.next_drill(BO)
        delivery = await app.store.get_delivery(card.delivery_id)
        orders.add(delivery.option_order)
        assert [card.options[i].text for i in range(4)] == [
            app.library.drills[card.drill_id].options[j].text for j in delivery.option_order]
    assert len(orders) > 1, "the best option must not always sit under the same letter"


async def test_right_answer_feedback_and_record(app) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    fb = await app.engine.answer(ANA, card.delivery_id, _best(card).lower())
    assert isinstance(fb, Feedback) and fb.correct and not fb.duplicate
    assert fb.chosen_letter == fb.best_letter == _best(card)
    assert fb.recap == "The recap." and fb.sources[0].url.startswith("https://")
    assert fb.streak_days == 1 and fb.altitude_line.startswith("Zero · Climbing toward Junior: 1 of 3 junior")
    assert await app.store.answer_count() == 1


async def test_wrong_answer_explains_both_options(app) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    fb = await app.engine.answer(ANA, card.delivery_id, _wrong(card))
    assert not fb.correct and fb.chosen_letter != fb.best_letter
    assert fb.chosen_why.startswith("Trap") and fb.best_why == "It fixes the defect."


async def test_repeat_click_returns_first_feedback_and_writes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    first = await app.engine.answer(ANA, card.delivery_id, _wrong(card))
    again = await app.engine.answer(ANA, card.delivery_id, _best(card))
    assert again.duplicate and not again.correct and again.chosen_letter == first.chosen_letter
    assert await app.store.answer_count() == 1


async def test_missed_drill_comes_back_first_as_review(app, clock) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    await app.engine.answer(ANA, card.delivery_id, _wrong(card))
    clock.advance(days=1)
    again = await app.engine.next_drill(ANA)
    assert again.drill_id == card.drill_id and again.delivery_kind == "review"
    assert again.footer.startswith("review · due since")


async def test_never_deals_a_held_drill(app) -> None:  # type: ignore[no-untyped-def]
    seen = []
    for _ in range(8):
        card = await app.engine.next_drill(ANA)
        assert isinstance(card, DrillCard), card
        assert card.drill_id not in seen
        seen.append(card.drill_id)
        await app.engine.answer(ANA, card.delivery_id, _best(card))
    notice = await app.engine.next_drill(ANA)
    assert isinstance(notice, Notice) and "hold every drill" in notice.text


async def test_tiers_follow_the_climb(app) -> None:  # type: ignore[no-untyped-def]
    tiers = []
    for _ in range(5):
        card = await app.engine.next_drill(ANA)
        tiers.append(card.tier)
        await app.engine.answer(ANA, card.delivery_id, _best(card))
    # 2 of 3 junior held reaches 60%: new drills then come from middle.
    assert tiers[:2] == ["Junior", "Junior"] and tiers[2] == "Middle"


@pytest.mark.parametrize("choice", ["Z", "", "AB", 7, -1])
async def test_unknown_option_is_a_notice_and_nothing_written(app, choice) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    reply = await app.engine.answer(ANA, card.delivery_id, choice)
    assert isinstance(reply, Notice) and reply.level == "warning" and "nothing was recorded" in reply.text
    assert await app.store.answer_count() == 0


async def test_unknown_delivery_is_a_notice_with_a_way_on(app) -> None:  # type: ignore[no-untyped-def]
    reply = await app.engine.answer(ANA, "no-such-delivery", "A")
    assert isinstance(reply, Notice) and reply.actions[0].command == "next"
    assert await app.store.answer_count() == 0


async def test_someone_elses_drill_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    reply = await app.engine.answer(BO, card.delivery_id, "A")
    assert isinstance(reply, Notice) and "someone else" in reply.text
    assert await app.store.answer_count() == 0


async def test_channel_drill_window_and_reveal(app, clock) -> None:  # type: ignore[no-untyped-def]
    drill = app.library.drills["middle-1"]
    card = await app.engine.deal(drill, kind="channel", platform="slack", space="T1", channel="C1",
                                 closes_at=clock.now() + timedelta(hours=8))
    members = [MemberRef(platform="slack", space="T1", user_id=f"U{i}") for i in range(5)]
    for i, m in enumerate(members):
        await app.engine.answer(m, card.delivery_id, _best(card) if i < 2 else _wrong(card))
    clock.advance(hours=8)
    late = await app.engine.answer(ANA, card.delivery_id, "A")
    assert isinstance(late, Notice) and "closed" in late.text
    reveal = await app.engine.reveal(card.delivery_id)
    assert isinstance(reveal, Reveal) and reveal.total == 5
    assert [o.count for o in reveal.options if o.best] == [2]
    assert reveal.common_trap in {"wrong-a", "wrong-b"} and reveal.common_trap_description
    assert await app.store.answer_count() == 5


async def test_retracted_drill_is_not_served_and_answers_stay(app) -> None:  # type: ignore[no-untyped-def]
    card = await app.engine.next_drill(ANA)
    await app.engine.answer(ANA, card.delivery_id, _wrong(card))
    app.library.retract(card.drill_id, "wrong key")
    for _ in range(10):
        nxt = await app.engine.next_drill(ANA)
        if isinstance(nxt, DrillCard):
            assert nxt.drill_id != card.drill_id
            await app.engine.answer(ANA, nxt.delivery_id, _best(nxt))
    assert (await app.engine.stats(ANA)).reviews_due == 0, "a retracted drill leaves the review queue"
    assert await app.store.answer_count() >= 1


async def test_router_commands_pause_optout_forget(app, clock) -> None:  # type: ignore[no-untyped-def]
    ctx = CommandContext(member=ANA)
    assert "DAYS" in (await app.router.handle(ctx, "pause")).text
    paused = await app.router.handle(ctx, "pause 7")
    assert "Paused" in paused.text
    assert (await app.engine.stats(ANA)).paused_until == "2026-03-09"
    await app.router.handle(ctx, "resume")
    assert (await app.engine.stats(ANA)).paused_until is None
    await app.router.handle(ctx, "optout")
    assert (await app.store.get_member(ANA.key)).opted_out
    ask = await app.router.handle(ctx, "forget-me")
    assert ask.actions[0].command == "forget-me confirm" and await app.store.get_member(ANA.key)
    done = await app.router.handle(ctx, "forget-me confirm")
    assert "deleted" in done.text and await app.store.get_member(ANA.key) is None


async def test_unknown_word_gets_help_and_lead_words_are_checked(app) -> None:  # type: ignore[no-untyped-def]
    help_ = await app.router.handle(CommandContext(member=ANA), "dance")
    assert "I don't know “dance”" in help_.text and "/drill stats" in help_.text

    async def secret(ctx, args):  # type: ignore[no-untyped-def]
        return Notice(text="lead stuff")

    app.router.register("secret", secret, usage="secret", summary="x", lead_only=True)
    refused = await app.router.handle(CommandContext(member=ANA, is_lead=False), "secret")
    assert "Only leads" in refused.text
    assert (await app.router.handle(CommandContext(member=ANA, is_lead=True), "secret")).text == "lead stuff"
    app.router.leads = frozenset({"U-ANA"})
    assert (await app.router.handle(CommandContext(member=ANA), "secret")).text == "lead stuff"


@pytest.mark.sqlite_only("fails the COMMIT on the aiosqlite connection itself; PostgreSQL has no such connection")
async def test_a_failed_commit_records_nothing_and_forgets_the_feedback_it_derived(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The feedback is derived inside the write; when COMMIT fails, neither the answer nor its standing remain."""
    from bot.store import StoreError

    member = ANA
    card = await app.engine.next_drill(member)
    await app.engine.answer(member, card.delivery_id, _best(card))
    conn = app.store.db.conn
    real_execute = conn.execute

    async def failing_commit(sql, *args, **kwargs):  # type: ignore[no-untyped-def]
        if sql == "COMMIT":
            raise sqlite3.OperationalError("disk I/O error")
        return await real_execute(sql, *args, **kwargs)

    second = await app.engine.next_drill(member)
    monkeypatch.setattr(conn, "execute", failing_commit)
    with pytest.raises(StoreError, match="disk I/O error"):
        await app.engine.answer(member, second.delivery_id, _best(second))
    monkeypatch.setattr(conn, "execute", real_execute)
    assert await app.store.answer_count() == 1
    assert member.key not in app.engine._standings
    feedback = await app.engine.answer(member, second.delivery_id, _wrong(second))
    stats = await app.engine.stats(member)
    assert isinstance(feedback, Feedback) and not feedback.duplicate and not feedback.correct
    assert feedback.altitude_line == f"{stats.level.value} · {stats.progress_line}" and stats.answered == 2


async def test_a_huge_command_is_refused_without_parsing_and_nothing_changes(app) -> None:  # type: ignore[no-untyped-def]
    import time

    text = "season start " + "'a" * 500_000  # 1 MB of unbalanced quotes: quadratic for shlex
    started = time.perf_counter()
    reply = await app.router.handle(CommandContext(member=ANA, channel="C1"), text)
    assert time.perf_counter() - started < 0.5
    assert isinstance(reply, Notice) and reply.level == "warning" and "at most 6,000" in reply.text
    assert await count(app.store, "SELECT COUNT(*) FROM members") == 0
    ok = await app.router.handle(CommandContext(member=ANA, channel="C1"), "help " + "x" * 5990)
    assert isinstance(ok, Notice) and "Saga Drills" in ok.text
