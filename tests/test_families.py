"""Concept families on a real SQLite file: sibling reviews, "I guessed", misses that steer, the fold."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import srs
from bot.content.loader import load_library
from bot.messages import CommandContext, DrillCard, Feedback, MemberRef, Notice, StatsView
from bot.runtime import open_app
from bot.store import AnswerRecord
from tests.drillgen import drill_dict, write_pack
from tests.store_reads import rows

ANA = MemberRef(platform="slack", space="T1", user_id="U-ANA", display_name="ana")
BO = MemberRef(platform="slack", space="T1", user_id="U-BO", display_name="bo")
CY = MemberRef(platform="slack", space="T1", user_id="U-CY", display_name="cy")

# Three junior families (two target wrong-b), one middle one; every drill has options tagged
# wrong-a (1 and 3) and wrong-b (2), as tests/drillgen.py writes them.
FAMILIES = {
    "fam-a": {"title": "Idea A", "tier": "junior", "targets": "wrong-a", "variants": ["a1", "a2", "a3"]},
    "fam-b": {"title": "Idea B", "tier": "junior", "targets": "wrong-b", "variants": ["b1", "b2"]},
    "fam-c": {"title": "Idea C", "tier": "junior", "targets": "wrong-b", "variants": ["c1", "c2"]},
    "fam-m": {"title": "Idea M", "tier": "middle", "targets": "wrong-a", "variants": ["m1", "m2"]},
}


def write_family_pack(folder: Path) -> None:
    write_pack(folder, {})
    (folder / "families.yaml").write_text(yaml.safe_dump(
        {f: {k: v for k, v in spec.items() if k != "variants"} for f, spec in FAMILIES.items()}))
    for family, spec in FAMILIES.items():
        for drill_id in spec["variants"]:
            data = drill_dict(drill_id, spec["tier"])
            data["family"] = family
            (folder / f"{drill_id}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
async def app(tmp_path, clock, settings):  # type: ignore[no-untyped-def]
    write_family_pack(tmp_path / "pack")
    a = await open_app(settings, clock=clock, library=load_library([tmp_path / "pack"]))
    a.engine.rng = random.Random(5)
    yield a
    await a.close()


async def _option(app, card: DrillCard, *, best: bool = False, tag: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """The letter showing the best option, or a wrong one tagged `tag`."""
    delivery = await app.store.get_delivery(card.delivery_id)
    drill = app.library.drills[card.drill_id]
    for letter, index in zip("ABCD", delivery.option_order):
        option = drill.options[index]
        if (best and option.best) or (not best and not option.best and (tag is None or option.misconception == tag)):
            return letter
    raise AssertionError("no such option")


def _family(app, drill_id: str) -> str:  # type: ignore[no-untyped-def]
    return app.library.drills[drill_id].family_id


async def test_a_missed_drill_comes_back_as_a_sibling_and_a_right_answer_advances_the_family_card(app, clock) -> None:  # type: ignore[no-untyped-def]
    first = await app.engine.next_drill(ANA)
    family = _family(app, first.drill_id)
    await app.engine.answer(ANA, first.delivery_id, await _option(app, first))
    [missed] = await app.store.cards_for(ANA.key)
    assert (missed.family_id, missed.drill_id, missed.reviews, missed.last_correct) == (family, first.drill_id, 1, False)

    clock.set(missed.due)
    review = await app.engine.next_drill(ANA)
    assert review.delivery_kind == "review" and review.footer.startswith("review · due since")
    assert review.drill_id != first.drill_id and _family(app, review.drill_id) == family, "a sibling, not the drill missed"
    fb = await app.engine.answer(ANA, review.delivery_id, await _option(app, review, best=True))
    assert isinstance(fb, Feedback) and fb.correct
    [card] = await app.store.cards_for(ANA.key)
    assert (card.family_id, card.drill_id, card.reviews, card.last_correct) == (family, review.drill_id, 2, True)
    assert card.due > clock.now() + (missed.due - missed.last_review), "the right answer pushed the family's review out"
    assert card == srs.review(missed, AnswerRecord(delivery_id=review.delivery_id, member_id=ANA.key, drill_id=review.drill_id,
                                                   option_index=app.library.drills[review.drill_id].best_index,
                                                   correct=True, answered_at=clock.now(), family_id=family))


async def test_review_dms_deal_an_unseen_variant_then_the_one_seen_longest_ago(app, clock) -> None:  # type: ignore[no-untyped-def]
    row = await app.store.ensure_member(ANA, now=clock.now())
    seen = []
    for _ in range(3):  # fam-a has three variants: each review deals one not dealt before
        card = (await app.engine.review_variants(row.id, ["fam-a"]))[0]
        assert card.id not in seen
        delivery = await app.engine.record_delivery(card, kind="review", platform="slack", space="T1", member_id=row.id)
        await app.engine.answer(ANA, delivery.id, "A")
        seen.append(card.id)
        clock.advance(hours=1)
    assert sorted(seen) == ["a1", "a2", "a3"]
    again = (await app.engine.review_variants(row.id, ["fam-a"]))[0]
    assert again.id == seen[0], "all seen: the one seen longest ago"


async def test_i_guessed_turns_good_into_hard_for_that_answer_only(app, clock) -> None:  # type: ignore[no-untyped-def]
    first = await app.engine.next_drill(ANA)
    fb = await app.engine.answer(ANA, first.delivery_id, await _option(app, first, best=True))
    assert fb.guess_command == f"guessed {first.delivery_id}"
    clock.advance(minutes=5)
    second = await app.engine.next_drill(ANA)
    assert _family(app, second.drill_id) != _family(app, first.drill_id)
    await app.engine.answer(ANA, second.delivery_id, await _option(app, second, best=True))
    cards = {c.family_id: c for c in await app.store.cards_for(ANA.key)}
    good = cards[_family(app, first.drill_id)]
    board_before = await rows(app.store, "SELECT delivery_id, correct FROM answers ORDER BY delivery_id")

    clock.advance(hours=2)
    note = await app.engine.guessed(ANA, first.delivery_id)
    assert isinstance(note, Notice) and note.level == "info" and "Hard" in note.text

    after = {c.family_id: c for c in await app.store.cards_for(ANA.key)}
    hard = after[_family(app, first.drill_id)]
    answered_at = good.last_review
    expected = srs.review(None, AnswerRecord(delivery_id=first.delivery_id, member_id=ANA.key, drill_id=first.drill_id,
                                             option_index=app.library.drills[first.drill_id].best_index, correct=True,
                                             answered_at=answered_at, family_id=good.family_id), guessed=True)
    assert hard == expected, "graded Hard at the answer's own time"
    assert hard.due < good.due and hard.last_correct and hard.reviews == good.reviews == 1
    assert after[_family(app, second.drill_id)] == cards[_family(app, second.drill_id)], "the other answer is untouched"
    assert await rows(app.store, "SELECT delivery_id, correct FROM answers ORDER BY delivery_id") == board_before, "still right on the board"
    assert await rows(app.store, "SELECT delivery_id FROM answers WHERE guessed_at IS NOT NULL") == [(first.delivery_id,)]

    again = await app.engine.guessed(ANA, first.delivery_id)
    assert again.level == "warning" and "already" in again.text
    assert {c.family_id: c for c in await app.store.cards_for(ANA.key)} == after


async def test_i_guessed_refuses_a_wrong_answer_someone_elses_an_unknown_one_and_a_settled_one(app, clock) -> None:  # type: ignore[no-untyped-def]
    wrong = await app.engine.next_drill(ANA)
    await app.engine.answer(ANA, wrong.delivery_id, await _option(app, wrong))
    theirs = await app.engine.next_drill(BO)
    await app.engine.answer(BO, theirs.delivery_id, await _option(app, theirs, best=True))
    unanswered = await app.engine.next_drill(ANA)

    async def state() -> tuple:
        return (await rows(app.store, "SELECT * FROM review_cards ORDER BY member_id, family_id"),
                await rows(app.store, "SELECT * FROM answers ORDER BY id"))

    before = await state()
    for delivery_id, words in ((wrong.delivery_id, "not right"), (theirs.delivery_id, "not yours"),
                               ("no-such-delivery", "not yours"), (unanswered.delivery_id, "not answered")):
        note = await app.engine.guessed(ANA, delivery_id)
        assert isinstance(note, Notice) and note.level == "warning" and words in note.text, (delivery_id, note.text)
        assert "nothing was changed" in note.text
    assert await state() == before

    # Right, then the same family answered again: that first grade is settled.
    right = await app.engine.next_drill(CY)
    await app.engine.answer(CY, right.delivery_id, await _option(app, right, best=True))
    [card] = await app.store.cards_for(CY.key)
    clock.set(card.due)
    sibling = await app.engine.next_drill(CY)
    assert _family(app, sibling.drill_id) == card.family_id and sibling.drill_id != right.drill_id
    await app.engine.answer(CY, sibling.delivery_id, await _option(app, sibling, best=True))
    before = await state()
    note = await app.engine.guessed(CY, right.delivery_id)
    assert note.level == "warning" and "again since" in note.text and await state() == before


async def test_the_bare_word_marks_the_latest_answer(app) -> None:  # type: ignore[no-untyped-def]

    none_yet = await app.router.command(CommandContext(member=ANA), "guessed")
    assert none_yet.level == "warning" and "not answered a drill yet" in none_yet.text
    card = await app.engine.next_drill(ANA)
    await app.engine.answer(ANA, card.delivery_id, await _option(app, card, best=True))
    note = await app.router.command(CommandContext(member=ANA), "guessed")
    assert note.level == "info"
    assert await rows(app.store, "SELECT delivery_id FROM answers WHERE guessed_at IS NOT NULL") == [(card.delivery_id,)]
    usage = await app.router.command(CommandContext(member=ANA), "guessed a b")
    assert usage.level == "warning" and usage.text.startswith("Usage")


@pytest.mark.parametrize("seed", range(6))
async def test_a_wrong_pick_tagged_m_makes_the_next_new_drill_target_m(tmp_path, clock, settings, seed) -> None:  # type: ignore[no-untyped-def]
    write_family_pack(tmp_path / "pack")
    app = await open_app(settings, clock=clock, library=load_library([tmp_path / "pack"]))
    app.engine.rng = random.Random(seed)
    try:
        first = await app.engine.next_drill(ANA)
        await app.engine.answer(ANA, first.delivery_id, await _option(app, first, tag="wrong-b"))
        nxt = await app.engine.next_drill(ANA)
        assert nxt.delivery_kind == "on_demand"
        family = _family(app, nxt.drill_id)
        assert family != _family(app, first.drill_id), "an unseen family"
        assert app.library.families[family].targets == "wrong-b", (seed, first.drill_id, nxt.drill_id)
        assert app.library.families[family].tier.value == "junior", "within the tier rule: not above the climb"
    finally:
        await app.close()


async def test_stats_show_the_members_own_top_traps_and_guesses(app, clock) -> None:  # type: ignore[no-untyped-def]
    for tag in ("wrong-b", "wrong-b", "wrong-a"):
        card = await app.engine.next_drill(ANA)
        await app.engine.answer(ANA, card.delivery_id, await _option(app, card, tag=tag))
        clock.advance(minutes=1)
    card = await app.engine.next_drill(ANA)
    await app.engine.answer(ANA, card.delivery_id, await _option(app, card, best=True))
    await app.engine.guessed(ANA, card.delivery_id)
    view = await app.engine.stats(ANA)
    assert isinstance(view, StatsView)
    assert view.traps_line == "you fall for: wrong b · 2 of last 4; wrong a · 1 of last 4"
    assert view.guess_line == "guesses: 1 of 1 right answers"
    assert (await app.engine.stats(BO)).traps == ()


async def test_drills_stats_reports_the_guess_rate_per_drill(app, db_path) -> None:  # type: ignore[no-untyped-def]

    for who, guess in ((ANA, True), (BO, False)):
        await app.store.ensure_member(who, now=app.engine.clock.now())
        card = await app.engine.deal(app.library.drills["a1"], kind="on_demand", platform="slack", space="T1",
                                     member_id=who.key)
        await app.engine.answer(who, card.delivery_id, await _option(app, card, best=True))
        if guess:
            await app.engine.guessed(who, card.delivery_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAGA_DRILLS_", "SLACK_", "DISCORD_"))}
    run = lambda *extra: subprocess.run([sys.executable, "-m", "bot", "drills", "stats", *extra], capture_output=True,  # noqa: E731
                                        text=True, env={**env, "SAGA_DRILLS_DB": str(db_path)}, timeout=60)
    data = {d["drill"]: d for d in json.loads(run("--json").stdout)}
    assert data["a1"]["guess_rate"] == 0.5 and data["a1"]["right"] == 1.0
    table = run()
    assert table.returncode == 0 and " guess " in table.stdout.splitlines()[0]
    assert [line.split()[3] for line in table.stdout.splitlines() if line.startswith("a1 ")] == ["50%"]


def test_drills_check_names_every_family_problem_as_path_line_id(tmp_path: Path) -> None:

    folder = tmp_path / "broken"
    write_family_pack(folder)
    b1 = yaml.safe_load((folder / "b1.yaml").read_text())
    (folder / "b1.yaml").write_text(yaml.safe_dump({**b1, "family": "fam-bb"}, sort_keys=False))  # names nothing
    m1 = yaml.safe_load((folder / "m1.yaml").read_text())
    (folder / "m1.yaml").write_text(yaml.safe_dump({**m1, "tier": "senior"}, sort_keys=False))  # contradicts its family
    c1 = yaml.safe_load((folder / "c1.yaml").read_text())
    for option in c1["options"]:
        if option.get("misconception") == "wrong-b":
            option["misconception"] = "wrong-a"
    (folder / "c1.yaml").write_text(yaml.safe_dump(c1, sort_keys=False))  # tests another belief
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAGA_DRILLS_")}
    done = subprocess.run([sys.executable, "-m", "bot", "drills", "check", str(folder)], capture_output=True, text=True,
                          env={**env, "SAGA_DRILLS_DB": str(tmp_path / "x.db")}, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 1
    assert f"{folder / 'b1.yaml'}:" in out and "b1: family: 'fam-bb' is not defined in families.yaml (did you mean 'fam-b'?)" in out
    assert "m1: tier: senior, but its family 'fam-m' is middle; variants share one tier" in out
    assert "c1: family: 'fam-c' targets 'wrong-b', and no wrong option here carries that tag" in out
    assert re.search(r"b1\.yaml:\d+: b1: family:", out), "path:line: drill-id: message"


def test_the_trap_steers_until_a_new_family_is_answered_right(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from bot.dealing import History
    from bot.store import PastAnswer

    write_family_pack(tmp_path / "pack")
    library = load_library([tmp_path / "pack"])
    drills = library.drills
    t0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
    wrong_b = next(i for i, o in enumerate(drills["a1"].options) if o.misconception == "wrong-b")
    best = drills["a1"].best_index

    def answered(*picks: tuple[str, int]) -> History:
        return History.of([PastAnswer(delivery_id=f"d{i}", drill_id=d, option_index=o, correct=o == best,
                                      answered_at=t0 + timedelta(hours=i), guessed=False)
                           for i, (d, o) in enumerate(picks)], library)

    assert answered().trap is None and answered(("a1", best)).trap is None
    assert answered(("a1", wrong_b)).trap == "wrong-b"
    assert answered(("a1", wrong_b), ("a2", best)).trap == "wrong-b", "a right review of the same family keeps it"
    assert answered(("b1", best), ("a1", wrong_b), ("b2", best)).trap == "wrong-b", "a review of a seen family keeps it"
    assert answered(("a1", wrong_b), ("c1", best)).trap is None, "a new family answered right: the steer is spent"
    history = answered(("a1", wrong_b), ("a1", best))
    assert history.seen == {"a1": t0 + timedelta(hours=1)}, "the latest time per drill"
