"""Row <-> record conversion for the SQLite store, shared by its modules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.clock import iso, parse_iso
from bot.store import AnswerRecord, CardState, Delivery, MemberRow, StoreError


def dt(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


# Pydantic's validator (Rust) parses the ISO text straight into aware datetimes; it is faster
# than parsing by hand and calling model_construct, and keeps the records honest.
def member_from(row: Any) -> MemberRow:
    return MemberRow.model_validate({**dict(row), "opted_out": bool(row["opted_out"])})


def delivery_from(row: Any) -> Delivery:
    return Delivery.model_validate({**dict(row), "option_order": tuple(json.loads(row["option_order"]))})


# CardState is a dataclass (see bot/store): its row is converted by hand, on the answer path.
def card_from(row: Any) -> CardState:
    return CardState(
        member_id=row["member_id"], family_id=row["family_id"], state=int(row["state"]), step=row["step"],
        stability=row["stability"], difficulty=row["difficulty"], due=parse_iso(row["due"]),
        last_review=dt(row["last_review"]), last_correct=bool(row["last_correct"]), reviews=int(row["reviews"]),
        lapses=int(row["lapses"]), drill_id=row["drill_id"], delivery_id=row["delivery_id"], prior=row["prior"],
    )


_CARD_COLUMNS = ("member_id", "family_id", "state", "step", "stability", "difficulty", "due", "last_review",
                 "last_correct", "reviews", "lapses", "drill_id", "delivery_id", "prior")
CARD_WIDTH = len(_CARD_COLUMNS)  # bound values per card in a multi-row VALUES (card_params)


def upsert_cards(count: int) -> str:
    """Write `count` cards (card_params each), replacing the member x family's card where one exists."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in _CARD_COLUMNS[2:])
    return (f"INSERT INTO review_cards ({', '.join(_CARD_COLUMNS)}) VALUES {rows_of(count, CARD_WIDTH)} "
            f"ON CONFLICT (member_id, family_id) DO UPDATE SET {updates}")


def card_params(card: CardState) -> tuple[Any, ...]:
    return (
        card.member_id, card.family_id, card.state, card.step, card.stability, card.difficulty,
        iso(card.due), iso(card.last_review) if card.last_review else None, int(card.last_correct),
        card.reviews, card.lapses, card.drill_id, card.delivery_id, card.prior,
    )


def answer_params(answer_id: str, rec: AnswerRecord) -> tuple[Any, ...]:
    return (answer_id, rec.delivery_id, rec.member_id, rec.drill_id, rec.option_index, int(rec.correct),
            iso(rec.answered_at))


def rows_of(count: int, width: int) -> str:
    """`(?, ?), (?, ?)` for a multi-row VALUES: one statement (one step of the engine) per batch."""
    return ", ".join(["(" + ", ".join("?" * width) + ")"] * count)


def marks(values: Sequence[Any]) -> str:
    if not values:
        raise StoreError("empty IN list")
    return ", ".join("?" * len(values))
