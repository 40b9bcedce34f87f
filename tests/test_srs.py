"""Spaced repetition through the real fsrs package, with fixed instants (golden vectors)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import srs
from bot.store import AnswerRecord, CardState
from tests.conftest import T0


def _answer(correct: bool, at) -> AnswerRecord:  # type: ignore[no-untyped-def]
    return AnswerRecord(delivery_id="d", member_id="m", drill_id="x", option_index=0, correct=correct, answered_at=at)


def _history(*steps: tuple[bool, float]) -> CardState:
    """Apply (correct, days after T0) answers in order."""
    card = None
    for correct, days in steps:
        card = srs.review(card, _answer(correct, T0 + timedelta(days=days)))
    assert card is not None
    return card


@pytest.mark.parametrize(
    ("steps", "due_days", "stability"),
    [
        # FSRS-6 default weights: a first Good starts at w[2] = 2.3065 days, a first Again at w[0] = 0.212;
        # the two-step rows were computed by fsrs 6.3 and pin its behaviour against silent drift.
        (((True, 0),), 2, 2.3065),
        (((False, 0),), 1, 0.212),
        (((True, 0), (True, 2)), 2 + 11, 10.9643),
        (((True, 0), (False, 2)), 2 + 1, 0.6076),
    ],
    ids=["good", "again", "good-good", "good-again"],
)
def test_golden_intervals(steps, due_days: int, stability: float) -> None:
    card = _history(*steps)
    assert card.due == T0 + timedelta(days=due_days)
    assert card.stability == pytest.approx(stability, abs=1e-3)


def test_right_maps_to_good_and_wrong_to_again() -> None:
    right, wrong = _history((True, 0)), _history((False, 0))
    assert right.last_correct and not wrong.last_correct
    assert right.due > wrong.due and right.stability > wrong.stability


def test_lapse_counted_only_when_a_held_drill_is_missed() -> None:
    assert _history((True, 0), (False, 2)).lapses == 1
    assert _history((False, 0), (False, 1)).lapses == 0


def test_holds_until_retrievability_drops_below_threshold() -> None:
    card = _history((True, 0))
    assert srs.holds(card, T0 + timedelta(days=7))
    assert not srs.holds(card, T0 + timedelta(days=8)), "R falls below 0.8 after about a week"
    assert not srs.holds(_history((False, 0)), T0), "a wrong latest answer is never held"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        srs.review(None, _answer(True, T0.replace(tzinfo=None)))


@pytest.mark.parametrize("threshold", [0.7, 0.8, 0.9])
def test_hold_horizon_agrees_with_fsrs_retrievability(threshold: float) -> None:
    """SQL reports count held cards with hold_horizon; it must match fsrs itself day for day."""
    horizon = srs.hold_horizon(threshold)
    for stability in (0.2, 1.0, 2.3065, 10.96, 100.0):
        card = CardState(member_id="m", family_id="x", state=2, step=None, stability=stability, difficulty=5.0,
                         due=T0, last_review=T0, last_correct=True)
        for days in range(0, 400):
            now = T0 + timedelta(days=days, hours=1)
            assert srs.holds(card, now, min_retrievability=threshold) == (days <= stability * horizon), (stability, days)
