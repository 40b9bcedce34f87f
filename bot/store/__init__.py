"""The store port: records that cross it and the narrow async interface every backend provides."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.messages import DeliveryKind, MemberRef


def new_id(nbytes: int = 9) -> str:
    """A short URL-safe random text id (any backend); 12 characters fit a Discord custom_id."""
    return secrets.token_urlsafe(nbytes)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoreError(Exception):
    """The database cannot be used as asked; the message says why and what to do."""


class StoreBusy(StoreError):
    """Another process held the database longer than the busy timeout; nothing was written."""


class StoreConflict(StoreError):
    """A unique key refused the write: another process claimed the same thing first; nothing was written."""


class MemberRow(_Record):
    id: str
    platform: str
    space: str
    user_id: str
    display_name: str
    tz: str | None
    paused_until: datetime | None
    opted_out: bool
    created_at: datetime


class Delivery(_Record):
    id: str
    drill_id: str
    kind: DeliveryKind
    member_id: str | None
    platform: str
    space: str
    channel: str | None = None
    option_order: tuple[int, ...]
    created_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    message_ref: str | None = None


# The answer path's records are frozen dataclasses, not models. Each answer builds several of
# them from values the engine, fsrs or SQLite already typed (rows are converted explicitly in
# bot/store/sqlite/rows.py); pydantic's validation of each cost a tenth of the answer path, and
# a snapshot's would walk every card and recent answer time of the member on every answer.
@dataclass(frozen=True, slots=True)
class CardState:
    """FSRS state of one member x concept family, plus whether the latest answer was right (UTC times).

    `drill_id` is the variant answered last (a review deals another one), `delivery_id` the
    answer that made this state, and `prior` the state before it, encoded by bot.srs, so that
    "I guessed" can grade that one answer again (None for a first answer or a folded card).
    """

    member_id: str
    family_id: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    last_correct: bool
    reviews: int = 0
    lapses: int = 0
    drill_id: str | None = None
    delivery_id: str | None = None
    prior: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer as recorded: the option's index in the drill file, not the letter shown.

    `family_id` is the concept family whose card the answer reviews (the engine knows it from
    the library; the answers table does not store it); None means the drill is its own family.
    """

    delivery_id: str
    member_id: str
    drill_id: str
    option_index: int
    correct: bool
    answered_at: datetime
    family_id: str | None = None

    @property
    def card_key(self) -> str:
        return self.family_id or self.drill_id


@dataclass(frozen=True, slots=True)
class PastAnswer:
    """One of a member's recorded answers, as dealing and `/drill stats` read them (oldest first)."""

    delivery_id: str
    drill_id: str
    option_index: int
    correct: bool
    answered_at: datetime
    guessed: bool


@dataclass(frozen=True, slots=True)
class MemberSnapshot:
    """What stats need of one member, read in one go: cards, answer counts, recent answer times (sorted)."""

    member_id: str
    cards: Mapping[str, CardState]  # by family id; read-only
    answered: int
    correct: int
    recent: tuple[datetime, ...]


@dataclass(frozen=True, slots=True)
class RecordResult:
    """The answer that counts (the new one, or the first one on a repeat), and the member after it."""

    answer: AnswerRecord
    duplicate: bool
    snapshot: MemberSnapshot


class ExportRow(_Record):
    member: str
    display_name: str
    platform: str
    drill_id: str
    delivery_kind: str
    option_index: int
    correct: bool
    answered_at: datetime
    option_order: tuple[int, ...] = ()  # the delivery's shuffle: letter i showed option option_order[i]
    guessed: bool = False  # the member said this right answer was a guess (not a CSV column)


ReviewFn = Callable[[CardState | None, AnswerRecord], CardState]
RegradeFn = Callable[[CardState, AnswerRecord], CardState]
GuessOutcome = Literal["marked", "unanswered", "wrong", "already", "moved"]
T = TypeVar("T")


def same(result: RecordResult) -> RecordResult:
    return result


class Store(Protocol):
    """Everything the engine, scheduler and CLI may ask of storage. No SQL leaks past here."""

    async def ensure_member(self, ref: MemberRef, *, now: datetime) -> MemberRow: ...
    async def get_member(self, member_id: str) -> MemberRow | None: ...
    async def set_paused(self, member_id: str, until: datetime | None) -> None: ...
    async def set_opted_out(self, member_id: str, opted_out: bool) -> None: ...
    async def forget_member(self, member_id: str) -> int: ...

    async def create_delivery(self, delivery: Delivery) -> None: ...
    async def get_delivery(self, delivery_id: str) -> Delivery | None: ...
    async def close_delivery(self, delivery_id: str, *, now: datetime) -> bool: ...

    async def claim_inbound(self, platform: str, key: str, *, now: datetime, within: float | None = None) -> bool:
        """True for the first claim of (platform, key) by any process; StoreBusy if the answer takes
        over `within` seconds (the key is still written, for the repeats to find)."""
    async def prune_inbound(self, *, before: datetime) -> int: ...

    async def record_answer(self, record: AnswerRecord, review: ReviewFn, *,
                            derive: Callable[[RecordResult], T] = same) -> T:  # type: ignore[assignment]
        """Record once (a repeat returns the first answer) and return `derive(result)` after COMMIT.

        `derive` runs inside the write, while the database works, so it must be quick and pure
        apart from caches that check themselves. If it raises, the answer is still recorded and
        the caller gets the error; if the write fails, the caller gets that error instead.
        """
        ...
    async def cards_for(self, member_id: str) -> list[CardState]: ...
    async def answer_history(self, member_id: str) -> list[PastAnswer]:
        """Every answer the member gave, oldest first: which variants they have seen, and their traps."""
        ...
    async def mark_guessed(self, member_id: str, delivery_id: str, family_id: str, regrade: RegradeFn, *,
                           now: datetime) -> GuessOutcome:
        """In one transaction: the member's answer to `delivery_id` marked a guess and the family's
        card replaced by `regrade(card, answer)`. Anything but "marked" changed nothing: no answer
        yet, a wrong one, marked already, or the card has moved on (the family was answered since)."""
        ...
    async def fold_cards(self, family_of: Mapping[str, str]) -> int:
        """Fold cards kept under an old key (a drill id, before families) into the family cards
        `family_of` names: the latest state wins, reviews and lapses add up. Idempotent; returns
        the number of cards folded away."""
        ...
    async def member_snapshot(self, member_id: str, *, since: datetime) -> MemberSnapshot: ...
    async def delivery_tally(self, delivery_id: str) -> dict[int, int]: ...
    async def answer_count(self) -> int:
        """Answers stored, every member and process: the readiness probe and a metrics gauge."""
        ...
    async def export_answers(self) -> AsyncIterator[ExportRow]: ...

    async def backup(self, path: Path) -> None: ...
    def serving(self) -> str | None:
        """Ready a long-running serving process for this backend; what it set, for the log (None: nothing)."""
        ...
    async def close(self) -> None: ...
