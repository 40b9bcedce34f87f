"""Spaced repetition on the `fsrs` package: right -> Good, wrong -> Again, a right guess -> Hard."""

from __future__ import annotations

import json
from datetime import datetime

from fsrs import Card, Rating, Scheduler, State

from bot.clock import iso, parse_iso, to_utc
from bot.store import AnswerRecord, CardState

# A daily drill has no use for minute-long learning steps: a new drill goes straight to
# review, and a missed one comes back after FSRS's first interval (about a day).
# Fuzz is off so that the same history always gives the same schedule (golden tests).
_SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


_STATES = {int(s): s for s in State}


def _to_fsrs(card: CardState) -> Card:
    return Card(
        card_id=1, state=_STATES[card.state], step=card.step, stability=card.stability,
        difficulty=card.difficulty, due=card.due, last_review=card.last_review,
    )


def review(card: CardState | None, answer: AnswerRecord, *, guessed: bool = False) -> CardState:
    """The family's card after this answer, computed by FSRS at the answer's own instant.

    A right answer the member calls a guess is graded Hard: the card comes back sooner than
    after Good, without the relapse of Again (the answer still counts as right everywhere else).
    """
    when = to_utc(answer.answered_at)
    fsrs_card = _to_fsrs(card) if card else Card(card_id=1, due=when)
    rating = Rating.Again if not answer.correct else Rating.Hard if guessed else Rating.Good
    updated, _log = _SCHEDULER.review_card(fsrs_card, rating, review_datetime=when)
    lapsed = card is not None and card.last_correct and not answer.correct
    return CardState(
        member_id=answer.member_id, family_id=answer.card_key, state=int(updated.state), step=updated.step,
        stability=updated.stability, difficulty=updated.difficulty, due=to_utc(updated.due),
        last_review=to_utc(updated.last_review) if updated.last_review else when,
        last_correct=answer.correct, reviews=(card.reviews if card else 0) + 1,
        lapses=(card.lapses if card else 0) + lapsed,
        drill_id=answer.drill_id, delivery_id=answer.delivery_id, prior=encode(card) if card else None,
    )


def regrade_guess(card: CardState, answer: AnswerRecord) -> CardState:
    """The card as if `answer` (the one that made `card`) had been graded Hard: replayed from the
    state before it, at the answer's own instant, so later days see exactly one Hard review."""
    prior = decode(card.prior, member_id=card.member_id, family_id=card.family_id) if card.prior else None
    return review(prior, answer, guessed=True)


# The state before an answer, kept beside the card for "I guessed". Positional JSON (a dozen
# bytes of keys per answer saved); the order below is the format, never reorder it.
def encode(card: CardState) -> str:
    return json.dumps([card.state, card.step, card.stability, card.difficulty, iso(card.due),
                       iso(card.last_review) if card.last_review else None, card.last_correct,
                       card.reviews, card.lapses, card.drill_id, card.delivery_id])


def decode(text: str, *, member_id: str, family_id: str) -> CardState:
    state, step, stability, difficulty, due, last_review, last_correct, reviews, lapses, drill_id, delivery_id = json.loads(text)
    return CardState(
        member_id=member_id, family_id=family_id, state=state, step=step, stability=stability, difficulty=difficulty,
        due=parse_iso(due), last_review=parse_iso(last_review) if last_review else None,
        last_correct=last_correct, reviews=reviews, lapses=lapses, drill_id=drill_id, delivery_id=delivery_id,
    )


def retrievability(card: CardState, now: datetime) -> float:
    """FSRS's predicted chance that the member still knows this drill at `now` (0..1).

    fsrs reads only `last_review` and `stability`, which CardState carries under the same
    names; passing it directly skips building an fsrs.Card on every stats line (hot path).
    """
    return float(_SCHEDULER.get_card_retrievability(card, current_datetime=now))  # type: ignore[arg-type]


def holds(card: CardState, now: datetime, *, min_retrievability: float = 0.8) -> bool:
    """Held: the latest answer was right and FSRS still expects it remembered."""
    return card.last_correct and retrievability(card, now) >= min_retrievability


def hold_horizon(min_retrievability: float) -> float:
    """Whole days since the last review, per day of stability, for which a card still holds.

    FSRS gives R = (1 + FACTOR * days / stability) ** DECAY, so R >= min exactly when
    days <= stability * horizon; SQL reports use it to count held cards without fsrs objects.
    """
    return (min_retrievability ** (1 / _SCHEDULER._DECAY) - 1) / _SCHEDULER._FACTOR


def is_due(card: CardState, now: datetime) -> bool:
    return card.due <= to_utc(now)
