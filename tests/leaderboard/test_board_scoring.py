"""Scoring tables: tier weights, reviews, daily allowances, ranking and ties, altitude from held counts."""

from __future__ import annotations

import pytest

from bot.content.models import Tier
from bot.leaderboard.scoring import BoardRow, allowance, level_from_held, rank_rows, score_answer
from bot.messages import Level


@pytest.mark.parametrize(("kind", "correct", "tier", "points", "review_pass"), [
    ("channel", True, Tier.junior, 1, False),
    ("channel", True, Tier.middle, 2, False),
    ("channel", True, Tier.senior, 3, False),
    ("on_demand", True, Tier.senior, 3, False),
    ("channel", False, Tier.senior, 0, False),
    ("review", True, Tier.senior, 1, True),     # tier points were earned the first time
    ("review", False, Tier.junior, 0, False),
    ("channel", True, None, 1, False),          # a drill gone from the packs scores as junior
])
def test_points_per_answer(kind, correct, tier, points, review_pass) -> None:  # type: ignore[no-untyped-def]
    score = score_answer(kind, correct, tier)
    assert (score.counted, score.points, score.review_pass) == (True, points, review_pass)


def test_beyond_the_allowance_nothing_counts() -> None:
    score = score_answer("on_demand", True, Tier.senior, within_allowance=False)
    assert (score.counted, score.points, score.review_pass) == (False, 0, False)


@pytest.mark.parametrize(("kind", "expected"), [
    ("on_demand", ("on_demand", 3)), ("review", ("review:d1", 1)), ("channel", None)])
def test_allowance_buckets(kind, expected) -> None:  # type: ignore[no-untyped-def]
    assert allowance(kind, "d1", on_demand_per_day=3) == expected


def _row(name: str, points: int, answered: int, correct: int) -> BoardRow:
    return BoardRow(member_id=f"m:{name}", name=name, points=points, answered=answered, correct=correct, reviews=0)


def test_ranking_score_then_accuracy_then_name() -> None:
    ranked = rank_rows([
        _row("zed", 6, 4, 2),     # 6 points at 50%
        _row("amy", 6, 2, 2),     # 6 points at 100%: beats zed on accuracy
        _row("Bob", 6, 4, 2),     # same score and accuracy as zed: shares the rank, sorts by name
        _row("cat", 9, 9, 3),     # most points wins whatever the accuracy
        _row("dan", 0, 0, 0),     # nothing counted: not on the board
    ])
    assert [(r.rank, r.row.name) for r in ranked] == [(1, "cat"), (2, "amy"), (3, "Bob"), (3, "zed")]


def test_level_from_held_matches_the_altitude_rule() -> None:
    totals = {Tier.junior: 5, Tier.middle: 5, Tier.senior: 4}
    assert level_from_held({}, totals) is Level.zero
    assert level_from_held({Tier.junior: 3}, totals) is Level.junior
    assert level_from_held({Tier.junior: 3, Tier.middle: 3}, totals) is Level.middle
    assert level_from_held({Tier.junior: 3, Tier.middle: 3, Tier.senior: 3}, totals) is Level.senior
    assert level_from_held({Tier.junior: 5, Tier.middle: 5, Tier.senior: 4}, totals) is Level.orbit
    assert level_from_held({Tier.middle: 5, Tier.senior: 4}, totals) is Level.zero  # junior gates the climb
